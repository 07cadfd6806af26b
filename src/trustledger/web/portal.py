"""The subject portal: sign in with a notice's access code, read one's file, appeal, ask that a
record with no effect left be erased, download it.

Every view of the file is a read of it, audited with the subject as the reader.
"""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from trustledger.domain.audit import AuditEntry
from trustledger.domain.errors import InvalidInput, NotFound, Unauthorized
from trustledger.domain.explanation import explain
from trustledger.domain.texts import N_
from trustledger.i18n.negotiation import parse_language
from trustledger.services.reading.files import FileHistory
from trustledger.web.letters import in_language, other_language
from trustledger.web.plain import appeal_text, describe, erasure_text
from trustledger.web.rendering import (
    HEADERS,
    PAGES_TAG,
    registry_of,
    render,
    sessions_of,
    translator_of,
)
from trustledger.web.requests import client_of, same_origin
from trustledger.web.sessions import PORTAL_COOKIE, PortalSession, end

router = APIRouter(tags=[PAGES_TAG])

# What the subject's own download leaves out: the hash of their access codes is no one's data.
HIDDEN_KEYS = frozenset({"access_code_hash"})


def subject(request: Request) -> PortalSession:
    return sessions_of(request).require_portal(request)


Subject = Annotated[PortalSession, Depends(subject)]


@router.get("/portal", response_class=HTMLResponse)
def portal_home(request: Request) -> Response:
    session = sessions_of(request).portal(request)
    if session is None:
        return render(request, "portal_sign_in.html")
    registry = registry_of(request)
    history = registry.files.read_history(
        session.subject, actor=session.actor, purpose=N_("portal: own file")
    )
    letters = registry.portal.notices(
        session.subject, actor=session.actor, purpose=N_("portal: own notices")
    )
    state = history.state
    tr = translator_of(request)
    checkpoint, reads = registry.log.reads_of(session.subject)
    context = {
        "reads": reads,
        "checkpoint": checkpoint,
        "log_key": registry.log.key.text(),
        "state": state,
        "restrictions": describe(state, tr),
        "appeals": [(a, appeal_text(a, tr)) for a in reversed(state.appeals)],
        **_erasures(request, history),
        "letters": [(n, other_language(n, registry.language)) for n in reversed(letters)],
    }
    return render(request, "portal.html", context)


def _erasures(request: Request, history: FileHistory) -> dict[str, Any]:
    """The records the subject may ask to erase now, and their requests with the decisions:
    judged from the file the page read (one audited read and one evaluation a view)."""
    tr = translator_of(request)
    state = history.state
    erasable = set(registry_of(request).erasure_requests.erasable(history.file, state))
    records = {a.record.record_id: a for a in state.assessments}
    return {
        "erasable": [a for a in state.assessments if a.record.record_id in erasable],
        "erasures": [
            (c, records.get(c.record_id), erasure_text(c, tr))
            for c in reversed(state.erasure_cases)
        ],
    }


@router.get("/portal/letters/{notice_id}", response_class=HTMLResponse)
def portal_letter(
    request: Request,
    session: Subject,
    notice_id: str,
    language: Annotated[str, Query(max_length=16)] = "",
) -> Response:
    """One of the subject's letters in `language`: as sent, or written in the other language
    from the facts it stated (the read is audited, as the file page's)."""
    registry = registry_of(request)
    letters = registry.portal.notices(
        session.subject, actor=session.actor, purpose=N_("portal: own notices")
    )
    letter = next((n for n in letters if n.notice_id == notice_id), None)
    if letter is None:
        raise NotFound(N_("no letter with this number was sent to you"))
    sent_in = letter.language or registry.language
    wanted = parse_language(language) or sent_in
    shown = in_language(letter, wanted) if wanted is not sent_in else None
    context = {
        "letter": letter,
        "sent_in": sent_in,
        "shown_in": wanted if shown is not None else sent_in,
        "text": shown.text if shown is not None else letter.text,
        "subject_line": shown.subject_line if shown is not None else letter.subject_line,
        "translated": shown is not None,
        "other": other_language(letter, registry.language),
    }
    return render(request, "portal_letter.html", context)


