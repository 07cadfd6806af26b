"""Letters are kept once, as their facts, templates' version and hash, and read back byte for byte."""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from sqlalchemy import Engine, text

from tests.due_factories import COURT, RecordingMailer
from tests.factories import SettableClock, judgment, kept_letter, ric_number
from tests.integration.conftest import sql
from trustledger.bootstrap import Registry, open_registry
from trustledger.delivery.letters import JinjaLetters, Letter
from trustledger.domain.errors import LetterAltered
from trustledger.domain.identity import scheme_named
from trustledger.domain.notice_letters import MASK
from trustledger.domain.texts import Language
from trustledger.rulebook import load_rulebook
from trustledger.store.engine import create_store_engine
from trustledger.store.schema import migrate


@pytest.fixture
def reg(db_url: str, clock: SettableClock) -> Iterator[Registry]:
    registry = open_registry(
        db_url, rulebook=load_rulebook(), scheme=scheme_named("cn-ric"), clock=clock
    )
    registry.migrate()
    yield registry
    registry.close()


@pytest.fixture
def issued(monkeypatch: pytest.MonkeyPatch) -> dict[str, Letter]:
    """Each letter as it was written when issued (the first rendering of each notice)."""
    written: dict[str, Letter] = {}
    render = JinjaLetters.render

    def recording(self: JinjaLetters, purpose: str, context: dict[str, Any], **kw: Any) -> Letter:
        letter = render(self, purpose, context, **kw)
        written.setdefault(str(context["notice_id"]), letter)
        return letter

    monkeypatch.setattr(JinjaLetters, "render", recording)
    return written


def alter_facts(reg: Registry, notice_id: str) -> None:
    """Change a kept letter's facts behind the registry's back (one year of its dates), sealed
    again under its key: as a bug, or someone holding the keys, would."""
    ((subject, target, sealed),) = sql(
        reg, "SELECT subject, target, sealed FROM notices WHERE notice_id = :n", n=notice_id
    )
    with reg.uow() as uow:
        value = uow.data_keys.open(subject, target, bytes(sealed))
        assert value is not None
        value["facts"] = orjson.loads(orjson.dumps(value["facts"]).replace(b"2027", b"2028"))
        resealed = uow.data_keys.seal(subject, target, value)
        uow.commit()
    with reg.engine.begin() as conn:
        conn.execute(
            text("UPDATE notices SET sealed = :v WHERE notice_id = :n"),
            {"v": resealed, "n": notice_id},
        )


def test_a_kept_letter_reads_back_byte_for_byte_as_issued_and_matches_its_hash(
    reg: Registry, issued: dict[str, Letter], clock: SettableClock
) -> None:
    subject = ric_number()
    body = judgment(subject=subject, contact="wei@example.org", contact_language="zh-Hans")
    (notice,) = reg.intake.submit(body, source=COURT).notices
    filed = reg.appeals.file_appeal(
        subject, grounds="已全额履行", actor="subject", access_code=notice.access_code
    )
    reg.appeals.decide_appeal(
        filed.appeal_id, outcome="overturned", reasons="已核实", actor="officer_li"
    )
    query = (
        "SELECT notice_id, template_version, sha256, kept, facts FROM notices"
        " WHERE subject = :s ORDER BY created_at"
    )
    pseudonym = reg.keyring.master.pseudonym(subject)
    # The record's letter is kept as its facts, unwritten and unhashed until it is sent; the
    # decision's is written and hashed in its transaction.
    assert [(v, d is None) for _, v, d, _, _ in sql(reg, query, s=pseudonym)] == [
        ("1", True),
        ("1", False),
    ]
    codes = {n: kept_letter(reg, n).access_code for n, *_ in sql(reg, query, s=pseudonym)}
    mailer = RecordingMailer()
    assert reg.outbox.deliver_pending(mailer).sent == 2
    found = sql(reg, query, s=pseudonym)
    assert len(found) == 2
    mails = [(line, text) for _, line, text in mailer.sent]
    for notice_id, version, digest, kept, facts in found:
        assert (version, kept, facts) == ("1", None, None)  # facts, not words, and sealed
        letter = kept_letter(reg, notice_id)
        assert letter.facts is not None
        sent = issued[notice_id]  # its first writing: when issued, or when sent
        assert (sent.subject_line, sent.text) in mails  # the mail is that writing
        code = codes[notice_id]
        masked_text = sent.text.replace(code, MASK) if code else sent.text
        masked_html = sent.html.replace(code, MASK) if code else sent.html
        assert (letter.subject_line, letter.text, letter.html) == (
            sent.subject_line,
            masked_text,
            masked_html,
        )
        expected = hashlib.sha256(
            f"{sent.subject_line}\0{masked_text}\0{masked_html}\0".encode()
        ).hexdigest()
        assert digest == expected


