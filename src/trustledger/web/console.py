"""The officer console: sign in with a key, find a subject, read the file with a stated purpose."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from trustledger.domain.errors import InvalidInput
from trustledger.domain.evaluation import SubjectState
from trustledger.domain.events import ErasureOutcome
from trustledger.domain.rulebook import Mode, SeatClass
from trustledger.domain.texts import N_
from trustledger.services.checking.check import CheckAnswer
from trustledger.web.page_state import page_state
from trustledger.web.rendering import PAGES_TAG, registry_of, render, sessions_of
from trustledger.web.requests import client_of, same_origin
from trustledger.web.sessions import STAFF_COOKIE, StaffSession, end

router = APIRouter(tags=[PAGES_TAG])

QUEUE_LIMIT = 50
PURPOSES = (
    N_("appeal review"),
    N_("review case"),
    N_("erasure request"),
    N_("request from the subject"),
    N_("correction request from a source"),
    N_("audit sample"),
)
JOURNEYS = (
    (N_("Flights"), Mode.AIR, SeatClass.STANDARD),
    (N_("Trains, standard seats"), Mode.RAIL, SeatClass.STANDARD),
    (N_("Trains, premium seats"), Mode.RAIL, SeatClass.PREMIUM),
)


def officer(request: Request) -> StaffSession:
    return sessions_of(request).require_staff(request, ("officer",))


Officer = Annotated[StaffSession, Depends(officer)]
Text = Annotated[str, Query(max_length=200)]


@router.get("/", response_class=HTMLResponse)
def console_home(request: Request) -> Response:
    staff = sessions_of(request).staff(request)
    if staff is None:
        return sign_in_page(request, "/")
    if staff.role != "officer":
        return RedirectResponse("/stats", status_code=303)
    context = {"purposes": PURPOSES, **queue(request, staff)}
    return render(request, "console.html", context)


def sign_in_page(request: Request, next_page: str) -> Response:
    context = {
        "heading": N_("Officer sign-in") if next_page == "/" else N_("Statistics sign-in"),
        "intro": N_(
            "Officers decide appeals and review cases; officers and auditors may read the "
            "statistics. Every file you open is recorded with your name and your purpose."
        ),
        "next": next_page,
    }
    return render(request, "sign_in.html", context)


@router.post("/sign-in", dependencies=[Depends(same_origin)])
def sign_in(
    request: Request,
    key: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=40)] = "/",
) -> Response:
    if not key.strip():
        raise InvalidInput("key", N_("enter the key you were given"))
    principal = page_state(request).auth.sign_in(key.strip(), client_of(request), what="console")
    page = next if next in ("/", "/stats") else "/"
    if principal.role == "auditor":
        page = "/stats"
    response = RedirectResponse(page, status_code=303)
    sessions_of(request).start_staff(request, response, principal)
    return response


@router.post("/sign-out", dependencies=[Depends(same_origin)])
def sign_out() -> Response:
    response = RedirectResponse("/", status_code=303)
    end(response, STAFF_COOKIE)
    return response


@router.get("/subjects")
def find_subject(
    request: Request, staff: Officer, number: Text = "", purpose: Text = ""
) -> Response:
    """The search form's target: a valid number and a purpose lead to the file."""
    if not number.strip():
        raise InvalidInput("number", N_("enter the identity number of the person"))
    found = registry_of(request).scheme.normalize(number, field="number")
    if not purpose.strip():
        raise InvalidInput("purpose", N_("say why you open this file (it is recorded)"))
    return RedirectResponse(file_url(found, purpose), status_code=303)


def file_url(number: str, purpose: str) -> str:
    return f"/subjects/{quote(number)}?{urlencode({'purpose': purpose.strip()})}"


@router.get("/subjects/{number}", response_class=HTMLResponse)
def subject_file(request: Request, staff: Officer, number: str, purpose: Text = "") -> Response:
    registry = registry_of(request)
    if not purpose.strip():
        raise InvalidInput("purpose", N_("say why you open this file (it is recorded)"))
    history = registry.files.read_history(
        number, actor=staff.actor, purpose=purpose, fence=staff.fence
    )
    state = history.state
    context = {
        "history": history,
        "state": state,
        "purpose": purpose.strip(),
        "checks": checks(request, state.subject),
        "scores": [
            {"on": p.on.isoformat(), "score": p.score, "band": p.band} for p in history.scores
        ],
        "bands": [{"name": b.name, "min": b.min_score} for b in registry.rulebook.bands],
        **file_extras(request, state, staff, purpose),
    }
    return render(request, "file.html", context)


@router.get("/subjects/{number}/check", response_class=HTMLResponse)
def subject_check(request: Request, staff: Officer, number: str) -> Response:
    """The check answers alone, for the file page to refresh (they change within a second)."""
    found = registry_of(request).scheme.normalize(number)
    return render(request, "_check.html", {"checks": checks(request, found), "number": found})


