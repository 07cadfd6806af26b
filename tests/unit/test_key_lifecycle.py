"""Keys that expire, are revoked and rotated: each change audited and logged for servers."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from tests.factories import SettableClock
from tests.fakes import FakeStore
from trustledger.domain.errors import InvalidInput, NotFound, Unauthorized
from trustledger.domain.key_rules import parse_expiry
from trustledger.services.access.keys import Keys


def keys() -> tuple[Keys, FakeStore, SettableClock]:
    store, clock = FakeStore(), SettableClock()
    return Keys(store, clock=clock), store, clock


def test_a_revoked_key_is_refused_and_the_revocation_is_audited_and_logged() -> None:
    k, store, _ = keys()
    created = k.create(role="checker", name="ticketing")
    k.revoke(created.principal.key_id, reason="leaked in a support ticket")
    with pytest.raises(Unauthorized, match="revoked: leaked in a support ticket"):
        k.authenticate(created.secret)
    with pytest.raises(Unauthorized, match="revoked"):
        k.active(created.principal.key_id)
    assert [e.action for e in store.memory.audit] == ["key.create", "key.revoke"]
    assert "leaked in a support ticket" in store.memory.audit[-1].detail
    assert [(c.key_id, c.change) for c in k.changes_since(0)] == [
        (created.principal.key_id, "revoked")
    ]


def test_a_key_past_its_expiry_is_refused() -> None:
    k, _, clock = keys()
    created = k.create(role="officer", name="o-1", expires=clock.now() + timedelta(hours=1))
    assert k.authenticate(created.secret).key_id == created.principal.key_id
    clock.moment += timedelta(hours=1)
    with pytest.raises(Unauthorized, match="expired"):
        k.authenticate(created.secret)


def test_a_rotated_key_works_until_the_grace_ends_and_its_successor_after() -> None:
    k, store, clock = keys()
    old = k.create(role="officer", name="o-2", regions=["44"])
    new = k.rotate(old.principal.key_id, grace_hours=2)
    assert new.principal.name == "o-2"
    assert new.principal.regions == ("44",)
    assert new.secret != old.secret
    clock.moment += timedelta(hours=1)
    assert k.authenticate(old.secret).key_id == old.principal.key_id
    clock.moment += timedelta(hours=1)
    with pytest.raises(Unauthorized, match="expired"):
        k.authenticate(old.secret)
    assert k.authenticate(new.secret).key_id == new.principal.key_id
    assert store.memory.audit[-1].action == "key.rotate"
    assert [c.change for c in k.changes_since(0)] == ["rotated"]


def test_keys_are_listed_by_role_with_their_last_use() -> None:
    k, _, _ = keys()
    checker = k.create(role="checker", name="ticketing")
    k.create(role="auditor", name="a-1")
    k.authenticate(checker.secret)
    listed = k.listed("checker")
    assert [x.key_id for x in listed] == [checker.principal.key_id]
    assert listed[0].last_used_at is not None
    assert len(k.listed()) == 2


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda k, key_id: k.revoke(key_id, reason="  "), "reason"),
        (lambda k, key_id: k.rotate(key_id, grace_hours=-1), "grace"),
        (lambda k, key_id: k.listed("janitor"), "role"),
        (lambda k, key_id: k.create(role="checker", name="c", regions=["44"]), "regions"),
        (lambda k, key_id: k.create(role="officer", name="o", regions=["4"]), "regions"),
        (lambda k, key_id: k.create(role="officer", name="o", sources=["a b"]), "sources"),
    ],
)
def test_a_bad_key_change_names_the_field_and_changes_nothing(call: object, field: str) -> None:
    k, store, _ = keys()
    key_id = k.create(role="checker", name="ticketing").principal.key_id
    before = (list(store.memory.keys), list(store.memory.audit))
    with pytest.raises(InvalidInput) as caught:
        call(k, key_id)  # type: ignore[operator]
    assert caught.value.field == field
    assert (store.memory.keys, store.memory.audit) == before
    assert k.changes_since(0) == []


def test_a_revoked_key_cannot_be_revoked_again_or_rotated() -> None:
    k, _, _ = keys()
    key_id = k.create(role="checker", name="ticketing").principal.key_id
    k.revoke(key_id, reason="gone")
    with pytest.raises(InvalidInput, match="already revoked"):
        k.revoke(key_id, reason="again")
    with pytest.raises(InvalidInput, match="create a new key"):
        k.rotate(key_id)
    with pytest.raises(NotFound):
        k.revoke("key_missing", reason="x")


def test_an_expiry_is_a_future_date_or_time_in_utc() -> None:
    now = datetime(2026, 12, 1, 12, 0)
    assert parse_expiry("2026-12-31", now) == datetime(2026, 12, 31)
    assert parse_expiry("2026-12-01T14:00:00+01:00", now) == datetime(2026, 12, 1, 13, 0)
    with pytest.raises(InvalidInput, match="not in the future"):
        parse_expiry("2026-12-01T14:00:00+02:00", now)
    with pytest.raises(InvalidInput, match="not in the future"):
        parse_expiry("2026-11-30", now)
    with pytest.raises(InvalidInput, match="not a date"):
        parse_expiry("soon", now)
