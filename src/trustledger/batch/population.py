"""A synthetic population's adjudicated records, generated in vectorized chunks, repeatably."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pyarrow as pa

from trustledger.batch.identities import MAX_PEOPLE, IdentityMint, ascii_strings, digit_matrix
from trustledger.batch.record_kinds import (
    ATTRIBUTES,
    KIND_CODES,
    KINDS,
    TYPE_CODES,
    YES_SHARES,
    RecordKind,
    default_versions,
)
from trustledger.domain.errors import InvalidInput

# Fixed so that a seed always yields the same file, whatever the caller's memory or progress needs.
PEOPLE_PER_CHUNK = 1 << 20
DEFAULT_AS_OF = date(2026, 11, 1)
__all__ = [
    "ATTRIBUTES",
    "DEFAULT_AS_OF",
    "KINDS",
    "KIND_CODES",
    "SCHEMA",
    "TYPE_CODES",
    "PopulationSpec",
    "RecordKind",
    "people_for_records",
    "record_tables",
]


SCHEMA = pa.schema(
    [
        ("record_id", pa.string()),
        ("subject", pa.string()),
        ("type", pa.string()),
        ("occurred_on", pa.date32()),
        ("decided_on", pa.date32()),
        ("recorded_on", pa.date32()),
        ("source", pa.string()),
        ("case_ref", pa.string()),
        ("evidence_ref", pa.string()),
        ("attributes", ATTRIBUTES),
        ("noticed_on", pa.date32()),
        ("fulfilled_on", pa.date32()),
        ("overturned_on", pa.date32()),
    ]
)


@dataclass(frozen=True, slots=True)
class PopulationSpec:
    """What to generate; `rates` overrides records per 1,000 people for the named types."""

    people: int
    seed: int = 0
    as_of: date = DEFAULT_AS_OF
    rates: Mapping[str, float] = field(default_factory=dict)
    window_days: int = 3 * 365  # records arrive over this many days before as_of
    repeat_share: float = 0.3  # records given to someone who already has one: repeat offenders
    late_share: float = 0.005  # decisions reported after two years or more: time-barred
    unnoticed_share: float = 0.01  # records whose notice has not gone out yet
    fulfil_share: float = 0.35  # of fulfillable records, paid before as_of
    overturn_share: float = 0.02  # records overturned on appeal or by the source

    def __post_init__(self) -> None:
        if not 0 < self.people <= MAX_PEOPLE:
            raise InvalidInput("people", f"must lie in 1..{MAX_PEOPLE}")
        unknown = sorted(set(self.rates) - set(TYPE_CODES))
        if unknown:
            raise InvalidInput("rates", f"unknown record types {', '.join(unknown)}")
        both = [k.code for k in KINDS if k.renamed and {k.code, k.renamed[1]} <= set(self.rates)]
        if both:
            raise InvalidInput("rates", f"{both[0]} and the rule replacing it share one rate")
        if any(r < 0 for r in self.rates.values()):
            raise InvalidInput("rates", "must not be negative")

    def per_1000(self) -> np.ndarray:
        """Per kind; a rate given for the code that replaced a kind's rule is the kind's."""
        return np.array([self._rate(k) for k in KINDS], dtype=np.float64)

    def _rate(self, kind: RecordKind) -> float:
        if kind.renamed and kind.renamed[1] in self.rates:
            return self.rates[kind.renamed[1]]
        return self.rates.get(kind.code, kind.per_1000)

    def expected_records(self) -> float:
        return float(self.per_1000().sum()) * self.people / 1000


def people_for_records(records: int, rates: Mapping[str, float] | None = None) -> int:
    """How many people to generate for about `records` records at the given rates."""
    per_person = float(PopulationSpec(1, rates=rates or {}).per_1000().sum()) / 1000
    return max(1, round(records / per_person))


def record_tables(spec: PopulationSpec) -> Iterator[tuple[int, pa.Table]]:
    """Yield (people covered, records of those people) chunk by chunk, in a repeatable order."""
    mint = IdentityMint(spec.seed)
    first_record = 0
    for index, first_person in enumerate(range(0, spec.people, PEOPLE_PER_CHUNK)):
        people = min(PEOPLE_PER_CHUNK, spec.people - first_person)
        table = _chunk(spec, mint, index, first_person, people, first_record)
        first_record += table.num_rows
        yield people, table


def _chunk(
    spec: PopulationSpec, mint: IdentityMint, index: int, first_person: int, people: int, first: int
) -> pa.Table:
    rng = np.random.default_rng([spec.seed, index])
    kind = np.repeat(np.arange(len(KINDS)), rng.poisson(spec.per_1000() * people / 1000))
    person = first_person + rng.integers(0, people, kind.size)
    repeat = np.flatnonzero(rng.random(kind.size) < spec.repeat_share)
    person[repeat] = person[rng.integers(0, max(kind.size, 1), repeat.size)]
    dates = _dates(spec, rng, kind)
    code, version = _rule_versions(kind, dates["occurred_on"])
    # Conduct on a day no version of its rule was in force is no record: intake refuses it.
    order = np.flatnonzero(version >= 0)
    order = order[np.argsort(dates["recorded_on"][order], kind="stable")]
    kind, person, code, version = kind[order], person[order], code[order], version[order]
    dates = {name: column[order] for name, column in dates.items()}
    # Only a record its rule lets the subject pay off (lift on fulfilment) is paid.
    dates["fulfilled_on"][~default_versions().lifts[version]] = np.datetime64("NaT")
    n = kind.size
    numbers = np.int64(spec.seed % 10_000) * 10**10 + first + np.arange(n, dtype=np.int64)
    province = mint.significant(person) // 10**15
    columns: dict[str, pa.Array] = {
        "record_id": _numbered(b"r", numbers),
        "subject": mint.numbers(person),
        "type": _labels(TYPE_CODES, code),
        "source": _sources(kind, province),
        "case_ref": _case_refs(kind, dates["decided_on"], numbers),
        "evidence_ref": _numbered(b"EV", numbers),
        "attributes": _attributes(rng, kind, version),
    }
    columns.update({name: _date_array(column) for name, column in dates.items()})
    return pa.Table.from_pydict({name: columns[name] for name in SCHEMA.names}, schema=SCHEMA)


def _rule_versions(kind: np.ndarray, occurred: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each record's type (an index into TYPE_CODES) and its rule version in force on occurred_on."""
    code = np.arange(len(KINDS))[kind]
    for k, spec in enumerate(KINDS):
        if spec.renamed is not None:
            later = (kind == k) & (occurred >= np.datetime64(spec.renamed[0], "D"))
            code[later] = TYPE_CODES.index(spec.renamed[1])
    return code, default_versions().of(code, occurred)


