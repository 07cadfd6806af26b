"""Notices, contacts and the audit trail's details are stored sealed, by pseudonym (issue 15), on
SQLite and PostgreSQL: the raw rows name no one, the services answer as before, and what a
destroyed key sealed is in no answer while the audit chain still verifies."""

from __future__ import annotations

import zlib
from typing import Any

from tests.due_factories import COURT, RecordingMailer
from tests.factories import judgment, kept_letter, ric_number
from tests.integration.conftest import sql, sql_write
from tests.seeded_site import NoMail
from trustledger.bootstrap import Registry
from trustledger.domain.audit import AuditEntry
from trustledger.domain.notice_letters import MASK, DeliveryStatus

EMAIL = "wei.sealed@example.org"
CASE_REF = "(2026)京0105执1234号"


def raw(registry: Registry, table: str) -> bytes:
    """Every value of every row of `table` as bytes, sealed columns included."""
    parts: list[bytes] = []
    for row in sql(registry, f"SELECT * FROM {table}"):
        for value in row:
            parts.append(
                bytes(value) if isinstance(value, bytes | memoryview) else f"{value}".encode()
            )
    return b"\x1e".join(parts)


def issued(registry: Registry, subject: str, **overrides: Any) -> tuple[str, str, str]:
    """A judgment with a contact address: (record id, notice id, access code)."""
    body = judgment(subject=subject, contact=EMAIL, case_ref=CASE_REF) | overrides
    result = registry.intake.submit(body, source=COURT)
    (notice,) = result.notices
    assert notice.access_code is not None
    return result.record.record_id, notice.notice_id, notice.access_code


def test_notices_contacts_and_audit_rows_name_no_one_and_the_services_answer_as_before(
    registry: Registry,
) -> None:
    subject = ric_number()
    record_id, notice_id, code = issued(registry, subject)
    registry.files.read(subject, actor="officer_li", purpose="checking the file")
    # A detail that says something about the subject: sealed under its own key.
    note = AuditEntry("officer_li", "test.note", subject, "test", registry.clock.now(), EMAIL)
    registry.audit.record([note])
    (letter,) = registry.portal.notices(subject, actor=f"subject:{subject}", purpose="my letters")
    assert (letter.notice_id, letter.subject, letter.access_code) == (notice_id, subject, None)
    assert MASK in letter.text
    assert letter.facts is not None
    fact = str(letter.facts["titles"]["zh-Hans"])  # what the letter states about the record
    # Before delivery the outbox still has the code and the address, by the plain subject.
    with registry.uow(readonly=True) as uow:
        assert [n.notice_id for n in uow.notices.due(registry.clock.now(), limit=10)] == [notice_id]
        assert uow.notices.get(notice_id) is not None
        assert uow.contacts.get_many([subject]) == {subject: EMAIL}
    assert kept_letter(registry, notice_id).access_code == code

    for table in ("notices", "contacts", "audit_log"):
        stored = raw(registry, table)
        for plain in (subject, EMAIL, code, fact, CASE_REF):
            assert plain.encode() not in stored, (table, plain)
    pseudonym = registry.keyring.master.pseudonym(subject)
    assert [tuple(r) for r in sql(registry, "SELECT subject, email FROM contacts")] == [
        (pseudonym, None)
    ]
    rows = sql(registry, "SELECT action, detail FROM audit_log WHERE subject = :p", p=pseudonym)
    assert rows
    # Every detail that says something is sealed (an empty one has nothing to seal), but for those
    # that are only an id the registry made, which the event log has plain beside the pseudonym,
    # and a file read's day, which names no one (sealed, it made a key for any number read).
    plain = {(row.action, row.detail) for row in rows if not row.detail.startswith("sealed:")}
    ids = {("record.submit", record_id), ("notice.issue", notice_id)}
    read = ("file.read", f"as_of={registry.clock.today().isoformat()}")
    assert plain == ids | {("contact.update", ""), ("notices.read", ""), read}
    assert any(row.detail.startswith("sealed:") for row in rows)

    mailer = RecordingMailer()
    assert registry.outbox.deliver_pending(mailer).sent == 1
    ((to, _, text),) = mailer.sent
    assert to == EMAIL
    assert code in text
    delivered = kept_letter(registry, notice_id)
    assert (delivered.status, delivered.access_code) == (DeliveryStatus.DELIVERED, None)
    assert code not in delivered.text
    # The code is dropped from the sealed value too, not only masked in the letter.
    ((target, sealed),) = sql(
        registry, "SELECT target, sealed FROM notices WHERE notice_id = :n", n=notice_id
    )
    with registry.uow(readonly=True) as uow:
        assert uow.data_keys.open(pseudonym, target, bytes(sealed))["access_code"] is None

    with registry.uow(readonly=True) as uow:
        entries = uow.audit.of_subject(subject)
    read = [e for e in entries if e.action == "file.read"]
    assert [(e.actor, e.subject, e.purpose) for e in read] == [
        ("officer_li", subject, "checking the file")
    ]
    assert read[0].detail.startswith("as_of=")
    portal = [e for e in entries if e.action == "notices.read"]
    assert [e.actor for e in portal] == [f"subject:{subject}"]
    assert registry.audit.verify().intact


