"""Failed sign-ins are limited per client and per identity number: 429 with Retry-After, audited.

Each test signs in from a loopback address of its own (127.0.0.x), so each is a client of its own
to the server's counters.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.api.conftest import make_keys, start_server
from tests.factories import ric_number
from tests.pages.conftest import sql
from tests.seeded_site import Site, start_site, stop_site
from trustledger.bootstrap import open_registry

PER_CLIENT, PER_IDENTITY = 30, 10


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    running, proc = start_site(tmp_path_factory.mktemp("limits"))
    try:
        yield running
    finally:
        stop_site(running, proc)


def client_from(url: str, address: str) -> httpx.Client:
    transport = httpx.HTTPTransport(local_address=address)
    return httpx.Client(base_url=url, transport=transport, timeout=10)


def guess(browser: httpx.Client, subject: str, code: str) -> httpx.Response:
    return browser.post("/portal/sign-in", data={"subject": subject, "access_code": code})


def test_guessing_a_subjects_access_code_is_stopped_even_at_the_right_code(site: Site) -> None:
    with client_from(site.url, "127.0.0.2") as browser:
        for n in range(PER_IDENTITY):
            assert guess(browser, site.subject, f"WRONG-{n:04d}").status_code == 401
        stopped = guess(browser, site.subject, site.access_code)
        assert stopped.status_code == 429
        assert 0 < int(stopped.headers["Retry-After"]) <= 3600
        assert "no-store" in stopped.headers["Cache-Control"]
    with client_from(
        site.url, "127.0.0.3"
    ) as other:  # the limit is the subject's, not the client's
        assert guess(other, site.subject, site.access_code).status_code == 429
    refused = sql(
        site,
        "SELECT count(*) FROM audit_log WHERE action = 'portal.sign_in_refused' AND subject = :s",
        s=site.registry.keyring.master.pseudonym(site.subject),
    )
    limited = sql(
        site,
        "SELECT actor, purpose FROM audit_log WHERE action = 'sign_in.limited' AND subject = :s",
        s=site.registry.keyring.master.pseudonym(site.subject),
    )
    assert refused[0][0] == PER_IDENTITY
    assert [tuple(r) for r in limited] == [("client:127.0.0.2", "portal")]


def test_a_refused_sign_in_for_a_made_up_number_leaves_no_key_behind(site: Site) -> None:
    made_up = ric_number(region="320102", born="19770707")
    pseudonym = site.registry.keyring.master.pseudonym(made_up)
    with client_from(site.url, "127.0.0.9") as browser:
        # To the limit of failures per number and past it: that one is audited with a reason.
        for n in range(PER_IDENTITY + 1):
            assert guess(browser, made_up, f"WRONG-{n:04d}").status_code in (401, 429)
    assert sql(site, "SELECT count(*) FROM data_keys WHERE pseudonym = :p", p=pseudonym) == [(0,)]
    found = sql(site, "SELECT action, detail FROM audit_log WHERE subject = :p", p=pseudonym)
    actions = {action for action, _ in found}
    assert actions == {"portal.sign_in_refused", "sign_in.limited"}
    # Audited under the pseudonym, its reason plain: it names no one.
    assert not any(str(detail).startswith("sealed:") for _, detail in found)
    assert ("sign_in.limited", "the identity limit of failed sign-ins is reached") in found


def test_guessing_across_identity_numbers_is_stopped_per_client(site: Site) -> None:
    with client_from(site.url, "127.0.0.4") as browser:
        for _ in range(PER_CLIENT):
            assert guess(browser, ric_number(), "ABCD-EFGH").status_code == 401
        stopped = guess(browser, ric_number(), "ABCD-EFGH")
        assert stopped.status_code == 429
        assert "from this client" in stopped.text
        assert int(stopped.headers["Retry-After"]) <= 60
    with client_from(site.url, "127.0.0.5") as other:
        assert guess(other, site.everyone[-1], "ABCD-EFGH").status_code == 401


def test_wrong_api_keys_are_stopped_per_client_and_a_known_key_still_works(site: Site) -> None:
    params = {"subject": ric_number(), "mode": "rail"}
    good = {"Authorization": f"Bearer {site.keys['checker']}"}
    with client_from(site.url, "127.0.0.6") as api:
        assert api.get("/v1/check", params=params, headers=good).status_code == 200
        for n in range(PER_CLIENT):
            bad = {"Authorization": f"Bearer tl_guess-{n}"}
            assert api.get("/v1/check", params=params, headers=bad).status_code == 401
        stopped = api.get("/v1/check", params=params, headers={"Authorization": "Bearer tl_x"})
        assert stopped.status_code == 429
        assert stopped.headers["content-type"].startswith("application/problem+json")
        assert int(stopped.headers["Retry-After"]) <= 60
        assert (
            api.get(
                f"/v1/subjects/{ric_number()}", headers={"Authorization": "Bearer tl_y"}
            ).status_code
            == 429
        )
        # A key this server already verified is not a guess.
        assert api.get("/v1/check", params=params, headers=good).status_code == 200
    limited = sql(site, "SELECT purpose FROM audit_log WHERE actor = 'client:127.0.0.6'")
    assert [r[0] for r in limited] == ["api key"]


def test_wrong_console_keys_are_stopped_with_a_page(site: Site) -> None:
    with client_from(site.url, "127.0.0.7") as browser:
        browser.headers["Accept"] = "text/html"
        for n in range(PER_CLIENT):
            assert browser.post("/sign-in", data={"key": f"tl_guess-{n}"}).status_code == 401
        stopped = browser.post("/sign-in", data={"key": site.keys["officer"]})
        assert stopped.status_code == 429
        assert stopped.headers["content-type"].startswith("text/html")
        assert "Retry-After" in stopped.headers
        assert "tl_staff" not in stopped.headers.get("set-cookie", "")


@pytest.fixture
def redis_url() -> str:
    import redis

    url = "redis://127.0.0.1:6379/0"
    try:
        redis.Redis.from_url(url).ping()
    except redis.RedisError:
        if os.environ.get("CI"):
            raise
        pytest.skip("no Redis at 127.0.0.1:6379")
    return url


def test_with_redis_two_servers_count_failed_sign_ins_together(
    tmp_path: Path, redis_url: str
) -> None:
    db_url = f"sqlite:///{tmp_path / 'redis.db'}"
    registry = open_registry(db_url)
    registry.migrate()
    make_keys(registry)
    registry.close()
    env = {"TRUSTLEDGER_REDIS": redis_url, "TRUSTLEDGER_REDIS_PREFIX": f"test-{uuid.uuid4().hex}"}
    servers = [start_server(db_url, tmp_path / f"{n}.log", **env) for n in "ab"]
    try:
        urls = [url for _, url in servers]
        params = {"subject": ric_number(), "mode": "rail"}
        for n in range(PER_CLIENT):
            bad = {"Authorization": f"Bearer tl_guess-{n}"}
            assert (
                httpx.get(f"{urls[n % 2]}/v1/check", params=params, headers=bad).status_code == 401
            )
        for url in urls:
            stopped = httpx.get(
                f"{url}/v1/check", params=params, headers={"Authorization": "Bearer tl_x"}
            )
            assert stopped.status_code == 429
    finally:
        for proc, _ in servers:
            proc.terminate()
            proc.wait(timeout=10)
