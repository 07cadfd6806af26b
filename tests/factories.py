"""Small builders for tests: a test rulebook, a settable clock, record bodies, identity numbers."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from stdnum.cn import ric

from trustledger.domain.identity import scheme_named
from trustledger.domain.rulebook import Band, RestrictionSpec, ReviewPolicy, Rule, Rulebook, Scope
from trustledger.domain.texts import LocalizedText
from trustledger.services.due_process.state import Evaluator

if TYPE_CHECKING:
    from trustledger.bootstrap import Registry
    from trustledger.domain.notice_letters import NoticeLetter

EFFECTIVE = date(2018, 5, 1)
TODAY = date(2026, 11, 25)


def rulebook() -> Rulebook:
    return Rulebook(
        version="test-1",
        base_score=1000,
        bands=(Band("A", 1000), Band("B", 900), Band("C", 700), Band("D", 0)),
        review=ReviewPolicy(below=700, legal_basis="Test review basis, art. 1"),
        rules=(
            Rule(
                code="rail.smoking",
                title=LocalizedText.of({"zh-Hans": "在列车上吸烟", "en": "Smoking on a train"}),
                legal_basis="Railway Safety Regulations, art. 77",
                domain="rail",
                points=-50,
                effective_from=EFFECTIVE,
                restriction=RestrictionSpec(frozenset({Scope.RAIL}), 180),
                notice_days=10,
            ),
            Rule(
                code="court.judgment_default",
                title=LocalizedText.of(
                    {"zh-Hans": "拒不履行法院判决", "en": "Defaulting on a court judgment"}
                ),
                legal_basis="SPC Provisions on the list of judgment defaulters, art. 1",
                domain="court",
                points=-100,
                effective_from=EFFECTIVE,
                restriction=RestrictionSpec(
                    frozenset({Scope.AIR, Scope.RAIL_PREMIUM}),
                    365,
                    cross_context_basis="Civil Procedure Law, art. 262",
                ),
                lift_on_fulfilment=True,
                attributes=(("amount_cny", "int"),),
            ),
            Rule(
                code="social_insurance.unpaid",
                title=LocalizedText.of(
                    {"zh-Hans": "欠缴社会保险费", "en": "Unpaid social insurance contributions"}
                ),
                legal_basis="Social Insurance Law, art. 86",
                domain="social_insurance",
                points=-30,
                effective_from=EFFECTIVE,
                condition="record.amount_cny >= 5000 || record.months_unpaid >= 3",
                attributes=(("amount_cny", "int"), ("months_unpaid", "int")),
            ),
        ),
    )


@dataclass
class SettableClock:
    day: date = TODAY
    moment: datetime = field(default_factory=lambda: datetime(2026, 11, 25, 9, 0, tzinfo=UTC))

    def today(self) -> date:
        return self.day

    def now(self) -> datetime:
        # Distinct, increasing times, as a real clock gives.
        self.moment += timedelta(microseconds=1)
        return self.moment.replace(tzinfo=None)

    def advance(self, days: int) -> None:
        self.day += timedelta(days=days)
        self.moment += timedelta(days=days)


_serial = itertools.count(1)


def evaluator(book: Rulebook | None = None) -> Evaluator:
    """The default test rulebook's evaluator for `cn-ric` numbers, issuing notices as events only."""
    return Evaluator(book or rulebook(), scheme_named("cn-ric"))


def ric_number(n: int | None = None, *, region: str = "110105", born: str = "19491231") -> str:
    """A valid cn-ric number; distinct `n` (default: a fresh one) give distinct numbers."""
    n = next(_serial) if n is None else n
    body = f"{region}{born}{n % 1000:03d}"
    if n >= 1000:  # vary the birth date too, to have more than a thousand people
        day = date(1950, 1, 1) + timedelta(days=n // 1000)
        body = f"{region}{day:%Y%m%d}{n % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")  # it ignores the last character


def body(**overrides: Any) -> dict[str, Any]:
    """A valid rail.smoking record body; pass fields to change."""
    base: dict[str, Any] = {
        "subject": "11010519491231002X",
        "type": "rail.smoking",
        "occurred_on": "2026-10-01",
        "decided_on": "2026-10-20",
        "case_ref": f"CR-{next(_serial)}",
        "evidence_ref": "ev-1",
    }
    return base | overrides


def judgment(**overrides: Any) -> dict[str, Any]:
    return body(type="court.judgment_default", attributes={"amount_cny": 12000}) | overrides


def unpaid(amount: int = 6000, months: int = 1, **overrides: Any) -> dict[str, Any]:
    attributes = {"amount_cny": amount, "months_unpaid": months}
    return body(type="social_insurance.unpaid", attributes=attributes) | overrides


def kept_letter(registry: Registry, notice_id: str) -> NoticeLetter:
    """A notice's letter as the store gives it back: the notices table keeps a letter's facts,
    its templates' version and its hash, and the letter is written again from them when read."""
    with registry.uow(readonly=True) as uow:
        found = uow.notices.get(notice_id)
    assert found is not None
    return found
