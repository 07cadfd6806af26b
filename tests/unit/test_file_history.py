"""Reading a file with its history: one audited read, the score over time, the timeline."""

from __future__ import annotations

from datetime import date

import pytest

from tests.factories import SettableClock, evaluator, judgment
from tests.fakes import FakeStore
from trustledger.domain.errors import InvalidInput
from trustledger.domain.submissions import Source
from trustledger.services.intake.records import Intake
from trustledger.services.reading.files import SubjectFiles

SUBJECT = "11010519491231002X"


def _files() -> tuple[FakeStore, SettableClock, SubjectFiles]:
    store, clock = FakeStore(), SettableClock()
    Intake(store, evaluator=evaluator(), clock=clock).submit(
        judgment(decided_on="2026-10-20"), source=Source("court_7", ("court.*",))
    )
    files = SubjectFiles(store, evaluator=evaluator(), clock=clock)
    return store, clock, files


def test_reading_a_history_is_one_audited_read_with_the_purpose() -> None:
    store, _, files = _files()
    before = len(store.memory.audit)
    files.read_history(SUBJECT.lower(), actor="officer:li", purpose="appeal A-1")
    assert len(store.memory.audit) == before + 1
    entry = store.memory.audit[-1]
    assert (entry.actor, entry.action, entry.subject, entry.purpose) == (
        "officer:li",
        "file.read",
        SUBJECT,
        "appeal A-1",
    )
    with pytest.raises(InvalidInput, match=r"^purpose:"):
        files.read_history(SUBJECT, actor="officer:li", purpose="")


def test_the_history_has_the_score_before_and_after_the_record() -> None:
    _, clock, files = _files()
    clock.advance(30)
    history = files.read_history(SUBJECT, actor="officer:li", purpose="review")
    assert history.scores[0].score == 1000
    assert history.scores[-1].on == clock.today()
    assert history.scores[-1].score == history.state.score == 900
    kinds = [e.kind for e in history.timeline]
    assert kinds[:2] == ["recorded", "notice_issued"]
    assert "restriction_started" in kinds


def test_a_history_as_of_a_past_date_knows_nothing_later() -> None:
    _, _, files = _files()
    history = files.read_history(
        SUBJECT, actor="officer:li", purpose="review", as_of=date(2026, 11, 1)
    )
    assert history.events == ()
    assert history.timeline == ()
    assert history.state.score == 1000
