"""Erasure on request over the in-memory store: what may be asked, and what a decision does."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pytest

from tests.due_factories import RAIL, Due, due
from tests.factories import body, ric_number
from trustledger.domain.errors import Conflict, Forbidden, InvalidInput, NotFound, Unauthorized
from trustledger.domain.events import ErasureOutcome, NoticePurpose
from trustledger.domain.jurisdiction import Jurisdiction
from trustledger.domain.notice_letters import NoticeLetter
from trustledger.domain.personal_data import split
from trustledger.domain.records import EventKind
from trustledger.domain.texts import Language
from trustledger.services.due_process.state import Evaluator
from trustledger.services.reading.files import SubjectFiles
from trustledger.services.retention.requests import ErasureRequests


@dataclass
class RecordingEraser:
    """The port a grant calls (services/retention/erasure.py's Erasures), recording its calls."""

    calls: list[tuple[str, tuple[str, ...], str, str]] = field(default_factory=list)

    def erase(
        self, subject: str, record_ids: Sequence[str], basis: str, *, actor: str = "system"
    ) -> object:
        self.calls.append((subject, tuple(record_ids), basis, actor))
        return None


def requests(d: Due) -> tuple[ErasureRequests, RecordingEraser]:
    eraser = RecordingEraser()
    evaluator: Evaluator = d.intake._evaluator  # type: ignore[attr-defined]
    scheme = evaluator.scheme
    return ErasureRequests(
        d.store,
        evaluator=evaluator,
        erasures=eraser,
        scheme=scheme,
        clock=d.clock,
    ), eraser


def offered(d: Due, service: ErasureRequests, subject: str) -> tuple[str, ...]:
    """What the portal offers to erase: judged from the file its audited read returned."""
    evaluator: Evaluator = d.intake._evaluator  # type: ignore[attr-defined]
    files = SubjectFiles(d.store, evaluator=evaluator, clock=d.clock)
    history = files.read_history(subject, actor=f"subject:{subject}", purpose="portal: own file")
    return service.erasable(history.file, history.state)


def letter_of(d: Due, notice_id: str | None) -> NoticeLetter:
    assert notice_id is not None
    return d.store.memory.notices[notice_id]


def withdrawn(d: Due, *, region: str = "110105") -> tuple[str, str, str]:
    """A smoking record withdrawn by its source; the day after, it has no effect left."""
    subject = ric_number(region=region)
    submitted = d.intake.submit(body(subject=subject), source=RAIL)
    rid = submitted.record.record_id
    d.corrections.withdraw(rid, source=RAIL, reason="wrong person")
    d.clock.advance(1)
    return subject, rid, submitted.notices[0].access_code


def test_a_record_with_no_effect_left_can_be_requested_and_waits_for_an_officer() -> None:
    d = due()
    service, _ = requests(d)
    subject, rid, code = withdrawn(d)
    assert offered(d, service, subject) == (rid,)
    filed = service.request(
        subject, record_id=rid, reason="no longer needed", actor="subject", access_code=code
    )
    assert filed.record_id == rid
    assert (filed.deadline - filed.filed_on).days == 15
    (event,) = d.events(EventKind.ERASURE_REQUESTED)
    assert event.record_id == rid  # sealed under the record's key, erased with it
    plain, personal = split(event.kind, event.data)
    assert personal == {"reason": "no longer needed"}
    assert plain["record_id"] == rid
    assert [c.case_id for c in service.list_pending()] == [filed.case_id]
    assert offered(d, service, subject) == ()  # a request waits: it is not offered twice
    entry = next(a for a in d.store.memory.audit if a.action == "erasure.request")
    assert entry.detail == f"{filed.case_id} for {rid} by the subject"


def test_a_record_still_in_effect_cannot_be_requested() -> None:
    d = due()
    service, _ = requests(d)
    subject = ric_number()
    rid = d.intake.submit(body(subject=subject), source=RAIL).record.record_id
    assert offered(d, service, subject) == ()
    with pytest.raises(InvalidInput) as caught:
        service.request(subject, record_id=rid, reason="please", actor="officer_li")
    assert caught.value.field == "record_id"
    assert f"record {rid} still has effect" in str(caught.value)
    assert d.events(EventKind.ERASURE_REQUESTED) == []


def test_a_request_names_a_record_of_the_subject_with_a_reason_and_the_right_code() -> None:
    d = due()
    service, _ = requests(d)
    subject, rid, code = withdrawn(d)
    _, _, other_code = withdrawn(d)
    with pytest.raises(InvalidInput, match="no record 'rec_nope'"):
        service.request(subject, record_id="rec_nope", reason="x", actor="subject")
    with pytest.raises(InvalidInput) as caught:
        service.request(subject, record_id=rid, reason="  ", actor="subject")
    assert caught.value.field == "reason"
    with pytest.raises(Unauthorized):
        service.request(subject, record_id=rid, reason="x", actor="s", access_code=other_code)
    service.request(subject, record_id=rid, reason="x", actor="subject", access_code=code)
    with pytest.raises(Conflict, match="is pending"):
        service.request(subject, record_id=rid, reason="again", actor="subject")


def test_a_refusal_keeps_the_record_and_gives_the_subject_its_reasons() -> None:
    d = due()
    service, eraser = requests(d)
    subject, rid, _ = withdrawn(d)
    case_id = service.request(subject, record_id=rid, reason="x", actor="subject").case_id
    decided = service.decide(
        case_id, outcome="refused", reasons="A court asked to keep it.", actor="officer_li"
    )
    assert decided.outcome is ErasureOutcome.REFUSED
    assert eraser.calls == []
    (case,) = d.store.memory.derived[subject].state.erasure_cases
    assert (case.outcome, case.reasons) == (ErasureOutcome.REFUSED, "A court asked to keep it.")
    # The answer is the case as the refresh derived it, not a copy made beside it.
    answered = (decided.outcome, decided.reasons, decided.decided_on, decided.record_id)
    assert answered == (case.outcome, case.reasons, case.decided_on, case.record_id)
    assert case.decided_on == d.clock.today()
    assert service.list_pending() == []
    assert offered(d, service, subject) == (rid,)  # refused, it may be asked again
    with pytest.raises(Conflict, match="was decided on"):
        service.decide(case_id, outcome="refused", reasons="again", actor="officer_li")


def test_a_refusal_sends_a_letter_with_its_reasons_and_where_to_complain() -> None:
    d = due()
    service, _ = requests(d)
    subject, rid, _ = withdrawn(d)
    case_id = service.request(subject, record_id=rid, reason="x", actor="subject").case_id
    decided = service.decide(
        case_id, outcome="refused", reasons="A court asked to keep it.", actor="officer_li"
    )
    letter = letter_of(d, decided.notice_id)
    # The record's letter: sealed under its key, erased with it when its retention ends.
    assert (letter.purpose, letter.target, letter.subject) == (NoticePurpose.ERASURE, rid, subject)
    assert letter.subject_line == "Decision on your request to erase a record"
    text = " ".join(letter.body.text.split())
    assert f"Your request {case_id} of {d.clock.today()}" in text
    assert f"({rid}) was decided on {d.clock.today()}: refused." in text
    assert "Reasons: A court asked to keep it." in text
    assert "kept until its retention period ends" in text
    assert "complain to the authority that protects personal information" in text
    assert "lawsuit before a people's court" in text
    assert letter.access_code is not None  # it opens the portal, where the refusal shows
    issued = [
        e for e in d.events(EventKind.NOTICE_ISSUED) if e.data["notice_id"] == letter.notice_id
    ]
    assert [e.record_id for e in issued] == [rid]


def test_a_refusal_letter_is_in_chinese_for_a_chinese_deployment() -> None:
    d = due(language=Language.ZH_HANS)
    service, _ = requests(d)
    subject, rid, _ = withdrawn(d)
    case_id = service.request(subject, record_id=rid, reason="x", actor="subject").case_id
    decided = service.decide(case_id, outcome="refused", reasons="法院要求保留。", actor="li")
    letter = letter_of(d, decided.notice_id)
    assert letter.subject_line == "关于您删除记录请求的决定"
    assert "不予准许" in letter.body.text
    assert "法院要求保留。" in letter.body.text
    assert "人民法院提起诉讼" in letter.body.text


def test_a_grant_erases_the_record_with_the_case_as_its_basis() -> None:
    d = due()
    service, eraser = requests(d)
    subject, rid, _ = withdrawn(d)
    case_id = service.request(subject, record_id=rid, reason="x", actor="subject").case_id
    decided = service.decide(case_id, outcome="granted", reasons="No effect.", actor="officer_li")
    assert decided.outcome is ErasureOutcome.GRANTED
    assert eraser.calls == [(subject, (rid,), case_id, "officer_li")]
    (event,) = d.events(EventKind.ERASURE_DECIDED)
    assert event.record_id == rid
    entry = next(a for a in d.store.memory.audit if a.action == "erasure.decide")
    assert entry.detail == f"{case_id} granted for {rid}"
    # A crash after the decision's commit left the record: deciding again carries it out.
    service.decide(case_id, outcome="granted", reasons="resume", actor="officer_li")
    assert eraser.calls == [(subject, (rid,), case_id, "officer_li")] * 2
    assert len(d.events(EventKind.ERASURE_DECIDED)) == 1
    with pytest.raises(Conflict):
        service.decide(case_id, outcome="refused", reasons="changed my mind", actor="officer_li")


def test_a_grant_sends_a_letter_that_outlives_the_record_and_names_no_case() -> None:
    d = due()
    service, _ = requests(d)
    subject, rid, _ = withdrawn(d)
    kept = d.intake.submit(body(subject=subject, case_ref="KEEP-1"), source=RAIL)
    case_id = service.request(subject, record_id=rid, reason="x", actor="subject").case_id
    decided = service.decide(case_id, outcome="granted", reasons="No effect.", actor="li")
    letter = letter_of(d, decided.notice_id)
    # The case's letter, sealed under the subject's own key: erasing the record keeps it.
    assert (letter.purpose, letter.target) == (NoticePurpose.ERASURE, case_id)
    issued = [
        e for e in d.events(EventKind.NOTICE_ISSUED) if e.data["notice_id"] == letter.notice_id
    ]
    assert [e.record_id for e in issued] == [None]
    text = " ".join(letter.body.text.split())
    assert f"({rid}) was decided on {d.clock.today()}: granted." in text
    assert "The record is erased" in text
    assert "Reasons: No effect." in text
    erased_ref = next(
        a for a in d.store.memory.derived[subject].state.assessments if a.record.record_id == rid
    )
    assert erased_ref.record.case_ref not in letter.body.text  # a case the erasure forgets
    assert "complain" not in text
    assert letter.facts is not None  # the rule's title in every language, for the portal's
    assert letter.facts["titles"] == erased_ref.rule.title.as_dict()  # type: ignore[union-attr]
    assert kept.record.record_id != rid
    # Resumed after a crash, the grant writes no second letter.
    again = service.decide(case_id, outcome="granted", reasons="resume", actor="li")
    assert again.notice_id is None
    assert sum(n.purpose is NoticePurpose.ERASURE for n in d.store.memory.notices.values()) == 1


def test_a_decision_needs_an_outcome_reasons_and_the_officers_jurisdiction() -> None:
    d = due()
    service, eraser = requests(d)
    subject, rid, _ = withdrawn(d, region="110105")
    case_id = service.request(subject, record_id=rid, reason="x", actor="subject").case_id
    with pytest.raises(InvalidInput) as caught:
        service.decide(case_id, outcome="erased", reasons="r", actor="officer_li")
    assert caught.value.field == "outcome"
    with pytest.raises(InvalidInput) as caught:
        service.decide(case_id, outcome="granted", reasons="", actor="officer_li")
    assert caught.value.field == "reasons"
    with pytest.raises(NotFound):
        service.decide("era_nope", outcome="granted", reasons="r", actor="officer_li")
    canton = Jurisdiction(regions=("44",))
    with pytest.raises(Forbidden):
        service.decide(case_id, outcome="granted", reasons="r", actor="officer_li", fence=canton)
    assert service.list_pending(fence=canton) == []
    assert eraser.calls == []