def test_audit_verifies_before_and_after_the_subjects_key_is_destroyed(
    registry: Registry,
) -> None:
    subject = ric_number()
    record_id, notice_id, _ = issued(registry, subject)
    registry.files.read(subject, actor="officer_li", purpose="before the erasure")
    registry.audit.record(
        [AuditEntry("system", "test.note", None, "test", registry.clock.now(), "about no one")]
    )
    before = registry.audit.verify()
    assert before.intact
    with registry.uow() as uow:
        pseudonym = uow.data_keys.pseudonym(subject)
        assert uow.data_keys.destroy(pseudonym, [""]) == [""]
        uow.commit()
    after = registry.audit.verify()
    assert (after.intact, after.entries) == (True, before.entries)
    with registry.uow(readonly=True) as uow:
        entries = uow.audit.of_subject(subject)
        # Who read the file, and when, stays; what the detail said went with the key.
        assert [e.actor for e in entries if e.action == "file.read"] == ["officer_li"]
        # What stays is the ids the registry made, which the event log keeps plain too, and the
        # day the file was read as of, which names no one.
        as_of = f"as_of={registry.clock.today().isoformat()}"
        assert {e.detail for e in entries} == {"", record_id, notice_id, as_of}
        assert {e.action for e in entries if e.detail} == {
            "record.submit",
            "notice.issue",
            "file.read",
        }
        # The address was sealed under the subject's own key: there is none now.
        assert uow.contacts.get_many([subject]) == {}
    # An entry naming no subject keeps its detail in the clear.
    assert sql(registry, "SELECT detail FROM audit_log WHERE action = 'test.note'")[0][0] == (
        "about no one"
    )


def test_a_notice_whose_key_is_destroyed_is_in_no_listing_and_no_letter(
    registry: Registry,
) -> None:
    subject = ric_number()
    erased_record, erased_notice, _ = issued(registry, subject)
    _, kept_notice, _ = issued(registry, subject, case_ref="(2026)京0105执9999号")
    with registry.uow() as uow:
        pseudonym = uow.data_keys.pseudonym(subject)
        assert uow.data_keys.destroy(pseudonym, [erased_record]) == [erased_record]
        uow.commit()
    with registry.uow(readonly=True) as uow:
        assert [n.notice_id for n in uow.notices.for_subject(subject)] == [kept_notice]
        assert uow.notices.get(erased_notice) is None
        due = uow.notices.due(registry.clock.now(), limit=10)
        assert [n.notice_id for n in due] == [kept_notice]
        # The subject's own key is untouched: the address is still there.
        assert uow.contacts.get_many([subject]) == {subject: EMAIL}
    assert [n.notice_id for n in registry.portal.notices(subject, actor="t", purpose="t")] == [
        kept_notice
    ]


