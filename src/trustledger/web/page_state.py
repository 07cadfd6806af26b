"""What the pages read of the app's state, typed (api.state.AppState provides it)."""

from __future__ import annotations

from typing import Protocol

from fastapi import Request

from trustledger.bootstrap import Registry
from trustledger.services.access.keys import Principal
from trustledger.services.checking.check import CheckService
from trustledger.web.sessions import Sessions


class StaffKeys(Protocol):
    """The API's authenticator as the console uses it: it counts failed sign-ins."""

    def sign_in(self, secret: str, client: str, *, what: str) -> Principal: ...

    def session_key(self, key_id: str) -> Principal: ...


class PageState(Protocol):
    # Read-only, so the app's state may hold more specific types; web sits below api and
    # cannot import api.state's AppState itself.
    @property
    def registry(self) -> Registry: ...

    @property
    def checks(self) -> CheckService: ...

    @property
    def auth(self) -> StaffKeys: ...

    page_sessions: Sessions | None  # made on first use by rendering.sessions_of


def page_state(request: Request) -> PageState:
    """The state of the app serving this page."""
    state: PageState = request.app.state
    return state