@router.post("/portal/sign-in", dependencies=[Depends(same_origin)])
def portal_sign_in(
    request: Request,
    subject: Annotated[str, Form(max_length=40)] = "",
    access_code: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    registry = registry_of(request)
    if not subject.strip():
        raise InvalidInput("subject", N_("enter your identity number"))
    if not access_code.strip():
        raise InvalidInput("access_code", N_("enter the access code printed on your notice"))
    number = registry.scheme.normalize(subject, field="subject")
    client = client_of(request)
    registry.sign_ins.check(client, number)  # even the right code waits out a limit
    granted = registry.portal.verify_access(number, access_code)
    action = "portal.sign_in" if granted else "portal.sign_in_refused"
    now = registry.clock.now()
    registry.audit.record([AuditEntry(f"subject:{number}", action, number, "portal", now)])
    if not granted:
        registry.sign_ins.failed(client, number, what="portal")
        raise Unauthorized(
            N_("the access code does not match a notice sent to this identity number")
        )
    response = RedirectResponse("/portal", status_code=303)
    sessions_of(request).start_portal(request, response, number, access_code.strip())
    return response


@router.post("/portal/sign-out", dependencies=[Depends(same_origin)])
def portal_sign_out() -> Response:
    response = RedirectResponse("/portal", status_code=303)
    end(response, PORTAL_COOKIE)
    return response


@router.post("/portal/appeals", dependencies=[Depends(same_origin)])
def portal_appeal(
    request: Request,
    session: Subject,
    grounds: Annotated[str, Form(max_length=10_000)] = "",
    record_id: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    registry_of(request).appeals.file_appeal(
        session.subject,
        grounds=grounds,
        actor=session.actor,
        target=record_id or None,
        access_code=session.code,
    )
    return RedirectResponse("/portal#appeals-title", status_code=303)


@router.post("/portal/erasure-requests", dependencies=[Depends(same_origin)])
def portal_erasure_request(
    request: Request,
    session: Subject,
    reason: Annotated[str, Form(max_length=10_000)] = "",
    record_id: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    registry_of(request).erasure_requests.request(
        session.subject,
        record_id=record_id,
        reason=reason,
        actor=session.actor,
        access_code=session.code,
    )
    return RedirectResponse("/portal#erasure-title", status_code=303)


@router.get("/portal/data.json")
def portal_download(request: Request, session: Subject) -> Response:
    """Everything the registry holds about the subject, as JSON; the read is audited."""
    registry = registry_of(request)
    history = registry.files.read_history(
        session.subject, actor=session.actor, purpose=N_("portal: download own data")
    )
    letters = registry.portal.notices(
        session.subject, actor=session.actor, purpose=N_("portal: download own data")
    )
    body: dict[str, Any] = {
        **explain(history.state),
        "events": [
            {
                "seq": e.seq,
                "kind": e.kind.value,
                "on": e.on.isoformat(),
                "record_id": e.record_id,
                "actor": e.actor,
                "data": {k: v for k, v in e.data.items() if k not in HIDDEN_KEYS},
            }
            for e in history.events
        ],
        "notices": [
            {
                "notice_id": n.notice_id,
                "issued_on": n.issued_on.isoformat(),
                "purpose": n.purpose,
                "subject_line": n.subject_line,
                "text": n.text,
                "delivery": n.status.value,
            }
            for n in letters
        ],
    }
    name = f"trustledger-{session.subject}-{history.state.on.isoformat()}.json"
    headers = {**HEADERS, "Content-Disposition": f'attachment; filename="{name}"'}
    return Response(
        orjson.dumps(body, option=orjson.OPT_INDENT_2),
        media_type="application/json",
        headers=headers,
    )
