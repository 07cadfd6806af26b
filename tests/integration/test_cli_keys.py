"""`keys list|revoke|rotate` and `keys create --expires --regions` end to end, in process."""

from __future__ import annotations

import orjson
import pytest

from tests.integration.conftest import sql
from trustledger.bootstrap import open_registry
from trustledger.domain.errors import Unauthorized


def test_keys_list_shows_every_key_without_its_secret_and_filters_by_role(cli) -> None:
    _, secret, _ = cli("keys", "create", "--role", "checker", "--name", "12306")
    cli("keys", "create", "--role", "officer", "--name", "o-44", "--regions", "44,4403")
    code, out, _ = cli("keys", "list", "--json")
    assert code == 0
    listed = orjson.loads(out)
    assert [(k["name"], k["role"]) for k in listed] == [("12306", "checker"), ("o-44", "officer")]
    assert listed[1]["regions"] == ["44", "4403"]
    assert set(listed[0]) >= {"key_id", "types", "created", "expires", "last_used", "revoked"}
    assert secret.strip() not in out
    code, out, _ = cli("keys", "list", "--role", "officer")
    assert code == 0
    assert "o-44" in out
    assert "12306" not in out


def test_keys_revoke_refuses_the_key_and_audits_the_reason(cli, db_url: str) -> None:
    _, secret, _ = cli("keys", "create", "--role", "checker", "--name", "12306")
    key_id = orjson.loads(cli("keys", "list", "--json")[1])[0]["key_id"]
    code, out, _ = cli("keys", "revoke", key_id, "--reason", "posted to a public repository")
    assert code == 0
    assert f"revoked checker key {key_id}" in out
    registry = open_registry(db_url)
    try:
        with pytest.raises(Unauthorized, match="revoked"):
            registry.keys.authenticate(secret.strip())
        (entry,) = sql(registry, "SELECT detail FROM audit_log WHERE action = 'key.revoke'")
        (change,) = sql(registry, "SELECT key_id, change FROM key_changes")
    finally:
        registry.close()
    assert "posted to a public repository" in entry[0]
    assert tuple(change) == (key_id, "revoked")
    listed = orjson.loads(cli("keys", "list", "--json")[1])
    assert listed[0]["revoked"] is not None
    assert listed[0]["revoked_reason"] == "posted to a public repository"


def test_keys_rotate_prints_a_new_key_once_and_the_old_one_ends_with_its_grace(
    cli,
    db_url: str,
) -> None:
    _, old, _ = cli("keys", "create", "--role", "officer", "--name", "o-1", "--regions", "11")
    key_id = orjson.loads(cli("keys", "list", "--json")[1])[0]["key_id"]
    code, new, err = cli("keys", "rotate", key_id, "--grace", "2")
    assert code == 0
    assert "shown once" in err
    assert new.strip().startswith("tl_")
    assert new.strip() != old.strip()
    listed = orjson.loads(cli("keys", "list", "--json")[1])
    assert [k["name"] for k in listed] == ["o-1", "o-1"]
    assert listed[0]["expires"] is not None
    assert listed[1]["regions"] == ["11"]
    registry = open_registry(db_url)
    try:
        assert registry.keys.authenticate(old.strip()).key_id == key_id  # within the grace
        assert registry.keys.authenticate(new.strip()).key_id == listed[1]["key_id"]
        assert (
            sql(registry, "SELECT count(*) FROM audit_log WHERE action = 'key.rotate'")[0][0] == 1
        )
    finally:
        registry.close()


def test_keys_create_with_an_expiry_in_the_past_is_refused_and_changes_nothing(
    cli,
) -> None:
    code, _out, err = cli(
        "keys", "create", "--role", "checker", "--name", "c", "--expires", "2020-01-01"
    )
    assert code == 2
    assert "expires: 2020-01-01 is not in the future" in err
    assert orjson.loads(cli("keys", "list", "--json")[1]) == []
    code, _, err = cli("keys", "revoke", "key_missing", "--reason", "x")
    assert code == 2
    assert "key_id" in err
