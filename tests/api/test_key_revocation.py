"""A revoked or expired key is refused with 401 by every server within a second, sessions too."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta

import httpx
import pytest

from tests.api.conftest import make_keys, start_server
from tests.factories import ric_number
from trustledger.bootstrap import Registry, open_registry

WITHIN = 1.0
SIGNED_IN = 'action="/sign-out"'  # the sign-out form every signed-in page carries


@dataclass
class Replicas:
    urls: tuple[str, str]
    keys: dict[str, str]
    registry: Registry


@pytest.fixture(scope="module")
def replicas(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Replicas]:
    tmp_path = tmp_path_factory.mktemp("keys")
    db_url = f"sqlite:///{tmp_path / 'keys.db'}"
    registry = open_registry(db_url)
    registry.migrate()
    keys = make_keys(registry)
    a, url_a = start_server(db_url, tmp_path / "a.log")
    b, url_b = start_server(db_url, tmp_path / "b.log")
    try:
        yield Replicas((url_a, url_b), keys, registry)
    finally:
        for proc in (a, b):
            proc.terminate()
            proc.wait(timeout=10)
        registry.close()


def check(url: str, key: str) -> httpx.Response:
    params = {"subject": ric_number(), "mode": "rail"}
    return httpx.get(f"{url}/v1/check", params=params, headers={"Authorization": f"Bearer {key}"})


def refused_within(seconds: float, since: float, status: Callable[[], int]) -> float:
    """Seconds until `status` gives 401; fails once `seconds` have passed since `since`."""
    while (code := status()) != 401:
        assert code == 200
        assert time.monotonic() - since < seconds, "the key was still accepted"
        time.sleep(0.02)
    return time.monotonic() - since


def fresh(registry: Registry, role: str) -> tuple[str, str]:
    """A key of its own for one test: (key_id, secret)."""
    created = registry.keys.create(role=role, name=f"{role}-{time.monotonic_ns()}", actor="test")
    return created.principal.key_id, created.secret


def test_a_revoked_key_is_refused_by_both_replicas_within_a_second(replicas: Replicas) -> None:
    key_id, secret = fresh(replicas.registry, "checker")
    for url in replicas.urls:  # each server now holds the key in its 30 s cache
        assert check(url, secret).status_code == 200
    replicas.registry.keys.revoke(key_id, reason="leaked")
    revoked = time.monotonic()
    for url in replicas.urls:
        refused_within(WITHIN, revoked, lambda url=url: check(url, secret).status_code)  # type: ignore[misc]
    body = check(replicas.urls[1], secret).json()
    assert "revoked: leaked" in body["detail"]


def test_a_key_is_refused_once_it_expires_though_cached(replicas: Replicas) -> None:
    registry = replicas.registry
    expires = registry.clock.now() + timedelta(seconds=2)
    secret = registry.keys.create(role="checker", name="short", expires=expires).secret
    for url in replicas.urls:
        assert check(url, secret).status_code == 200
    while registry.clock.now() < expires:
        time.sleep(0.05)
    for url in replicas.urls:
        response = check(url, secret)
        assert response.status_code == 401
        assert "expired" in response.json()["detail"]


def test_a_rotated_key_gives_way_to_its_successor_on_both_replicas(replicas: Replicas) -> None:
    registry = replicas.registry
    key_id, old = fresh(registry, "checker")
    for url in replicas.urls:
        assert check(url, old).status_code == 200
    new = registry.keys.rotate(key_id, grace_hours=0).secret
    rotated = time.monotonic()
    for url in replicas.urls:
        refused_within(WITHIN, rotated, lambda url=url: check(url, old).status_code)  # type: ignore[misc]
        assert check(url, new).status_code == 200


def test_a_page_session_ends_when_its_key_is_revoked(replicas: Replicas) -> None:
    registry = replicas.registry
    browsers = [
        httpx.Client(base_url=url, headers={"Accept": "text/html"}, timeout=10)
        for url in replicas.urls
    ]
    key_id, secret = fresh(registry, "officer")
    try:
        for b in browsers:
            signed = b.post("/sign-in", data={"key": secret})
            assert signed.status_code == 303
            assert SIGNED_IN in b.get("/").text
        registry.keys.revoke(key_id, reason="left the service")
        revoked = time.monotonic()
        for b in browsers:
            while SIGNED_IN in b.get("/").text:
                assert time.monotonic() - revoked < WITHIN, "the session outlived its key"
                time.sleep(0.02)
            assert b.get(f"/subjects/{ric_number()}", params={"purpose": "x"}).status_code == 401
    finally:
        for b in browsers:
            b.close()
