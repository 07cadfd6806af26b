"""What every page form checks: it was sent from this site (with SameSite=Strict cookies)."""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import Request

from trustledger.domain.errors import Forbidden
from trustledger.domain.texts import N_


def same_origin(request: Request) -> None:
    """Refuse a form posted from another site; browsers send Origin with every POST."""
    origin = request.headers.get("origin")
    if origin is None:
        return  # not a browser form (a test client, curl): the session cookie still decides
    if origin == "null" or urlsplit(origin).netloc != request.headers.get("host"):
        raise Forbidden(N_("this form must be sent from this site's own pages"))


def client_of(request: Request) -> str:
    """The client's address, which failed sign-ins are counted against."""
    return request.client.host if request.client else "unknown"
