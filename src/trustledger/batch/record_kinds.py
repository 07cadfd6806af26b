"""The record types a synthetic population has: rates, sources, and their rule versions' attributes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache

import numpy as np
import pyarrow as pa

from trustledger.domain.rulebook import Rulebook
from trustledger.rulebook.loader import load_rulebook

RAIL, AIR, COURT = "rail-operator", "airline", "court"


@dataclass(frozen=True, slots=True)
class RecordKind:
    """How often a kind of conduct occurs and what its records look like.

    Which attributes a record carries and whether it can be paid off are its rule version's: the
    version of the default rulebook in force on the record's occurred_on (docs/batch.md).
    """

    code: str
    per_1000: float  # expected records per 1,000 people
    source: str  # "court" becomes court-<province of the subject>
    case_prefix: str  # three letters starting the source's case numbers
    decision_lag: tuple[int, int]  # days from the conduct to the decision, low and high
    fulfillable: bool = False  # a debt or fare that can be paid (under some version of its rule)
    amount: tuple[float, float] | None = None  # median and log-sigma of amount_cny
    months_unpaid: bool = False
    # (day, code): conduct from that day on is recorded under the rule that replaced this one.
    renamed: tuple[date, str] | None = None


def _court(code: str, per_1000: float) -> RecordKind:
    return RecordKind(code, per_1000, COURT, "CRT", (60, 540), fulfillable=True)


def _air(code: str, per_1000: float) -> RecordKind:
    return RecordKind(code, per_1000, AIR, "AIR", (3, 90))


def _rail(code: str, per_1000: float, *, fulfillable: bool = False) -> RecordKind:
    return RecordKind(code, per_1000, RAIL, "RLY", (1, 45), fulfillable=fulfillable)


# Rates per 1,000 people over the generated window; docs/batch.md gives the reasons.
KINDS: tuple[RecordKind, ...] = (
    RecordKind("court.judgment_default", 25.0, COURT, "CRT", (60, 540), True, (30_000, 1.3)),
    RecordKind("rail.fare_evasion", 18.0, RAIL, "RLY", (0, 20), True),
    RecordKind(
        "social_insurance.unpaid",
        8.0,
        "social-insurance",
        "SIA",
        (30, 240),
        True,
        (15_000, 1.0),
        months_unpaid=True,
    ),
    RecordKind("rail.smoking", 4.0, RAIL, "RLY", (0, 30)),
    RecordKind("rail.disorder", 3.0, RAIL, "RLY", (1, 45)),
    RecordKind("rail.ticket_resale", 2.0, RAIL, "RLY", (7, 120)),
    RecordKind("air.disorder", 1.5, AIR, "AIR", (1, 45)),
    RecordKind(
        "tax.serious_evasion",
        1.0,
        "tax",
        "TAX",
        (90, 720),
        True,
        (400_000, 1.1),
        renamed=(date(2027, 1, 1), "tax.major_violation"),
    ),
    RecordKind("rail.forged_ticket", 0.8, RAIL, "RLY", (3, 90), fulfillable=True),
    RecordKind("air.forged_identity", 0.5, AIR, "AIR", (3, 90)),
    RecordKind("air.false_threat", 0.2, AIR, "AIR", (7, 120)),
    _rail("rail.smoking_other_trains", 2.5),
    _court("court.settlement_default", 1.5),
    _court("court.restriction_order_breach", 1.2),
    _court("court.asset_concealment", 0.8),
    _air("air.smoking_fire_devices", 0.8),
    _rail("rail.fraudulent_discount_id", 0.6, fulfillable=True),
    _air("air.prohibited_items", 0.6),
    _court("court.false_property_report", 0.5),
    _court("court.obstructing_enforcement", 0.4),
    _air("air.obstructing_staff", 0.4),
    _air("air.altered_documents", 0.2),
    _air("air.theft_on_board", 0.1),
    _rail("rail.ticket_forgery", 0.1),
    _air("air.cockpit_intrusion", 0.02),
)
KIND_CODES = tuple(k.code for k in KINDS)
# Every record type a file may hold: the kinds' codes, then the codes that replaced them.
TYPE_CODES = KIND_CODES + tuple(k.renamed[1] for k in KINDS if k.renamed)

# The attributes the generator can fill, with their Parquet types and their rulebook types.
ATTRIBUTES = pa.struct(
    [
        ("amount_cny", pa.int64()),
        ("months_unpaid", pa.int64()),
        ("able_to_pay", pa.bool_()),
        ("endangers_rail_safety", pa.bool_()),
        ("serious_social_impact", pa.bool_()),
    ]
)
RULE_TYPES = {pa.int64(): "int", pa.bool_(): "bool"}
# How often a yes/no attribute is yes: most who are listed for not paying could pay (the lists
# are of those able to but refusing); rail disorder reaches the restricting bar only sometimes.
YES_SHARES = {"able_to_pay": 0.7, "endangers_rail_safety": 0.5, "serious_social_impact": 0.4}


@dataclass(frozen=True, slots=True)
class Versions:
    """The default rulebook's rule versions for TYPE_CODES, as arrays a chunk indexes at once."""

    code: np.ndarray  # index into TYPE_CODES
    starts: np.ndarray  # datetime64[D]
    ends: np.ndarray  # datetime64[D], the last day in force
    lifts: np.ndarray  # lift_on_fulfilment
    declares: np.ndarray  # versions x ATTRIBUTES fields: the attributes each declares

    def of(self, code: np.ndarray, occurred: np.ndarray) -> np.ndarray:
        """Each record's version index (-1: no version of its rule was in force that day)."""
        version = np.full(code.size, -1, dtype=np.int64)
        for v in range(self.code.size):  # a few dozen versions, each over the whole chunk
            version[
                (code == self.code[v]) & (occurred >= self.starts[v]) & (occurred <= self.ends[v])
            ] = v
        return version


@cache
def default_versions() -> Versions:
    return versions_of(load_rulebook())


def versions_of(rulebook: Rulebook) -> Versions:
    """The versions of every generated type; refuses a rulebook the generator cannot fill."""
    fields = {f.name: RULE_TYPES[f.type] for f in ATTRIBUTES}
    rules = [r for r in rulebook.rules if r.code in TYPE_CODES]
    missing = sorted(rulebook.codes() - set(TYPE_CODES)) + sorted(
        set(TYPE_CODES) - rulebook.codes()
    )
    unknown = [f"{r.code}.{n}" for r in rules for n, t in r.attributes if fields.get(n) != t]
    if missing or unknown:
        raise ValueError(f"the generator is out of step with the rulebook: {missing + unknown}")
    last = date.max
    return Versions(
        code=np.array([TYPE_CODES.index(r.code) for r in rules], dtype=np.int64),
        starts=np.array([r.effective_from for r in rules], dtype="datetime64[D]"),
        ends=np.array([r.effective_to or last for r in rules], dtype="datetime64[D]"),
        lifts=np.array([r.lift_on_fulfilment for r in rules], dtype=bool),
        declares=np.array(
            [[name in dict(r.attributes) for name in fields] for r in rules], dtype=bool
        ).reshape(len(rules), len(fields)),
    )
