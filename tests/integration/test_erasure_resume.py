"""An erasure stopped part way: before its commit all is as it was; after it, the next run forgets
the old key-encryption keys, and never one a stored key still needs."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.due_factories import COURT, RAIL
from tests.factories import SettableClock, body, judgment, ric_number
from tests.integration.conftest import sql
from trustledger.bootstrap import Registry
from trustledger.store.crypto import bucket_of
from trustledger.store.data_keys import SqlDataKeys

PROBE = {"email": "probe@example.org"}


class Stop(Exception):
    """The process dies here."""


def setup_subject(reg: Registry, clock: SettableClock) -> tuple[str, str, str, bytes]:
    """A subject with a withdrawn record (no effect left) and one in force, and a value sealed
    under its own key: (subject, pseudonym, withdrawn record id, sealed probe)."""
    subject = ric_number()
    gone = reg.intake.submit(body(subject=subject), source=RAIL).record.record_id
    reg.intake.submit(judgment(subject=subject), source=COURT)
    reg.corrections.withdraw(gone, source=RAIL, reason="Wrong person")
    clock.advance(1)
    with reg.uow() as uow:
        p = uow.data_keys.pseudonym(subject)
        probe = uow.data_keys.seal(p, "", PROBE)
        uow.commit()
    return subject, p, gone, probe


def versions(reg: Registry, p: str) -> list[int]:
    ((registry_id,),) = sql(reg, "SELECT registry_id FROM registry")
    vault = reg.keyring.vault
    assert vault is not None
    return vault.versions(registry_id, bucket_of(p))


def opens(reg: Registry, p: str, probe: bytes) -> Any:
    with reg.uow(readonly=True) as uow:
        return uow.data_keys.open(p, "", probe)


def erased(reg: Registry) -> int:
    return len(sql(reg, "SELECT seq FROM events WHERE kind = 'erased'"))


@pytest.fixture
def stop_at(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    def stop(name: str, *, after: bool) -> None:
        original = getattr(SqlDataKeys, name)

        def stopped(self: SqlDataKeys, *args: Any) -> Any:
            if after:
                original(self, *args)
            raise Stop(name)

        monkeypatch.setattr(SqlDataKeys, name, stopped)

    yield stop
    monkeypatch.undo()


def test_a_stop_before_the_commit_leaves_all_as_it_was_and_its_key_version_in_use(
    registry: Registry, clock: SettableClock, stop_at: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    subject, p, gone, probe = setup_subject(registry, clock)
    keys = sql(registry, "SELECT scope, kek_version FROM data_keys WHERE pseudonym = :p", p=p)
    stop_at("rotate", after=True)  # the vault has a new version; the database rolls back

    with pytest.raises(Stop):
        registry.erasures.erase(subject, [gone], "dec_1")

    monkeypatch.undo()
    assert erased(registry) == 0
    assert sql(registry, "SELECT scope, kek_version FROM data_keys WHERE pseudonym = :p", p=p) == (
        keys
    )
    assert len(versions(registry, p)) == 2
    registry.sweep.advance()  # forgets only versions no stored key uses: here none
    assert opens(registry, p, probe) == PROBE
    assert registry.erasures.erase(subject, [gone], "dec_1").erased == (gone,)
    assert erased(registry) == 1
    assert opens(registry, p, probe) == PROBE


def test_a_stop_after_the_commit_is_finished_by_the_next_run(
    registry: Registry, clock: SettableClock, stop_at: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    subject, p, gone, probe = setup_subject(registry, clock)
    # A backup of the subject's own key as stored now.
    (old,) = sql(
        registry,
        "SELECT pseudonym, scope, kek_version, wrapped FROM data_keys "
        "WHERE pseudonym = :p AND scope = ''",
        p=p,
    )
    stop_at("forget_old", after=False)

    with pytest.raises(Stop):
        registry.erasures.erase(subject, [gone], "dec_1")

    monkeypatch.undo()
    assert erased(registry) == 1  # committed
    assert len(versions(registry, p)) == 2
    with registry.uow(readonly=True) as uow:  # the backup still opens: the old version is kept
        assert uow.data_keys._unwrap(old[0], old[1], old[2], bytes(old[3])) is not None

    registry.sweep.advance()

    assert len(versions(registry, p)) == 1
    with registry.uow(readonly=True) as uow:
        assert uow.data_keys._unwrap(old[0], old[1], old[2], bytes(old[3])) is None
    assert opens(registry, p, probe) == PROBE
    assert registry.erasures.erase(subject, [gone], "dec_1").erased == ()
    assert erased(registry) == 1
