"""A running site for page and browser tests: uvicorn on a free port over a SQLite database that
the services filled with three weeks of history (records, notices, appeals, decisions)."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from tests.api.conftest import start_server
from tests.factories import SettableClock, ric_number
from trustledger.bootstrap import Registry, open_registry
from trustledger.delivery.letters import Letter
from trustledger.domain.texts import Language
from trustledger.services.access.keys import Principal

CASE_REFS = {"court": "(2026)沪0101执{n}号", "rail": "RLY-2026-{n:05d}", "air": "AIR-2026-{n:05d}"}
# Fewer than 10 people: the statistics must show these groups as "<10".
SMALL_GROUP = 4
# What people type on the site (grounds, reasons), in the site's language.
TYPED = {
    "en": {
        "grounds": "I was not on that train",
        "reasons": "Seen the evidence.",
        "appeal": "The smoke came from the next carriage.",
    },
    "zh-Hans": {
        "grounds": "我当时不在那趟列车上。",
        "reasons": "已审阅证据。",
        "appeal": "烟是从相邻车厢飘过来的，不是我吸的。",
    },
}


@dataclass
class Site:
    url: str
    registry: Registry
    keys: dict[str, str]
    # The officer's case: in effect today, with an appeal pending.
    appellant: str = ""
    appeal_id: str = ""
    # The portal's case: noticed three days ago, with the access code from the notice.
    subject: str = ""
    access_code: str = ""
    # A score below the review threshold: a review case waits for an officer.
    reviewed: str = ""
    everyone: list[str] = field(default_factory=list)


class NoMail:
    """A mailer that delivers everything at once (the outbox only needs `send`)."""

    def send(self, to: str, letter: Letter) -> None:
        return None


def _sources(registry: Registry) -> dict[str, Principal]:
    made = {
        "court-7": ["court.*"],
        "rail-1": ["rail.*"],
        "airline-1": ["air.*"],
    }
    return {
        name: registry.keys.create(role="source", name=name, types=types, actor="test").principal
        for name, types in made.items()
    }


def _body(subject: str, type_: str, day: date, n: int, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "subject": subject,
        "type": type_,
        "occurred_on": (day - timedelta(days=30)).isoformat(),
        "decided_on": (day - timedelta(days=1)).isoformat(),
        "case_ref": CASE_REFS[type_.split(".")[0]].format(n=n),
        "contact": f"p{n}@example.org",
    }
    if type_ == "court.judgment_default":
        body["attributes"] = {"amount_cny": 86_000}
    return body | extra


def seed(registry: Registry, clock: SettableClock, today: date) -> Site:
    """History through the services, each write on its own day; returns who is who."""
    typed = TYPED[registry.language.value]
    keys = {
        role: registry.keys.create(role=role, name=f"test-{role}", actor="test").secret
        for role in ("officer", "auditor", "checker")
    }
    src = {name: p.as_source() for name, p in _sources(registry).items()}
    site = Site("", registry, keys)

    def on(days_ago: int) -> None:
        clock.day = today - timedelta(days=days_ago)
        clock.moment = datetime.combine(clock.day, datetime.min.time(), UTC)

    on(20)
    beijing = [ric_number(i, region="110105", born="19900101") for i in range(30)]
    shanghai = [ric_number(i, region="310101", born="19900101") for i in range(12)]
    tianjin = [ric_number(i, region="120101", born="19900101") for i in range(SMALL_GROUP)]
    guangzhou = [ric_number(i, region="440106", born="19900101") for i in range(SMALL_GROUP - 1)]
    smoking = [_body(s, "rail.smoking", clock.day, i) for i, s in enumerate(beijing)]
    smoking[0].pop("contact")  # no address: this one's notice waits in the officers' queue
    registry.intake.submit_many(smoking, source=src["rail-1"])
    registry.intake.submit_many(
        [_body(s, "court.judgment_default", clock.day, 100 + i) for i, s in enumerate(shanghai)],
        source=src["court-7"],
    )
    registry.intake.submit_many(
        [_body(s, "air.disorder", clock.day, 200 + i) for i, s in enumerate(tianjin)],
        source=src["airline-1"],
    )
    registry.intake.submit_many(
        [_body(s, "air.forged_identity", clock.day, 300 + i) for i, s in enumerate(guangzhou)],
        source=src["airline-1"],
    )
    on(9)
    appeals = [
        registry.appeals.file_appeal(s, grounds=typed["grounds"], actor=f"subject:{s}")
        for s in beijing[1:15]
    ]
    on(4)
    for i, a in enumerate(appeals):
        outcome = "overturned" if i < 3 else "upheld"
        registry.appeals.decide_appeal(
            a.appeal_id, outcome=outcome, reasons=typed["reasons"], actor="officer:test"
        )
    on(12)
    site.appellant = ric_number(900, region="110105", born="19900101")
    registry.intake.submit(
        _body(site.appellant, "rail.smoking", clock.day, 900), source=src["rail-1"]
    )
    on(6)
    site.reviewed = ric_number(902, region="110105", born="19900101")
    for type_, n in (("court.judgment_default", 902), ("air.disorder", 903)):
        source = src["court-7" if type_.startswith("court") else "airline-1"]
        registry.intake.submit(_body(site.reviewed, type_, clock.day, n), source=source)
    on(3)
    site.subject = ric_number(901, region="310101", born="19900101")
    result = registry.intake.submit(
        _body(site.subject, "court.judgment_default", clock.day, 901), source=src["court-7"]
    )
    site.access_code = result.notices[0].access_code
    on(0)
    site.appeal_id = registry.appeals.file_appeal(
        site.appellant, grounds=typed["appeal"], actor="officer:test"
    ).appeal_id
    registry.outbox.deliver_pending(NoMail(), limit=1000)
    site.everyone = [
        *beijing,
        *shanghai,
        *tianjin,
        *guangzhou,
        site.appellant,
        site.subject,
        site.reviewed,
    ]
    return site


def start_site(
    tmp: Path, *, language: str = "en", **env: str
) -> tuple[Site, subprocess.Popen[bytes]]:
    """The seeded site, its letters written and its pages served in `language` by default."""
    db_url = f"sqlite:///{tmp / 'site.db'}"
    today = date.today()
    clock = SettableClock(day=today)
    registry = open_registry(db_url, clock=clock, language=Language(language))
    registry.migrate()
    site = seed(registry, clock, today)
    proc, url = start_server(db_url, tmp / "server.log", TRUSTLEDGER_LANGUAGE=language, **env)
    site.url = url
    return site, proc


def stop_site(site: Site, proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    proc.wait(timeout=10)
    site.registry.close()
