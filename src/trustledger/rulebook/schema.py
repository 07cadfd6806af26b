"""The rulebook's YAML format: which keys each mapping holds and of what type (docs/rulebook.md)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from yaml.nodes import MappingNode, Node, ScalarNode

from trustledger.domain.errors import Problem
from trustledger.domain.evaluation import RestrictionStatus
from trustledger.domain.rulebook import Band, Scope
from trustledger.rulebook.cases import Case, CaseRecord, Outcome
from trustledger.rulebook.nodes import (
    Draft,
    Mismatch,
    Section,
    Source,
    boolean,
    day,
    integer,
    items,
    line_of,
    localized,
    optional_day,
    pairs,
    plain,
    text,
)

HEADER_FILE = "rulebook.yaml"
HEADER_KEYS = ("version", "base_score", "bands", "review", "retention", "domains")
FILE_KEYS = (*HEADER_KEYS, "rules")
BAND_KEYS = ("name", "min_score")
DOMAIN_KEYS = ("legal_basis", "legal_basis_ref")
REVIEW_KEYS = ("below", "legal_basis", "notice_days", "appeal_days", "max_days")
RETENTION_KEYS = ("default_days", "max_days")
# The history terms: (the key of the amount, the key of the window) of each form.
HISTORY_FORMS = {"repeat": ("count", "within_days"), "points_within": ("at_least", "days")}
RULE_KEYS = (
    "code",
    "title",
    "legal_basis",
    "legal_basis_ref",
    "domain",
    "points",
    "restriction",
    "notice_days",
    "appeal_days",
    "suspend_on_appeal",
    "lift_on_fulfilment",
    "counts_for_days",
    "retain_days",
    "condition",
    "attributes",
    *HISTORY_FORMS,
    "effective_from",
    "effective_to",
    "cases",
)
# The rule fields a person reads, each given in every language: `title: {zh-Hans: …, en: …}`.
LOCALIZED_RULE_FIELDS = ("title",)
RESTRICTION_KEYS = ("scopes", "days", "cross_context_basis", "after_fulfilment_days")
CASE_KEYS = ("name", "as_of", "records", "expect")
CASE_RECORD_KEYS = (
    "id",
    "type",
    "occurred_on",
    "decided_on",
    "attributes",
    "fulfilled_on",
    "overturned_on",
)
EXPECT_KEYS = ("score", "band", "restricted", "restrictions")
ATTRIBUTE_TYPES = ("int", "float", "str", "bool")


@dataclass
class Reading:
    """Everything read from a rulebook path, valid or not: the loader builds, the linter judges."""

    root: str
    header: Draft | None = None
    rules: list[Draft] = field(default_factory=list)
    cases: list[Case] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def default_rulebook_path() -> Path:
    """The rulebook shipped as package data: a directory of YAML files."""
    return Path(__file__).with_name("default")


def read_rulebook(path: Path) -> Reading:
    reading = Reading(str(path))
    files = _yaml_files(path, reading)
    for file in files:
        src = Source(str(file), reading.problems)
        before = len(reading.problems)
        node = src.compose(file)
        if node is not None:
            _read_file(src, node, reading)
        elif len(reading.problems) == before:
            src.report(1, "-", "the file is empty")
    if files and reading.header is None:
        reading.problems.append(
            Problem(str(path), 1, "version", "no file gives the version, base_score and bands")
        )
    return reading


def _yaml_files(path: Path, reading: Reading) -> list[Path]:
    if path.is_dir():
        # rulebook.yaml, the header's home, comes first so that a stray header elsewhere is the one
        # reported.
        files = sorted(path.glob("*.yaml"), key=lambda f: (f.name != HEADER_FILE, f.name))
        if not files:
            reading.problems.append(
                Problem(str(path), 1, "-", "the directory holds no *.yaml file")
            )
        return files
    if path.is_file():
        return [path]
    reading.problems.append(Problem(str(path), 1, "-", "no such file or directory"))
    return []


def _read_file(src: Source, node: Node, reading: Reading) -> None:
    draft = Draft(src.file, "", line_of(node))
    sec = Section(src, node, draft, allowed=FILE_KEYS)
    header_keys = [k for k in HEADER_KEYS if sec.has(k)]
    if header_keys and reading.header is not None:
        first = header_keys[0]
        where = reading.header.file
        src.report(line_of(sec.nodes[first][0]), first, f"the header is already given in {where}")
    elif header_keys:
        reading.header = _read_header(sec)
    for i, rule_node in sec.entries("rules", "rules"):
        reading.rules.append(_read_rule(src, rule_node, i, reading))


def _read_header(sec: Section) -> Draft:
    sec.read("version", text, required=True)
    sec.read("base_score", integer, required=True)
    bands: list[Band] = []
    for i, node in sec.entries("bands", "bands", required=True):
        band = Section(sec.src, node, sec.draft, prefix=f"bands[{i}].", allowed=BAND_KEYS)
        name = band.read("name", text, required=True)
        min_score = band.read("min_score", integer, required=True)
        sec.draft.lines[f"bands[{i}]"] = band.line
        if name is not None and min_score is not None:
            bands.append(Band(name, min_score))
    sec.draft.values["bands"] = tuple(bands)
    review = sec.sub("review", allowed=REVIEW_KEYS)
    if review is not None:
        review.read("below", integer, required=True)
        review.read("legal_basis", text, required=True)
        for name in ("notice_days", "appeal_days", "max_days"):
            review.read(name, integer)
    retention = sec.sub("retention", allowed=RETENTION_KEYS)
    if retention is not None:
        for name in RETENTION_KEYS:
            retention.read(name, integer, required=True)
    _read_domains(sec)
    return sec.draft


def _read_domains(sec: Section) -> None:
    """The closed world: each permitted conduct domain with the legal basis that authorizes it."""
    found = sec.nodes.get("domains")
    if found is None:
        sec.src.report(sec.line, "domains", "is required: the permitted conduct domains")
        return
    key_node, node = found
    sec.draft.lines["domains"] = line_of(key_node)
    if not isinstance(node, MappingNode):
        sec.src.report(line_of(node), "domains", "must map each domain to its legal_basis")
        return
    names = []
    for name_node, value_node in node.value:
        name = str(name_node.value)
        if name in names:
            sec.src.report(line_of(name_node), f"domains.{name}", "appears twice")
        domain = Section(sec.src, value_node, sec.draft, prefix=f"domains.{name}.",
                         allowed=DOMAIN_KEYS, line=line_of(name_node))  # fmt: skip
        sec.draft.lines[f"domains.{name}"] = line_of(name_node)
        domain.read("legal_basis", text, required=True)
        domain.read("legal_basis_ref", text)
        names.append(name)
    sec.draft.values["domains"] = tuple(names)


def _peek_code(node: Node) -> str | None:
    if isinstance(node, MappingNode):
        for key, value in node.value:
            if key.value == "code" and isinstance(value, ScalarNode) and value.value:
                return str(value.value)
    return None


def _read_rule(src: Source, node: Node, index: int, reading: Reading) -> Draft:
    draft = Draft(src.file, _peek_code(node) or f"rules[{index}]", line_of(node))
    sec = Section(src, node, draft, allowed=RULE_KEYS)
    for name in ("code", "legal_basis", "domain"):
        sec.read(name, text, required=True)
    for name in LOCALIZED_RULE_FIELDS:
        sec.read(name, localized, required=True)
    sec.read("legal_basis_ref", text)
    sec.read("points", integer, required=True)
    sec.read("effective_from", day, required=True)
    sec.read("effective_to", optional_day)
    for name in ("notice_days", "appeal_days", "counts_for_days", "retain_days"):
        sec.read(name, integer)
    for name in ("suspend_on_appeal", "lift_on_fulfilment"):
        sec.read(name, boolean)
    sec.read("condition", text)
    sec.read("attributes", lambda n: pairs(n, _attribute_type))
    _read_restriction(sec)
    for form, (amount, window) in HISTORY_FORMS.items():
        term = sec.sub(form, allowed=("codes", amount, window, "restriction"))
        if term is not None:
            term.read("codes", _codes, required=True)
            term.read(amount, integer, required=True)
            term.read(window, integer, required=True)
            _read_restriction(term)
    for j, case_node in sec.entries("cases", "example cases"):
        case = _read_case(src, case_node, code=draft.key, index=j)
        if case is not None:
            reading.cases.append(case)
    return draft


def _read_case(src: Source, node: Node, *, code: str, index: int) -> Case | None:
    before = len(src.problems)
    draft = Draft(src.file, f"{code}.cases[{index}]", line_of(node))
    sec = Section(src, node, draft, allowed=CASE_KEYS)
    name = sec.read("name", text, required=True)
    as_of = sec.read("as_of", day, required=True)
    records = [
        _read_case_record(src, item, draft, k, code)
        for k, item in sec.entries("records", "records", required=True)
    ]
    expect = sec.sub("expect", allowed=EXPECT_KEYS)
    if expect is None:
        src.report(sec.line, f"{draft.key}.expect", "is required")
        return None
    score = expect.read("score", integer, required=True)
    band = expect.read("band", text, required=True)
    restricted = expect.read("restricted", _scopes, required=True)
    statuses = expect.read("restrictions", lambda n: pairs(n, _status), required=True)
    if (
        name is None
        or as_of is None
        or score is None
        or band is None
        or restricted is None
        or statuses is None
        or len(src.problems) > before
    ):
        return None
    outcome = Outcome(score, band, frozenset(restricted), tuple(sorted(statuses)))
    kept = tuple(r for r in records if r is not None)
    return Case(name, code, as_of, kept, outcome, src.file, draft.line)


def _read_case_record(
    src: Source, node: Node, draft: Draft, k: int, code: str
) -> CaseRecord | None:
    sec = Section(src, node, draft, prefix=f"records[{k}].", allowed=CASE_RECORD_KEYS)
    record_id = sec.read("id", text) or f"r{k + 1}"
    type_ = sec.read("type", text) or code
    occurred_on = sec.read("occurred_on", day, required=True)
    decided_on = sec.read("decided_on", day, required=True)
    attributes = dict(sec.read("attributes", lambda n: pairs(n, plain)) or [])
    fulfilled_on = sec.read("fulfilled_on", day)
    overturned_on = sec.read("overturned_on", day)
    if occurred_on is None or decided_on is None:
        return None
    return CaseRecord(
        record_id, type_, occurred_on, decided_on, attributes, fulfilled_on, overturned_on
    )


def _read_restriction(sec: Section) -> None:
    restriction = sec.sub("restriction", allowed=RESTRICTION_KEYS)
    if restriction is not None:
        restriction.read("scopes", _scopes, required=True)
        restriction.read("days", integer, required=True)
        restriction.read("cross_context_basis", text)
        restriction.read("after_fulfilment_days", integer)


def _codes(node: Node) -> list[str]:
    return [text(item) for _, item in items(node, "codes")]


def _attribute_type(node: Node) -> str:
    value = text(node)
    if value not in ATTRIBUTE_TYPES:
        raise Mismatch(f"must be one of {', '.join(ATTRIBUTE_TYPES)}, not {value!r}", line_of(node))
    return value


def _scopes(node: Node) -> list[Scope]:
    allowed = ", ".join(s.value for s in Scope)
    result = []
    for _, item in items(node, "scopes"):
        value = text(item)
        if value not in {s.value for s in Scope}:
            raise Mismatch(f"{value!r} is not a scope (expected: {allowed})", line_of(item))
        result.append(Scope(value))
    return result


def _status(node: Node) -> str:
    value = text(node)
    if value not in {s.value for s in RestrictionStatus}:
        expected = ", ".join(s.value for s in RestrictionStatus)
        raise Mismatch(
            f"{value!r} is not a restriction status (expected: {expected})", line_of(node)
        )
    return value