def test_the_officers_queue_finds_the_plain_subject_and_leaves_out_an_erased_notice(
    registry: Registry,
) -> None:
    subject, other = ric_number(), ric_number()
    for s in (subject, other):
        registry.intake.submit(judgment(subject=s), source=COURT)  # no contact address
    registry.outbox.deliver_pending(NoMail())
    assert {n.subject for n in registry.outbox.list_undelivered()} == {subject, other}
    with registry.uow() as uow:
        pseudonym = uow.data_keys.pseudonym(other)
        uow.data_keys.destroy(pseudonym, uow.data_keys.scopes_of(pseudonym))
        uow.commit()
    assert [n.subject for n in registry.outbox.list_undelivered()] == [subject]
    (queued,) = registry.outbox.list_undelivered()
    posted = registry.outbox.letter_for_post(queued.notice_id, actor="officer_li")
    assert posted.subject == subject
    assert posted.access_code is not None


def test_rows_from_before_sealing_read_as_they_did_until_written_again(
    registry: Registry,
) -> None:
    """While migration 0010 runs, a notice or contact row may still hold the plain subject."""
    subject = ric_number()
    _, fresh, _ = issued(registry, subject)  # the subject has a state, as one with notices has
    kept = zlib.compress(b"Old letter ABCD-EFGH-JKLM-NPQR\0<p>Old letter</p>", 9)
    sql_write(
        registry,
        "INSERT INTO notices (notice_id, subject, purpose, target, issued_on, subject_line,"
        " access_code, status, attempts, next_attempt_at, created_at, kept)"
        " VALUES ('ntc_plain', :s, 'restriction', 'rec_plain', '2026-11-01', 'Notice',"
        " 'ABCD-EFGH-JKLM-NPQR', 'pending', 0, '2026-11-01 00:00:00', '2026-11-01 00:00:00', :k)",
        s=subject,
        k=kept,
    )
    pseudonym = registry.keyring.master.pseudonym(subject)
    sql_write(registry, "DELETE FROM contacts WHERE subject = :p", p=pseudonym)
    sql_write(
        registry,
        "INSERT INTO contacts (subject, email, updated_at) VALUES (:s, :e, '2026-11-01 00:00:00')",
        s=subject,
        e=EMAIL,
    )
    letters = registry.portal.notices(subject, actor="t", purpose="t")
    assert [(n.notice_id, n.subject) for n in letters] == [("ntc_plain", subject), (fresh, subject)]
    assert letters[0].text == f"Old letter {MASK}"
    mailer = RecordingMailer()
    assert registry.outbox.deliver_pending(mailer).sent == 2
    assert {to for to, _, _ in mailer.sent} == {EMAIL}
    assert "Old letter ABCD-EFGH-JKLM-NPQR" in {text for _, _, text in mailer.sent}
    # Delivered, the notice is written in the sealed format, under the pseudonym.
    ((stored, code, sealed),) = sql(
        registry, "SELECT subject, access_code, sealed FROM notices WHERE notice_id = 'ntc_plain'"
    )
    assert (stored, code) == (pseudonym, None)
    assert sealed is not None
    assert kept_letter(registry, "ntc_plain").text == f"Old letter {MASK}"


def test_a_check_denial_names_the_subject_by_pseudonym_and_needs_no_key(registry: Registry) -> None:

    number = ric_number()
    now = registry.clock.now()
    detail = "mode=air on=2026-12-01 reason=court.judgment_default"
    registry.audit.record(
        [AuditEntry("checker:t", "check.deny", number, "ticket check", now, detail)]
    )
    with registry.uow(readonly=True) as uow:
        pseudonym = uow.data_keys.pseudonym(number)
        assert uow.data_keys.scopes_of(pseudonym) == []  # no key made for it
    rows = sql(registry, "SELECT subject, detail FROM audit_log WHERE action = 'check.deny'")
    assert [tuple(r) for r in rows] == [(pseudonym, detail)]
    assert registry.audit.verify().intact