def _dates(
    spec: PopulationSpec, rng: np.random.Generator, kind: np.ndarray
) -> dict[str, np.ndarray]:
    n = kind.size
    as_of = np.datetime64(spec.as_of, "D")
    recorded = as_of - rng.integers(0, spec.window_days, n)
    decided = recorded - (rng.geometric(1 / 6, n) - 1)
    late = rng.random(n) < spec.late_share
    decided[late] -= rng.integers(750, 1100, int(late.sum()))
    low = np.array([k.decision_lag[0] for k in KINDS])[kind]
    high = np.array([k.decision_lag[1] for k in KINDS])[kind]
    occurred = decided - (low + (rng.random(n) * (high - low + 1)).astype(np.int64))
    noticed = recorded + rng.integers(0, 3, n)
    noticed[rng.random(n) < spec.unnoticed_share] = np.datetime64("NaT")
    paid = np.maximum(recorded, decided + rng.integers(10, 400, n))
    paid[rng.random(n) >= spec.fulfil_share] = np.datetime64("NaT")  # and where the rule lifts
    overturned = recorded + rng.integers(5, 120, n)
    overturned[rng.random(n) >= spec.overturn_share] = np.datetime64("NaT")
    later = {"noticed_on": noticed, "fulfilled_on": paid, "overturned_on": overturned}
    for column in later.values():
        column[column > as_of] = np.datetime64("NaT")  # not happened yet on as_of
    return {"occurred_on": occurred, "decided_on": decided, "recorded_on": recorded, **later}


def _date_array(days: np.ndarray) -> pa.Array:
    return pa.array(days.astype("datetime64[D]"), type=pa.date32(), mask=np.isnat(days))


def _labels(labels: tuple[str, ...], index: np.ndarray) -> pa.Array:
    indices = pa.array(index.astype(np.int32), type=pa.int32())
    return pa.DictionaryArray.from_arrays(indices, pa.array(labels)).cast(pa.string())


def _numbered(prefix: bytes, numbers: np.ndarray) -> pa.StringArray:
    chars = np.empty((numbers.size, len(prefix) + 14), dtype=np.uint8)
    chars[:, : len(prefix)] = np.frombuffer(prefix, dtype=np.uint8)
    chars[:, len(prefix) :] = digit_matrix(numbers, 14) + ord("0")
    return ascii_strings(chars)


def _sources(kind: np.ndarray, province: np.ndarray) -> pa.Array:
    """rail-operator, airline, ... and court-<province>: the subject's home province's court."""
    named = tuple(sorted({k.source for k in KINDS} - {"court"}))
    labels = named + tuple(f"court-{p:02d}" for p in range(100))
    fixed = np.array([named.index(k.source) if k.source != "court" else -1 for k in KINDS])[kind]
    index = np.where(fixed >= 0, fixed, len(named) + province)
    return _labels(labels, index)


def _case_refs(kind: np.ndarray, decided: np.ndarray, numbers: np.ndarray) -> pa.StringArray:
    """PFX-YYYY-NNNNNNNNNNNNNN: unique per source since the number is unique in the file."""
    prefixes = np.array([list(k.case_prefix.encode()) for k in KINDS], dtype=np.uint8)
    year = decided.astype("datetime64[Y]").astype(np.int64) + 1970
    chars = np.empty((kind.size, 23), dtype=np.uint8)
    chars[:, :3] = prefixes[kind]
    chars[:, [3, 8]] = ord("-")
    chars[:, 4:8] = digit_matrix(year, 4) + ord("0")
    chars[:, 9:] = digit_matrix(numbers, 14) + ord("0")
    return ascii_strings(chars)


def _attributes(rng: np.random.Generator, kind: np.ndarray, version: np.ndarray) -> pa.StructArray:
    """The attributes each record's rule version declares, and no other (intake refuses those)."""
    n = kind.size
    declares = default_versions().declares[version]
    median = np.array([k.amount[0] if k.amount else 10_000.0 for k in KINDS])[kind]
    sigma = np.array([k.amount[1] if k.amount else 1.0 for k in KINDS])[kind]
    values: dict[str, np.ndarray] = {
        "amount_cny": np.maximum(np.round(median * np.exp(sigma * rng.standard_normal(n))), 100),
        "months_unpaid": rng.integers(1, 25, n),
    }
    values |= {name: rng.random(n) < share for name, share in YES_SHARES.items()}
    arrays = [
        pa.array(values[f.name].astype(f.type.to_pandas_dtype()), type=f.type, mask=~declares[:, i])
        for i, f in enumerate(ATTRIBUTES)
    ]
    return pa.StructArray.from_arrays(arrays, fields=list(ATTRIBUTES))
