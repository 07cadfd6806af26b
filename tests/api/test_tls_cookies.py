"""Session cookies carry Secure when the request came over TLS: served over HTTPS by
`trustledger serve --tls-cert/--tls-key`, or through a trusted proxy's X-Forwarded-Proto."""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.api.conftest import free_port
from trustledger.bootstrap import open_registry

TRUSTLEDGER = str(Path(sys.executable).parent / "trustledger")


def run_cli(*args: str) -> tuple[int, str, str]:
    done = subprocess.run([TRUSTLEDGER, *args], capture_output=True, text=True, timeout=60)
    return done.returncode, done.stdout, done.stderr


def self_signed(tmp: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp / "cert.pem", tmp / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


class Site:
    """One database served twice: over HTTPS (`--tls-cert`) and over plain HTTP."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.db_url = f"sqlite:///{tmp / 'tls.db'}"
        registry = open_registry(self.db_url)
        registry.migrate()
        self.officer = registry.keys.create(role="officer", name="officer-tls", actor="t").secret
        registry.close()
        self.cert, self.key = self_signed(tmp)
        self.https_port, self.http_port = free_port(), free_port()
        self.trust = ssl.create_default_context(cafile=str(self.cert))
        self.procs: list[subprocess.Popen[bytes]] = []

    def start(self) -> None:
        tls = ("--tls-cert", str(self.cert), "--tls-key", str(self.key))
        self._serve("https", self.https_port, *tls)
        self._serve("http", self.http_port)

    def stop(self) -> None:
        for proc in self.procs:
            proc.terminate()
            proc.wait(timeout=10)

    def _serve(self, scheme: str, port: int, *extra: str) -> None:
        log = self.tmp / f"{scheme}.log"
        cmd = [TRUSTLEDGER, "--db", self.db_url, "serve", "--port", str(port), *extra]
        with log.open("wb") as out:
            self.procs.append(subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT))
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                url = f"{scheme}://127.0.0.1:{port}/healthz"
                if httpx.get(url, verify=self.trust, timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.2)
        raise RuntimeError(f"server did not start: {log.read_text()}")

    def sign_in(self, url: str, **headers: str) -> str:
        with httpx.Client(base_url=url, verify=self.trust, timeout=10) as client:
            r = client.post("/sign-in", data={"key": self.officer}, headers=headers)
            assert r.status_code == 303, r.text
            return r.headers["set-cookie"]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    s = Site(tmp_path_factory.mktemp("tls"))
    try:
        s.start()
        yield s
    finally:
        s.stop()


def flags(set_cookie: str) -> set[str]:
    return {part.strip().lower() for part in set_cookie.split(";")[1:]}


def test_a_sign_in_over_https_sets_a_secure_cookie(site: Site) -> None:
    cookie = site.sign_in(f"https://127.0.0.1:{site.https_port}")
    assert cookie.startswith("tl_staff=")
    assert {"secure", "httponly", "samesite=strict"} <= flags(cookie)


def test_a_sign_in_over_plain_http_sets_no_secure_flag(site: Site) -> None:
    cookie = site.sign_in(f"http://127.0.0.1:{site.http_port}")
    assert {"httponly", "samesite=strict"} <= flags(cookie)
    assert "secure" not in flags(cookie)


def test_a_trusted_proxy_that_terminated_tls_gets_a_secure_cookie(site: Site) -> None:
    # The test client connects from 127.0.0.1, the default --forwarded-allow-ips.
    cookie = site.sign_in(f"http://127.0.0.1:{site.http_port}", **{"X-Forwarded-Proto": "https"})
    assert "secure" in flags(cookie)


def test_tls_options_come_in_pairs_and_name_a_file(tmp_path: Path) -> None:
    code, _, err = run_cli(
        "--db", f"sqlite:///{tmp_path / 'x.db'}", "serve", "--tls-cert", "/no/cert.pem"
    )
    assert (code, err.strip()) == (
        2,
        "error: --tls-cert: give both --tls-cert and --tls-key, or neither",
    )
    code, _, err = run_cli(
        "--db",
        f"sqlite:///{tmp_path / 'x.db'}",
        "serve",
        "--tls-cert",
        "/no/cert.pem",
        "--tls-key",
        "/no/key.pem",
    )
    assert (code, err.strip()) == (2, "error: --tls-cert: no such file: /no/cert.pem")
