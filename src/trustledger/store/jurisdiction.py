"""An officer's jurisdiction as a SQL condition on a subject column, for the officers' queues."""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, exists, or_, true

from trustledger.domain.jurisdiction import Jurisdiction
from trustledger.store import tables as t


def within(fence: Jurisdiction, subject: ColumnElement[str]) -> ColumnElement[bool]:
    """True for the rows whose subject the fence admits, as `Jurisdiction.refusal` judges a file:
    the identity number starts with one of the regions, and (a sources fence) the subject holds a
    record from one of the sources. Filtering in the query keeps a LIMIT meaning "up to N
    admitted rows"."""
    conditions: list[ColumnElement[bool]] = []
    if fence.regions:
        conditions.append(
            or_(*(subject.startswith(code, autoescape=True) for code in fence.regions))
        )
    if fence.sources:
        # Records name the subject by pseudonym, which derived state maps to the number (a row
        # from before sealing, by the number itself).
        r, state = t.records.c, t.subject_state.c
        conditions.append(
            exists().where(
                state.subject == subject,
                r.subject.in_([state.pseudonym, state.subject]),
                r.source.in_(fence.sources),
            )
        )
    return and_(*conditions) if conditions else true()
