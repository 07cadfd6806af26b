"""Build tests/data/plain_registry.db: a small registry as written before personal data was sealed.

The 0010 migration's test (tests/integration/test_seal_migration.py) seals a copy of it in place
and compares every answer before and after, so this file is the database a deployment has on the
day it upgrades: every row plaintext (identity numbers, case references, emails in the clear).

Made at commit 8254b26 ("store: the key hierarchy of crypto-shredding", schema revision 0009) with
the default rulebook shipped in that commit and the `cn-ric` scheme, the clock set to days before
CLOCK_DAY (2026-11-25) as below; the registry needs no keys (nothing in it is sealed yet). The
transparency log's checkpoint was signed with a throwaway key that is not kept: checkpoints signed
before the migration cannot be extended past it anyway (docs/security.md).

What it holds: 49 subjects through the services (records of four kinds from three sources,
their notices and contacts, letters delivered), appeals filed and decided (upheld, overturned),
a review case opened and one decided, a correction, a withdrawal, a fulfilment, file reads and
portal reads that audit, and a checkpoint of the transparency log.

Run from the repository root: `.venv/bin/python -m tests.data.make_plain_registry`.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from tests.factories import SettableClock, ric_number

from trustledger.bootstrap import Registry, open_registry
from trustledger.delivery.letters import Letter
from trustledger.domain.texts import Language

OUT = Path(__file__).with_name("plain_registry.db")
CLOCK_DAY = date(2026, 11, 25)
CASE_REFS = {"court": "(2026)沪0101执{n}号", "rail": "RLY-2026-{n:05d}", "air": "AIR-2026-{n:05d}"}


class NoMail:
    def send(self, to: str, letter: Letter) -> None:
        return None


def _body(subject: str, type_: str, day: date, n: int) -> dict[str, Any]:
    body: dict[str, Any] = {
        "subject": subject,
        "type": type_,
        "occurred_on": (day - timedelta(days=30)).isoformat(),
        "decided_on": (day - timedelta(days=1)).isoformat(),
        "case_ref": CASE_REFS[type_.split(".")[0]].format(n=n),
        "evidence_ref": f"EV-{n:05d}",
        "contact": f"p{n}@example.org",
    }
    if type_ == "court.judgment_default":
        body["attributes"] = {"amount_cny": 86_000 + n}
    return body


def seed(registry: Registry, clock: SettableClock) -> None:
    def on(days_ago: int) -> None:
        clock.day = CLOCK_DAY - timedelta(days=days_ago)
        clock.moment = datetime.combine(clock.day, datetime.min.time(), UTC)

    on(40)
    src = {
        name: registry.keys.create(role="source", name=name, types=types, actor="fixture")
        .principal.as_source()
        for name, types in {
            "court-7": ["court.*"], "rail-1": ["rail.*"], "airline-1": ["air.*"]
        }.items()
    }  # fmt: skip
    beijing = [ric_number(i, region="110105", born="19900101") for i in range(24)]
    shanghai = [ric_number(i, region="310101", born="19850505") for i in range(12)]
    tianjin = [ric_number(i, region="120101", born="19700707") for i in range(6)]
    guangzhou = [ric_number(i, region="440106", born="19660606") for i in range(4)]
    smoking = [_body(s, "rail.smoking", clock.day, i) for i, s in enumerate(beijing)]
    smoking[0].pop("contact")  # no address: its notice waits for the post
    registry.intake.submit_many(smoking, source=src["rail-1"])
    judgments = [
        _body(s, "court.judgment_default", clock.day, 100 + i) for i, s in enumerate(shanghai)
    ]
    registry.intake.submit_many(judgments, source=src["court-7"])
    disorder = [_body(s, "air.disorder", clock.day, 200 + i) for i, s in enumerate(tianjin)]
    registry.intake.submit_many(disorder, source=src["airline-1"])
    forged = [_body(s, "air.forged_identity", clock.day, 300 + i) for i, s in enumerate(guangzhou)]
    registry.intake.submit_many(forged, source=src["airline-1"])
    registry.outbox.deliver_pending(NoMail(), limit=1000)

    on(30)
    appeals = [
        registry.appeals.file_appeal(s, grounds="I was not on that train", actor=f"subject:{s}")
        for s in beijing[1:6]
    ]
    on(25)
    for i, filed in enumerate(appeals):
        registry.appeals.decide_appeal(
            filed.appeal_id,
            outcome="overturned" if i < 2 else "upheld",
            reasons="Seen the evidence of carriage 7.",
            actor="officer:wang",
        )
    on(20)
    judgment_ids = _record_ids(registry, shanghai[:3])
    registry.corrections.correct(
        judgment_ids[0],
        source=src["court-7"],
        changes={"attributes": {"amount_cny": 12_345}},
        reason="The amount was misread from the judgment.",
    )
    registry.corrections.withdraw(
        judgment_ids[1], source=src["court-7"], reason="Judgment set aside on retrial."
    )
    registry.fulfilment.report_fulfilment(judgment_ids[2], source_name="court-7")

    on(15)
    reviewed = [ric_number(900 + i, region="110105", born="19800808") for i in range(2)]
    for n, subject in enumerate(reviewed):
        for type_, m in (("court.judgment_default", 900), ("air.disorder", 910)):
            source = src["court-7" if type_.startswith("court") else "airline-1"]
            registry.intake.submit(_body(subject, type_, clock.day, m + 2 * n), source=source)
    registry.outbox.deliver_pending(NoMail(), limit=1000)
    on(10)
    case = next(c for c in registry.reviews.list_open_reviews() if c.subject == reviewed[0])
    registry.reviews.decide_review(
        case.case_id,
        outcome="restrict",
        reasons="Repeated defaults after notice.",
        actor="officer:li",
        scopes=["air"],
        days=90,
    )
    on(5)
    late = ric_number(950, region="310101", born="19951212")
    registry.intake.submit(_body(late, "rail.smoking", clock.day, 950), source=src["rail-1"])
    registry.appeals.file_appeal(
        late, grounds="The smoke came from the next carriage.", actor=f"subject:{late}"
    )
    on(1)
    for subject in (beijing[1], shanghai[0], reviewed[0], late):
        registry.files.read(subject, actor="officer:wang", purpose="appeal review")
    registry.portal.notices(late, actor=f"subject:{late}", purpose="own notices")
    registry.log.checkpoint()


def _record_ids(registry: Registry, subjects: list[str]) -> list[str]:
    with registry.uow(readonly=True) as uow:
        found = uow.events.for_subjects(subjects)
    return [next(e.record_id for e in found[s] if e.record_id) for s in subjects]


def main() -> None:
    OUT.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory() as keys:
        os.environ["TRUSTLEDGER_LOG_KEY_FILE"] = str(Path(keys) / "log.key")
        os.environ.setdefault("TRUSTLEDGER_LANGUAGE", "en")
        clock = SettableClock(day=CLOCK_DAY)
        registry = open_registry(f"sqlite:///{OUT}", clock=clock, language=Language("en"))
        try:
            registry.migrate()
            seed(registry, clock)
        finally:
            registry.close()
    # One self-contained file: no -wal beside it, no free pages.
    with sqlite3.connect(OUT) as conn:
        conn.execute("PRAGMA journal_mode=DELETE")
    conn = sqlite3.connect(OUT)
    conn.execute("VACUUM")
    conn.close()
    for leftover in (".masterkey", ".vault"):
        OUT.with_name(OUT.name + leftover).unlink(missing_ok=True)
    print(f"{OUT} ({OUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