def test_a_letter_whose_facts_were_changed_is_an_error_naming_the_notice(
    reg: Registry,
) -> None:
    subject = ric_number()
    (notice,) = reg.intake.submit(judgment(subject=subject), source=COURT).notices
    alter_facts(reg, notice.notice_id)
    letter = kept_letter(reg, notice.notice_id)
    with pytest.raises(LetterAltered) as raised:
        _ = letter.text
    assert raised.value.notice_id == notice.notice_id
    assert notice.notice_id in raised.value.detail
    with pytest.raises(LetterAltered):
        [n.html for n in reg.portal.notices(subject, actor="test", purpose="tamper test")]


LEGACY = (
    # notice_id, text, html, access code (None: delivered, masked already)
    ("ntc_old_pending", "Notice\nAccess code: ABCD-EFGH-JKLM-NPQR\n", "<p>ABCD-EFGH-JKLM-NPQR</p>"),
    ("ntc_old_sent", f"Notice\nAccess code: {MASK}\n", f"<p>{MASK}</p>"),
    ("ntc_old_third", "第三封信\n", "<p>第三封信</p>"),
)


def _engine_at_0007(db_url: str) -> Engine:
    engine = create_store_engine(db_url)
    migrate(engine, "0007")
    with engine.begin() as conn:
        # Their subject's derived state, as every noticed subject has: once 0010 seals the
        # notices, a sealed notice is found through its subject's state.
        conn.execute(
            text(
                "INSERT INTO subject_state (subject, score, band, review_due, as_of)"
                " VALUES (:s, 1000, 'A', false, '2026-11-01')"
            ),
            {"s": f"old-{db_url[-12:]}"},
        )
        for notice_id, body_text, body_html in LEGACY:
            code = "ABCD-EFGH-JKLM-NPQR" if notice_id == "ntc_old_pending" else None
            conn.execute(
                text(
                    "INSERT INTO notices (notice_id, subject, purpose, target, issued_on,"
                    " subject_line, text, html, access_code, status, attempts, created_at,"
                    " language) VALUES (:n, :s, 'restriction', 'rst_x', '2026-11-01', 'Notice',"
                    " :t, :h, :c, :st, 0, '2026-11-01 00:00:00', 'en')"
                ),
                {
                    "n": notice_id,
                    "s": f"old-{db_url[-12:]}",
                    "t": body_text,
                    "h": body_html,
                    "c": code,
                    "st": "pending" if code else "delivered",
                },
            )
    return engine


def test_migration_0008_keeps_older_letters_compressed_with_their_hash(
    db_url: str, clock: SettableClock
) -> None:
    engine = _engine_at_0007(db_url)
    try:
        assert migrate(engine, "0008") == "0008"
        with engine.connect() as conn:
            got = conn.execute(
                text("SELECT notice_id, template_version, sha256, kept FROM notices ORDER BY 1")
            ).all()
            columns = conn.execute(text("SELECT * FROM notices")).keys()
        assert "text" not in columns
        assert "html" not in columns
        words = {n: (t, h) for n, t, h in LEGACY}
        for notice_id, version, digest, kept in got:
            assert version is None
            body_text, body_html = words[notice_id]
            assert zlib.decompress(kept).decode() == f"{body_text}\0{body_html}"
            masked = f"Notice\0{body_text}\0{body_html}\0".replace("ABCD-EFGH-JKLM-NPQR", MASK)
            assert digest == hashlib.sha256(masked.encode()).hexdigest()
    finally:
        engine.dispose()
    # Then on to the head revision: later revisions read the kept letters as they were.
    registry = open_registry(db_url, rulebook=load_rulebook(), clock=clock)
    registry.migrate()
    try:
        for notice_id, body_text, body_html in LEGACY:
            letter = kept_letter(registry, notice_id)
            assert (letter.text, letter.html) == (body_text, body_html)
            assert letter.language is Language.EN
    finally:
        registry.close()


