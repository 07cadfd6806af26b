"""What a simulation should count, worked out subject by subject with the domain core."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from trustledger.batch.provinces import UNKNOWN, province_names
from trustledger.batch.simulation import People, Simulation
from trustledger.batch.simulation_sql import MODES
from trustledger.domain.evaluation import RestrictionStatus, SubjectState, evaluate
from trustledger.domain.records import Event, EventKind, known_by
from trustledger.domain.rulebook import Rulebook

NOT_OVER = frozenset(
    {RestrictionStatus.AWAITING_NOTICE, RestrictionStatus.PENDING, RestrictionStatus.ACTIVE}
)


@dataclass
class Expected:
    subjects: int = 0
    bands: Counter[tuple[str, str]] = field(default_factory=Counter)
    restricted: Counter[tuple[bool, bool]] = field(default_factory=Counter)
    by_mode: dict[str, Counter[tuple[bool, bool]]] = field(
        default_factory=lambda: defaultdict(Counter)
    )
    by_rule: dict[str, Counter[tuple[bool, bool]]] = field(
        default_factory=lambda: defaultdict(Counter)
    )
    below: Counter[tuple[bool, bool]] = field(default_factory=Counter)
    provinces: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    score_total: list[int] = field(default_factory=lambda: [0, 0])


def people(pairs: Counter[tuple[bool, bool]]) -> People:
    """From counts of (restricted before, restricted after)."""
    return People(
        pairs[(True, True)] + pairs[(True, False)],
        pairs[(True, True)] + pairs[(False, True)],
        pairs[(False, True)],
        pairs[(True, False)],
    )


def _barred(state: SubjectState) -> list[tuple[str, frozenset[str]]]:
    return [
        (r.reason, frozenset(s.value for s in r.scopes))
        for r in state.restrictions
        if r.status in NOT_OVER
    ]


def expected(
    events: Mapping[str, list[Event]], current: Rulebook, proposed: Rulebook, on: date
) -> Expected:
    found = Expected()
    names = province_names()
    for subject, history in events.items():
        known = known_by(history, on)
        if not any(e.kind is EventKind.RECORDED for e in known):
            continue
        b = evaluate(known, current, on, subject=subject)
        a = evaluate(known, proposed, on, subject=subject)
        found.subjects += 1
        found.score_total[0] += b.score
        found.score_total[1] += a.score
        found.bands[(b.band, a.band)] += 1
        bb, ba = _barred(b), _barred(a)
        pair = (bool(bb), bool(ba))
        found.restricted[pair] += 1
        for mode, scopes in MODES.items():
            wanted = {s.value for s in scopes}
            found.by_mode[mode][
                (any(s & wanted for _r, s in bb), any(s & wanted for _r, s in ba))
            ] += 1
        for rule in {r for r, _s in bb} | {r for r, _s in ba}:
            found.by_rule[rule][(rule in {r for r, _ in bb}, rule in {r for r, _ in ba})] += 1
        below = (
            current.review is not None and b.score < current.review.below,
            proposed.review is not None and a.score < proposed.review.below,
        )
        found.below[below] += 1
        code = subject[:2] if len(subject) == 18 and subject[:2] in names else UNKNOWN
        province = found.provinces[code]
        province["subjects"] += 1
        province[f"restricted{pair}"] += 1
        province["opened"] += below == (False, True)
    return found


def assert_simulation_matches(result: Simulation, want: Expected) -> None:
    assert result.subjects == want.subjects
    assert (result.score_total.current, result.score_total.proposed) == tuple(want.score_total)
    assert {(s.from_band, s.to_band): s.subjects for s in result.shifts} == {
        k: n for k, n in want.bands.items() if k[0] != k[1]
    }
    assert result.restricted == people(want.restricted)
    assert result.by_mode == {mode: people(want.by_mode[mode]) for mode in MODES}
    assert result.by_rule == {rule: people(pairs) for rule, pairs in want.by_rule.items()}
    below = want.below
    assert (result.review_below.current, result.review_below.proposed) == (
        below[(True, True)] + below[(True, False)],
        below[(True, True)] + below[(False, True)],
    )
    assert result.review_opened == below[(False, True)]
    provinces = {}
    for code, c in want.provinces.items():
        pairs = Counter(
            {(x, y): c[f"restricted{(x, y)}"] for x in (True, False) for y in (True, False)}
        )
        provinces[code] = (c["subjects"], people(pairs), c["opened"])
    assert {
        p.code: (p.subjects, p.restricted, p.review_opened) for p in result.provinces
    } == provinces
