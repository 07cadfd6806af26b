"""The batch recompute and the domain core agree on histories that mix every event kind: appeals
(pending, upheld, overturned, modified), review cases, corrections, withdrawals, fulfilments."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

import duckdb
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from batch_factories import batch_restrictions, domain_restrictions
from tests.due_factories import COURT, RAIL, Due, due, review_rulebook, threat_rulebook
from tests.factories import body, judgment, ric_number, unpaid
from tests.fakes import FakeExports
from trustledger.batch.recompute import recompute
from trustledger.batch.simulation import simulate
from trustledger.domain.errors import TrustLedgerError
from trustledger.domain.evaluation import evaluate
from trustledger.domain.records import CORE_ONLY_KINDS, Event, EventKind, known_by
from trustledger.domain.rulebook import Rulebook
from trustledger.domain.submissions import Source
from trustledger.services.reading.export import flat_table


def parity_rulebook() -> Rulebook:
    """Smoking and threats suspend while appealed; unpaid contributions open reviews."""
    threat = threat_rulebook()
    review = {r.code: r for r in review_rulebook().rules}
    rules = tuple(
        replace(review.get(r.code, r), suspend_on_appeal=r.code in {"rail.smoking", "rail.threat"})
        for r in threat.rules
    )
    return replace(threat, rules=rules)


@dataclass
class History:
    """A few people's histories, driven through the due-process services day by day."""

    d: Due = field(default_factory=lambda: due(parity_rulebook()))
    subjects: list[str] = field(default_factory=lambda: [ric_number() for _ in range(4)])
    records: list[tuple[str, Source]] = field(default_factory=list)
    appeals: list[str] = field(default_factory=list)

    def act(self, action: tuple[Any, ...]) -> None:
        # A refused act (an appeal after its deadline, say) writes nothing, as in production.
        with contextlib.suppress(TrustLedgerError):
            getattr(self, f"_{action[0]}")(*action[1:])

    def _submit(self, who: int, kind: str) -> None:
        subject = self.subjects[who]
        day = self.d.clock.today()
        dates = {"occurred_on": str(day - timedelta(days=9)), "decided_on": str(day)}
        made = {
            "smoking": (body, RAIL),
            "threat": (lambda **kw: body(type="rail.threat", **kw), RAIL),
            "judgment": (judgment, COURT),
            "unpaid": (lambda **kw: unpaid(**kw), COURT),
        }[kind]
        result = self.d.intake.submit(made[0](subject=subject, **dates), source=made[1])
        self.records.append((result.record.record_id, made[1]))

    def _advance(self, days: int) -> None:
        self.d.clock.advance(days)
        self.d.sweep.advance()

    def _record(self, pick: int) -> tuple[str, Source]:
        if not self.records:
            raise TrustLedgerError("no record yet")
        return self.records[pick % len(self.records)]

    def _appeal(self, pick: int) -> None:
        rid, _ = self._record(pick)
        subject = next(e.subject for e in self.d.events(EventKind.RECORDED) if e.record_id == rid)
        filed = self.d.appeals.file_appeal(subject, grounds="g", actor="officer_li", target=rid)
        self.appeals.append(filed.appeal_id)

    def _decide(self, pick: int, outcome: str) -> None:
        if not self.appeals:
            raise TrustLedgerError("no appeal yet")
        ends_on = self.d.clock.today() + timedelta(days=20) if outcome == "modified" else None
        appeal_id = self.appeals[pick % len(self.appeals)]
        self.d.appeals.decide_appeal(
            appeal_id, outcome=outcome, reasons="r", actor="officer_wu", ends_on=ends_on
        )

    def _fulfil(self, pick: int) -> None:
        rid, source = self._record(pick)
        self.d.fulfilment.report_fulfilment(rid, source_name=source.name)

    def _correct(self, pick: int, change: str) -> None:
        rid, source = self._record(pick)
        if source is RAIL:
            changes: dict[str, Any] = {
                "type": {"up": "rail.threat", "down": "rail.warning"}[change]
            }
        else:
            changes = {"attributes": {"amount_cny": 500 if change == "down" else 90000}}
        self.d.corrections.correct(rid, source=source, changes=changes, reason="retrial")

    def _withdraw(self, pick: int) -> None:
        rid, source = self._record(pick)
        self.d.corrections.withdraw(rid, source=source, reason="the wrong person")

    def _review(self, pick: int, outcome: str) -> None:
        cases = self.d.reviews.list_open_reviews()
        if not cases:
            raise TrustLedgerError("no open review")
        case = cases[pick % len(cases)]
        restrict = {"scopes": ["air"], "days": 60} if outcome == "restrict" else {}
        self.d.reviews.decide_review(
            case.case_id, outcome=outcome, reasons="r", actor="officer_li", **restrict
        )