def test_migration_0008_resumes_a_stopped_run_without_converting_a_letter_twice(
    db_url: str,
) -> None:
    engine = _engine_at_0007(db_url)
    try:
        # What a run stopped after its first batch leaves: the columns added and committed,
        # one letter converted, the revision still 0007.
        done = b"converted by the stopped run"
        with engine.begin() as conn:
            for ddl in (
                "ALTER TABLE notices ADD COLUMN template_version VARCHAR(8)",
                "ALTER TABLE notices ADD COLUMN sha256 VARCHAR(64)",
                "ALTER TABLE notices ADD COLUMN kept {}".format(
                    "BYTEA" if engine.dialect.name == "postgresql" else "BLOB"
                ),
            ):
                conn.execute(text(ddl))
            conn.execute(
                text("UPDATE notices SET kept = :k, sha256 = 'x' WHERE notice_id = 'ntc_old_sent'"),
                {"k": done},
            )
        assert migrate(engine, "0008") == "0008"
        with engine.connect() as conn:
            got = dict(conn.execute(text("SELECT notice_id, kept FROM notices")).all())
        assert bytes(got["ntc_old_sent"]) == done
        assert zlib.decompress(got["ntc_old_third"]).decode() == "第三封信\n\0<p>第三封信</p>"
        assert got["ntc_old_pending"] is not None
    finally:
        engine.dispose()


def test_an_imported_letter_is_kept_unwritten_then_hashed_as_the_outbox_sent_it(
    reg: Registry, tmp_path: Path
) -> None:
    subject = ric_number()
    path = tmp_path / "records.jsonl"
    line = judgment(subject=subject, contact="wei@example.org") | {"case_ref": "J-import"}
    path.write_bytes(orjson.dumps(line) + b"\n")
    report = reg.imports.run(path, source=reg.keys.create(role="source", name="court_7",
                             types=["*"]).principal.as_source())  # fmt: skip
    assert (report.imported, report.rejected) == (1, 0)
    ((notice_id, version, digest),) = sql(
        reg,
        "SELECT notice_id, template_version, sha256 FROM notices WHERE subject = :s",
        s=reg.keyring.master.pseudonym(subject),
    )
    assert (version, digest) == ("1", None)
    code = kept_letter(reg, notice_id).access_code
    assert code is not None
    mailer = RecordingMailer()
    assert reg.outbox.deliver_pending(mailer).sent == 1
    ((_, subject_line, sent_text),) = mailer.sent
    ((digest,),) = sql(reg, "SELECT sha256 FROM notices WHERE notice_id = :n", n=notice_id)
    letter = kept_letter(reg, notice_id)
    assert code in sent_text
    assert letter.text == sent_text.replace(code, MASK)
    expected = hashlib.sha256(f"{subject_line}\0{letter.text}\0{letter.html}\0".encode())
    assert digest == expected.hexdigest()


def test_the_outbox_sends_no_altered_letter_and_queues_it_for_officers_by_name(
    reg: Registry,
) -> None:
    subject = ric_number()
    body = judgment(subject=subject, contact="wei@example.org")
    (notice,) = reg.intake.submit(body, source=COURT).notices
    alter_facts(reg, notice.notice_id)
    mailer = RecordingMailer()
    report = reg.outbox.deliver_pending(mailer)
    assert (report.sent, report.undelivered, mailer.sent) == (0, 1, [])
    ((status, error),) = sql(
        reg, "SELECT status, last_error FROM notices WHERE notice_id = :n", n=notice.notice_id
    )
    assert status == "undelivered"
    assert notice.notice_id in str(error)