def checks(request: Request, number: str) -> list[tuple[str, CheckAnswer]]:
    """What a ticketing system is told today, from the same in-memory index it asks."""
    service = page_state(request).checks
    today = registry_of(request).clock.today()
    return [(label, service.check(number, m, c, on=today)) for label, m, c in JOURNEYS]


def queue(request: Request, staff: StaffSession) -> dict[str, Any]:
    """What waits for an officer inside their jurisdiction: appeals by deadline, open review
    cases, erasure requests by deadline, undelivered notices."""
    registry, fence = registry_of(request), staff.fence
    today = registry.clock.today()
    appeals = [
        {
            "appeal": a,
            "overdue": a.deadline < today,
            "url": file_url(a.subject, f"deciding appeal {a.appeal_id}"),
        }
        for a in registry.appeals.list_pending(limit=QUEUE_LIMIT, fence=fence)
    ]
    reviews = [
        {"case": c, "url": file_url(c.subject, f"deciding review case {c.case_id}")}
        for c in registry.reviews.list_open_reviews(limit=QUEUE_LIMIT, fence=fence)
    ]
    erasures = [
        {
            "case": c,
            "overdue": c.deadline < today,
            "url": file_url(c.subject, f"deciding erasure request {c.case_id}"),
        }
        for c in registry.erasure_requests.list_pending(limit=QUEUE_LIMIT, fence=fence)
    ]
    undelivered = [
        {"letter": n, "url": file_url(n.subject, f"undelivered notice {n.notice_id}")}
        for n in registry.outbox.list_undelivered(limit=QUEUE_LIMIT, fence=fence)
    ]
    return {
        "appeals": appeals,
        "reviews": reviews,
        "erasures": erasures,
        "undelivered": undelivered,
    }


def file_extras(
    request: Request, state: SubjectState, staff: StaffSession, purpose: str
) -> dict[str, Any]:
    """The notices with their delivery (a second audited read: the letters themselves)."""
    letters = registry_of(request).portal.notices(state.subject, actor=staff.actor, purpose=purpose)
    return {"notices": letters}


@router.post("/appeals/{appeal_id}/decision", dependencies=[Depends(same_origin)])
def decide_appeal(
    request: Request,
    staff: Officer,
    appeal_id: str,
    outcome: Annotated[str, Form(max_length=20)] = "",
    reasons: Annotated[str, Form(max_length=10_000)] = "",
    ends_on: Annotated[str, Form(max_length=10)] = "",
    purpose: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    if not outcome:
        raise InvalidInput("outcome", "choose upheld, overturned or modified")
    decided = registry_of(request).appeals.decide_appeal(
        appeal_id,
        outcome=outcome,
        reasons=reasons,
        actor=staff.actor,
        fence=staff.fence,
        ends_on=parse_day("ends_on", ends_on),
    )
    return RedirectResponse(file_url(decided.subject, purpose or "appeal decided"), status_code=303)


@router.post("/review-cases/{case_id}/decision", dependencies=[Depends(same_origin)])
def decide_review(
    request: Request,
    staff: Officer,
    case_id: str,
    outcome: Annotated[str, Form(max_length=20)] = "",
    reasons: Annotated[str, Form(max_length=10_000)] = "",
    scopes: Annotated[list[str] | None, Form()] = None,
    days: Annotated[str, Form(max_length=4)] = "",
    purpose: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    if not outcome:
        raise InvalidInput("outcome", "choose no action or restrict")
    if days and not days.isdigit():
        raise InvalidInput("days", "must be a whole number of days")
    decided = registry_of(request).reviews.decide_review(
        case_id,
        outcome=outcome,
        reasons=reasons,
        actor=staff.actor,
        fence=staff.fence,
        scopes=scopes or (),
        days=int(days or 0),
    )
    return RedirectResponse(file_url(decided.subject, purpose or "review decided"), status_code=303)


@router.post("/erasure-requests/{case_id}/decision", dependencies=[Depends(same_origin)])
def decide_erasure(
    request: Request,
    staff: Officer,
    case_id: str,
    outcome: Annotated[str, Form(max_length=20)] = "",
    reasons: Annotated[str, Form(max_length=10_000)] = "",
    purpose: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    if not outcome:
        raise InvalidInput("outcome", N_("choose granted or refused"))
    decided = registry_of(request).erasure_requests.decide(
        case_id, outcome=outcome, reasons=reasons, actor=staff.actor, fence=staff.fence
    )
    if decided.outcome is ErasureOutcome.GRANTED:
        # The record is gone: back to the queue, not to a read of what is left of the file.
        return RedirectResponse("/#erasures-queue", status_code=303)
    return RedirectResponse(
        file_url(decided.subject, purpose or "erasure request decided"), status_code=303
    )


def parse_day(field: str, raw: str) -> date | None:
    if not raw.strip():
        return None
    try:
        return date.fromisoformat(raw.strip())
    except ValueError as exc:
        raise InvalidInput(field, f"{raw!r} is not a date (YYYY-MM-DD)") from exc