PICK = st.integers(0, 30)
ACTION = st.one_of(
    st.tuples(
        st.just("submit"),
        st.integers(0, 3),
        st.sampled_from(["smoking", "threat", "judgment", "unpaid"]),
    ),
    st.tuples(st.just("advance"), st.integers(1, 45)),
    st.tuples(st.just("appeal"), PICK),
    st.tuples(st.just("decide"), PICK, st.sampled_from(["upheld", "overturned", "modified"])),
    st.tuples(st.just("fulfil"), PICK),
    st.tuples(st.just("correct"), PICK, st.sampled_from(["up", "down"])),
    st.tuples(st.just("withdraw"), PICK),
    st.tuples(st.just("review"), PICK, st.sampled_from(["restrict", "no_action"])),
)


def assert_batch_equals_core(history: History, days: list[date]) -> None:
    events = history.d.events()
    rows = [row for chunk in FakeExports(history.d.store.memory).chunks(size=50) for row in chunk]
    table = flat_table(rows)
    by_subject: dict[str, list[Event]] = {}
    for e in events:
        by_subject.setdefault(e.subject, []).append(e)
    book = parity_rulebook()
    for on in days:
        result = recompute(duckdb.connect(), table, book, on)
        scores = {s: (score, band) for s, score, band in result.scores.fetchall()}
        restrictions = batch_restrictions(result.restrictions.to_arrow_table().to_pylist())
        statuses = {r[0]: (r[4], r[5]) for r in result.assessments.fetchall()}
        for subject, mine in by_subject.items():
            state = evaluate(known_by(mine, on), book, on, subject=subject)
            assert scores.get(subject, (1000, "A")) == (state.score, state.band), (subject, on)
            assert restrictions.get(subject, set()) == domain_restrictions(state), (subject, on)
            for a in state.assessments:
                assert statuses[a.record.record_id] == (a.status.value, a.points), (subject, on)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(ACTION, min_size=4, max_size=40))
def test_batch_recompute_equals_the_domain_core_on_histories_of_every_kind(
    actions: list[tuple[Any, ...]],
) -> None:
    history = History()
    start = history.d.clock.today()
    for action in actions:
        history.act(action)
    end = history.d.clock.today()
    middle = start + (end - start) / 2
    assert_batch_equals_core(history, [start, middle, end, end + timedelta(days=200)])


def test_a_history_of_every_kind_is_seen_by_the_batch() -> None:
    """Suspension while appealed, a modified end, an officer's review restriction, a more adverse
    correction and a withdrawal all show in the batch's rows as the domain core has them."""
    h = History()
    h.act(("submit", 0, "smoking"))  # record 0: appealed, then modified
    h.act(("submit", 1, "smoking"))  # record 1: corrected to a threat
    h.act(("submit", 2, "judgment"))  # record 2: withdrawn
    h.act(("submit", 3, "unpaid"))  # records 3 and 4: a review case
    h.act(("submit", 3, "unpaid"))
    h.act(("advance", 2))
    h.act(("appeal", 0))
    h.act(("correct", 1, "up"))
    h.act(("withdraw", 2))
    h.act(("review", 0, "restrict"))
    h.act(("advance", 11))
    kinds = {e.kind for e in h.d.events()}
    assert CORE_ONLY_KINDS - {EventKind.APPEAL_DECIDED} <= kinds
    on = h.d.clock.today()
    result = recompute(duckdb.connect(), flat_table(_rows(h)), parity_rulebook(), on)
    rows = result.restrictions.to_arrow_table().to_pylist()
    assert {(r["reason"], r["status"]) for r in rows} >= {
        ("rail.smoking", "suspended"),
        ("review", "active"),
    }
    statuses = {r[0]: r[4] for r in result.assessments.fetchall()}
    assert statuses[h.records[2][0]] == "withdrawn"
    sim = simulate(duckdb.connect(), flat_table(_rows(h)), parity_rulebook(), parity_rulebook(), on)
    over = {"lifted", "expired"}
    restricted: set[str] = set()
    for subject in h.subjects:
        mine = [e for e in h.d.events() if e.subject == subject]
        state = evaluate(known_by(mine, on), parity_rulebook(), on, subject=subject)
        if any(r.status.value not in over for r in state.restrictions):
            restricted.add(subject)
    assert (sim.restricted.current, sim.restricted.proposed) == (len(restricted), len(restricted))
    assert sim.by_rule["review"].current == 1
    h.act(("decide", 0, "modified"))
    h.act(("advance", 3))
    assert_batch_equals_core(h, [on, h.d.clock.today(), h.d.clock.today() + timedelta(days=30)])
    assert any(e.kind is EventKind.APPEAL_DECIDED for e in h.d.events())


def _rows(h: History) -> list[tuple[Any, ...]]:
    return [row for chunk in FakeExports(h.d.store.memory).chunks(size=50) for row in chunk]
