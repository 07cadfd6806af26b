"""Page sessions: signed HttpOnly SameSite=Strict cookies for staff (a key) and subjects (a code)."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import Request, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy.engine import make_url

from trustledger.domain.errors import Forbidden, Unauthorized
from trustledger.domain.jurisdiction import OPEN, Jurisdiction
from trustledger.domain.texts import N_, Message
from trustledger.secret_files import beside_database, read_or_create
from trustledger.services.access.keys import Principal
from trustledger.settings import Settings
from trustledger.web.wording import ROLE_TEXT

STAFF_COOKIE = "tl_staff"
PORTAL_COOKIE = "tl_portal"
STAFF_SECONDS = 8 * 3600  # a working day
PORTAL_SECONDS = 3600
STAFF_ROLES = ("officer", "auditor")


@dataclass(frozen=True, slots=True)
class StaffSession:
    key_id: str
    name: str
    role: str
    fence: Jurisdiction = OPEN  # the key's, read with it on every page

    @property
    def actor(self) -> str:
        return f"{self.role}:{self.name}"


@dataclass(frozen=True, slots=True)
class PortalSession:
    subject: str
    # The notice's access code, kept to file appeals with: the cookie is signed, HttpOnly, and
    # holds nothing the subject did not type in; it expires with the session.
    code: str

    @property
    def actor(self) -> str:
        return f"subject:{self.subject}"


class Sessions:
    def __init__(self, secret: str, *, key: Callable[[str], Principal]) -> None:
        """`key` gives a session key's principal, raising Unauthorized once it is revoked or
        expired: a staff session ends with its key."""
        self._staff = URLSafeTimedSerializer(secret, salt="trustledger.staff")
        self._portal = URLSafeTimedSerializer(secret, salt="trustledger.portal")
        self._key = key

    def staff(self, request: Request) -> StaffSession | None:
        data = _load(self._staff, request.cookies.get(STAFF_COOKIE), STAFF_SECONDS)
        if data is None:
            return None
        try:
            key = self._key(str(data["k"]))
        except Unauthorized:
            return None
        return StaffSession(str(data["k"]), str(data["n"]), str(data["r"]), key.fence)

    def require_staff(self, request: Request, roles: tuple[str, ...]) -> StaffSession:
        session = self.staff(request)
        if session is None:
            raise Unauthorized(N_("sign in with your key first"))
        if session.role not in roles:
            raise Forbidden(
                Message.of(
                    N_("a %(role)s key may not open this page"), role=role_word(session.role)
                )
            )
        return session

    def portal(self, request: Request) -> PortalSession | None:
        data = _load(self._portal, request.cookies.get(PORTAL_COOKIE), PORTAL_SECONDS)
        if data is None:
            return None
        return PortalSession(str(data["s"]), str(data["c"]))

    def require_portal(self, request: Request) -> PortalSession:
        session = self.portal(request)
        if session is None:
            raise Unauthorized(N_("sign in with your identity number and access code first"))
        return session

    def start_staff(self, request: Request, response: Response, principal: Principal) -> None:
        if principal.role not in STAFF_ROLES:
            raise Forbidden(
                Message.of(
                    N_("key: a %(role)s key cannot sign in here (officers, auditors)"),
                    role=role_word(principal.role),
                )
            )
        value = self._staff.dumps({"k": principal.key_id, "n": principal.name, "r": principal.role})
        _set(request, response, STAFF_COOKIE, value, STAFF_SECONDS)

    def start_portal(self, request: Request, response: Response, subject: str, code: str) -> None:
        value = self._portal.dumps({"s": subject, "c": code})
        _set(request, response, PORTAL_COOKIE, value, PORTAL_SECONDS)


def end(response: Response, cookie: str) -> None:
    response.delete_cookie(cookie, path="/", httponly=True, samesite="strict")


def _load(serializer: URLSafeTimedSerializer, value: str | None, max_age: int) -> Any:
    if not value:
        return None
    try:
        return serializer.loads(value, max_age=max_age)
    except BadSignature:  # also an expired one: the visitor signs in again
        return None


def _set(request: Request, response: Response, name: str, value: str, max_age: int) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path="/",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )


def session_secret(settings: Settings, db_url: str) -> str:
    """TRUSTLEDGER_SECRET, or one generated once into a file every worker and restart reads."""
    if settings.secret:
        return settings.secret
    url = make_url(db_url)
    if url.get_backend_name() == "sqlite" and not url.database:
        return secrets.token_urlsafe(32)  # an in-memory database lives no longer than this
    path = settings.secret_file or beside_database(db_url, ".secret", "trustledger.secret")
    return read_or_create(path, lambda: secrets.token_urlsafe(32))


def role_word(role: str) -> Message:
    """A role as a page names it (the catalog's word); English reads the role's own name."""
    return Message(ROLE_TEXT.get(role, role))
