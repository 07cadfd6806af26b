"""The score over time and the timeline of a file, from events alone."""

from __future__ import annotations

from datetime import date, timedelta

from tests.domain_factories import event, noticed_record, record, rulebook
from trustledger.domain.evaluation import evaluate
from trustledger.domain.records import EventKind
from trustledger.domain.timeline import score_dates, score_history, timeline

BOOK = rulebook()
DAY = date(2026, 3, 1)


def test_the_score_drops_on_the_day_a_record_is_decided_and_known() -> None:
    rec = record(occurred_on=date(2026, 1, 10), decided_on=date(2026, 1, 15))
    events = noticed_record(rec)
    state = evaluate(events, BOOK, DAY)
    points = score_history(events, BOOK, score_dates(events, state))
    by_day = {p.on: p.score for p in points}
    assert by_day[date(2026, 1, 14)] == 1000
    assert by_day[date(2026, 1, 15)] == 950
    assert points[-1].on == DAY
    assert points[-1].score == state.score == 950


def test_the_score_recovers_when_a_record_is_overturned() -> None:
    rec = record(decided_on=date(2026, 1, 15))
    overturn = event(EventKind.OVERTURNED, date(2026, 2, 1), record_id=rec.record_id)
    events = [*noticed_record(rec), overturn]
    points = score_history(events, BOOK, [date(2026, 1, 31), date(2026, 2, 1)])
    assert [p.score for p in points] == [950, 1000]
    assert [p.band for p in points] == ["B", "A"]


def test_the_score_history_only_knows_what_was_known_on_each_day() -> None:
    # Decided in January, reported in February: January's score stays as it was then.
    rec = record(decided_on=date(2026, 1, 15))
    events = noticed_record(rec, on=date(2026, 2, 10))
    points = score_history(events, BOOK, [date(2026, 1, 20), date(2026, 2, 10)])
    assert [p.score for p in points] == [1000, 950]


def test_score_dates_stop_at_the_date_asked_about() -> None:
    rec = record(decided_on=date(2026, 1, 15))
    later = record(decided_on=date(2026, 5, 1))
    events = [*noticed_record(rec), *noticed_record(later)]
    state = evaluate(events, BOOK, DAY)
    dates = score_dates(events, state)
    assert max(dates) == DAY
    assert date(2026, 1, 14) in dates
    assert all(d <= DAY for d in dates)


def test_the_timeline_lists_events_in_order_with_the_rule_title() -> None:
    rec = record(decided_on=date(2026, 1, 15))
    appeal = event(
        EventKind.APPEAL_FILED,
        date(2026, 1, 20),
        appeal_id="a1",
        target=rec.record_id,
        grounds="I was not on that train",
        deadline="2026-02-04",
    )
    events = [*noticed_record(rec), appeal]
    entries = timeline(events, evaluate(events, BOOK, DAY))
    kinds = [e.kind for e in entries]
    assert kinds[:3] == ["recorded", "notice_issued", "appeal_filed"]
    assert str(entries[0].title) == "Record received: rail.smoking (rail.smoking)"
    assert "I was not on that train" in str(entries[2].detail)
    assert [e.on for e in entries] == sorted(e.on for e in entries)


def test_the_timeline_shows_when_a_restriction_took_effect_and_ended() -> None:
    rec = record(decided_on=date(2025, 1, 15))
    events = noticed_record(rec)  # noticed 2025-01-15: in effect from the 25th for 180 days
    entries = timeline(events, evaluate(events, BOOK, DAY))
    started = next(e for e in entries if e.kind == "restriction_started")
    ended = next(e for e in entries if e.kind == "restriction_expired")
    assert started.on == date(2025, 1, 25)
    assert started.derived
    assert ended.on == date(2025, 1, 25) + timedelta(days=180)


def test_a_reported_transition_is_not_shown_twice() -> None:
    rec = record(decided_on=date(2025, 12, 1))
    started = event(  # reported two days late, by a sweep
        EventKind.RESTRICTION_STARTED,
        date(2025, 12, 13),
        restriction_id=rec.record_id,
        reason="rail.smoking",
        scopes=["rail"],
        starts_on="2025-12-11",
    )
    events = [*noticed_record(rec), started]
    entries = timeline(events, evaluate(events, BOOK, DAY))
    starts = [e for e in entries if e.kind == "restriction_started"]
    assert len(starts) == 1
    assert not starts[0].derived
    assert str(starts[0].title) == "Restriction started (rail.smoking)"
    assert starts[0].on == date(2025, 12, 11)


def test_the_timeline_leaves_out_what_happens_after_the_date() -> None:
    rec = record(decided_on=date(2026, 2, 25))  # in effect from 7 March: after DAY
    events = noticed_record(rec)
    entries = timeline(events, evaluate(events, BOOK, DAY))
    assert all(e.on <= DAY for e in entries)
    assert "restriction_started" not in [e.kind for e in entries]


def test_an_erasure_is_one_line_that_names_no_record() -> None:
    kept = record(decided_on=date(2026, 1, 15))
    erased = event(
        EventKind.ERASED,
        date(2026, 2, 20),
        record_ids=["rec_gone"],
        rules=["rail.smoking"],
        basis="retention",
        ended_on="2026-02-19",
        all=False,
    )
    decided = event(
        EventKind.ERASED, date(2026, 2, 21), record_ids=["rec_other"], rules=[], basis="era_7"
    )
    entries = timeline([*noticed_record(kept), erased, decided], evaluate([], BOOK, DAY))
    lines = [e for e in entries if e.kind == "erased"]
    assert [str(e.title) for e in lines] == ["Records erased", "Records erased"]
    assert str(lines[0].detail) == "their retention ended on 2026-02-19"
    assert str(lines[1].detail) == "by an officer's decision era_7"
    assert all("rec_gone" not in repr(e) and "rail.smoking" not in repr(e) for e in lines)
