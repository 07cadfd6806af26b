"""Keys, subject files, recompute and audit services over the in-memory store."""

from __future__ import annotations

import hashlib

import pytest

from tests.factories import SettableClock, body, evaluator, judgment
from tests.fakes import FakeStore
from trustledger.domain.errors import InvalidInput, Unauthorized
from trustledger.domain.submissions import Source
from trustledger.services.access.keys import Keys
from trustledger.services.audit.chain import Audit
from trustledger.services.intake.records import Intake
from trustledger.services.reading.files import SubjectFiles
from trustledger.services.reading.recompute import Recompute


def test_a_key_is_returned_once_and_kept_only_as_its_hash() -> None:
    store = FakeStore()
    keys = Keys(store, clock=SettableClock())
    created = keys.create(role="source", name="rail_bureau", types=["rail.*"])
    (stored,) = store.memory.keys
    assert stored.key_hash == hashlib.sha256(created.secret.encode()).hexdigest()
    assert created.secret not in repr(store.memory)
    assert keys.authenticate(created.secret) == created.principal
    assert store.memory.audit[-1].action == "key.create"


def test_an_unknown_key_is_unauthorized() -> None:
    with pytest.raises(Unauthorized):
        Keys(FakeStore(), clock=SettableClock()).authenticate("tl_nothing")


def test_a_source_may_submit_the_types_of_all_its_keys() -> None:
    keys = Keys(FakeStore(), clock=SettableClock())
    keys.create(role="source", name="court_7", types=["court.*"])
    keys.create(role="source", name="court_7", types=["social_insurance.*", "court.*"])
    assert keys.source("court_7") == Source("court_7", ("court.*", "social_insurance.*"))
    with pytest.raises(InvalidInput, match=r"^source: no source key named 'court_8'"):
        keys.source("court_8")


@pytest.mark.parametrize(
    ("role", "name", "types", "field"),
    [
        ("pilot", "x", [], "role"),
        ("checker", "", [], "name"),
        ("checker", "a b", [], "name"),
        ("checker", "airline", ["air.*"], "types"),
        ("source", "airline", [], "types"),
        ("source", "airline", ["AIR;drop"], "types"),
    ],
)
def test_a_bad_key_request_names_the_field(
    role: str, name: str, types: list[str], field: str
) -> None:
    store = FakeStore()
    with pytest.raises(InvalidInput) as caught:
        Keys(store, clock=SettableClock()).create(role=role, name=name, types=types)
    assert caught.value.field == field
    assert store.memory.keys == []


def test_reading_a_file_is_audited_with_actor_and_purpose() -> None:
    store, clock = FakeStore(), SettableClock()
    Intake(store, evaluator=evaluator(), clock=clock).submit(
        judgment(), source=Source("court_7", ("court.*",))
    )
    files = SubjectFiles(store, evaluator=evaluator(), clock=clock)
    state = files.read("11010519491231002x", actor="officer:li", purpose="appeal A-1")
    assert state.score == 900
    entry = store.memory.audit[-1]
    assert (entry.actor, entry.action, entry.subject, entry.purpose) == (
        "officer:li",
        "file.read",
        "11010519491231002X",
        "appeal A-1",
    )
    with pytest.raises(InvalidInput, match=r"^purpose:"):
        files.read("11010519491231002X", actor="officer:li", purpose=" ")


def test_recompute_rebuilds_what_the_incremental_path_wrote() -> None:
    store, clock = FakeStore(), SettableClock()
    intake = Intake(store, evaluator=evaluator(), clock=clock)
    everything = Source("all", ("*",))
    intake.submit(body(), source=everything)
    intake.submit(judgment(subject="110105194912310011"), source=everything)
    incremental = dict(store.memory.derived)
    store.memory.derived.clear()
    recompute = Recompute(store, evaluator=evaluator(), clock=clock)
    assert recompute.count_subjects() == 2
    advanced: list[int] = []
    report = recompute.run(advance=advanced.append, page=1)
    assert store.memory.derived == incremental
    assert (report.subjects, report.restrictions, advanced) == (2, 2, [1, 1])
    assert store.memory.audit[-1].action == "state.recompute"


def test_audit_verify_reads_the_trail() -> None:
    store = FakeStore()
    Keys(store, clock=SettableClock()).create(role="auditor", name="nao")
    assert Audit(store).verify().entries == 1
