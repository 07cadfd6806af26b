"""The closed world a rulebook must stay inside: declared domains, no prohibited subject matter,
documents named as legal bases, and conditions and examples that read only declared attributes.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from trustledger.domain.attributes import typed_attributes
from trustledger.domain.conditions import ConditionError, compile_condition
from trustledger.domain.errors import InvalidInput, Problem
from trustledger.rulebook.citations import names_document
from trustledger.rulebook.condition_reads import condition_reads
from trustledger.rulebook.nodes import Draft
from trustledger.rulebook.schema import LOCALIZED_RULE_FIELDS, Reading
from trustledger.rulebook.vocabulary import prohibited_matter

# Where prohibited subject matter is looked for in a rule, besides its attribute names.
_WORDED = ("code", "domain", *LOCALIZED_RULE_FIELDS, "condition")
_BASIS = (
    "must name a document: a document number (〔2018〕384号, Fa Shi 2017 No. 7), a title "
    "(《...》, '... Law, art. N', 'Provisions on ...'), or give legal_basis_ref"
)


def closed_world_problems(reading: Reading) -> Iterator[Problem]:
    header = reading.header
    declared = tuple(header.get("domains") or ()) if header is not None else ()
    if header is not None:
        yield from _domain_problems(header, declared)
    for rule in reading.rules:
        yield from _rule_problems(rule, declared if header is not None else None)
    yield from _case_attribute_problems(reading)


def _domain_problems(header: Draft, declared: tuple[str, ...]) -> Iterator[Problem]:
    for name in declared:
        found = prohibited_matter(name)
        if found:
            yield header.problem(f"domains.{name}", _refused("domain", found))
        yield from _basis(header, f"domains.{name}.")


def _rule_problems(rule: Draft, declared: tuple[str, ...] | None) -> Iterator[Problem]:
    domain = rule.get("domain")
    if declared is not None and domain and domain not in declared:
        permitted = ", ".join(declared) or "none"
        yield rule.problem(
            "domain", f"{domain!r} is not a domain rulebook.yaml permits (permitted: {permitted})"
        )
    for name in _WORDED:
        found = sorted({m for text in _texts(rule.get(name)) for m in prohibited_matter(text)})
        if found:
            yield rule.problem(name, _refused(name, found))
    for attribute, _ in rule.get("attributes") or ():
        found = prohibited_matter(attribute)
        if found:
            yield rule.problem("attributes", f"{attribute!r} " + _refused("attributes", found))
    yield from _basis(rule, "")
    yield from _condition_reads(rule)


def _refused(where: str, matter: list[str]) -> str:
    what = (
        "is a prohibited domain" if where in ("code", "domain") else "speaks of prohibited matter"
    )
    return f"{what} ({', '.join(matter)}): never recorded"


def _texts(value: Any) -> list[str]:
    """The texts of a field: a string, or each language's text of a mapping or pairs."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, Mapping):
        return [str(k) for k in value] + [t for v in value.values() for t in _texts(v)]
    if isinstance(value, Iterable):
        return [t for item in value for t in _texts(item)]
    return [str(value)]


def _basis(d: Draft, prefix: str) -> Iterator[Problem]:
    basis, ref = d.get(prefix + "legal_basis"), d.get(prefix + "legal_basis_ref")
    if ref is not None and not ref.strip():
        yield d.problem(prefix + "legal_basis_ref", "must not be empty")
    if basis and basis.strip() and ref is None and not names_document(basis):
        yield d.problem(prefix + "legal_basis", _BASIS)


def _condition_reads(rule: Draft) -> Iterator[Problem]:
    expression = rule.get("condition")
    if expression is None:
        return
    try:
        compile_condition(expression)
    except ConditionError:
        return  # the linter reports that it does not compile
    reads = condition_reads(expression)
    for shown in reads.refused:
        yield rule.problem(
            "condition",
            f"reads `record` other than by a declared attribute's name ({shown!r}): "
            'write record.name or record["name"]',
        )
    declared = {name for name, _ in rule.get("attributes") or ()}
    for name in sorted(reads.names - declared):
        yield rule.problem("condition", f"reads record.{name}, which `attributes` does not declare")


def _case_attribute_problems(reading: Reading) -> Iterator[Problem]:
    """Example records are checked against the declared attributes as intake checks a record:
    against the version of their type in force when they occurred."""
    versions = [
        (r.get("code"), r.get("effective_from"), r.get("effective_to"), r.get("attributes") or ())
        for r in reading.rules
    ]
    for case in reading.cases:
        for record in case.records:
            declared = [
                tuple(attributes)
                for code, start, end, attributes in versions
                if code == record.type and start is not None and start <= record.occurred_on
                and (end is None or record.occurred_on <= end)
            ]  # fmt: skip
            if not declared:
                continue  # no rule for it: case_problems or evaluation say so
            try:
                typed_attributes(record.attributes, declared[0], code=record.type)
            except InvalidInput as exc:
                yield case.problem(f"record {record.record_id}: {exc.detail}")
