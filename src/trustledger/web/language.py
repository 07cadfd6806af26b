"""The language switch on every page: the reader's choice, kept in a cookie for a year."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form
from fastapi.responses import RedirectResponse, Response

from trustledger.domain.errors import InvalidInput
from trustledger.domain.texts import LANGUAGES
from trustledger.i18n.negotiation import parse_language
from trustledger.web.rendering import LANGUAGE_COOKIE, PAGES_TAG
from trustledger.web.requests import same_origin

router = APIRouter(tags=[PAGES_TAG])
YEAR_SECONDS = 365 * 24 * 3600


@router.post("/language", dependencies=[Depends(same_origin)])
def choose(
    language: Annotated[str, Form(max_length=20)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    chosen = parse_language(language)
    if chosen is None:
        tags = ", ".join(lang.value for lang in LANGUAGES)
        raise InvalidInput("language", f"must be one of {tags}, not {language!r}")
    # Back to the page the switch was on: a path of this site only, never another site.
    local = next.startswith("/") and not next.startswith("//") and "\\" not in next
    page = next if local else "/"
    response = RedirectResponse(page, status_code=303)
    response.set_cookie(
        LANGUAGE_COOKIE, chosen.value, max_age=YEAR_SECONDS, samesite="lax", httponly=True
    )
    return response
