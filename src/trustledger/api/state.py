"""The app's state, typed: what the app factory wires once, and the one way routes read it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi import Request
from starlette.applications import Starlette
from starlette.datastructures import State

from trustledger.api.check_log import CheckLog
from trustledger.api.drain import Drain
from trustledger.bootstrap import Registry
from trustledger.domain.identity import IdentityScheme
from trustledger.services.checking.check import CheckService
from trustledger.services.checking.feed import CheckFeed
from trustledger.services.checking.replication import ReplicaLag
from trustledger.services.ports import Clock
from trustledger.web.page_state import PageState
from trustledger.web.sessions import Sessions

if TYPE_CHECKING:  # api.auth reads the state through state_of below
    from trustledger.api.auth import Authenticator


class AppState(State):
    """Starlette's `app.state`, with its attributes declared so that every read is typed.

    A subclass of Starlette's State (not a dataclass) because the app holds it as `app.state`;
    the attributes keep the names tests and the pages read. Set once by `create_app`, except
    `index_source` (set when the index has loaded) and `page_sessions` (made on first use).
    """

    registry: Registry
    feed: CheckFeed
    auth: Authenticator
    checks: CheckService
    check_log: CheckLog
    drain: Drain
    lag: ReplicaLag | None  # None on a primary: a replica reports how far its standby is behind
    clock: Clock
    scheme: IdentityScheme
    index_source: str  # "database" or "snapshot": where the check index was loaded from
    page_sessions: Sessions | None

    def __init__(
        self,
        *,
        registry: Registry,
        feed: CheckFeed,
        auth: Authenticator,
        checks: CheckService,
        check_log: CheckLog,
        drain: Drain,
        lag: ReplicaLag | None,
    ) -> None:
        super().__init__()
        self.registry = registry
        self.feed = feed
        self.auth = auth
        self.checks = checks
        self.check_log = check_log
        self.drain = drain
        self.lag = lag
        self.clock = registry.clock
        self.scheme = registry.scheme
        self.index_source = "database"
        self.page_sessions = None


def app_state(app: Starlette) -> AppState:
    """The state `create_app` gave this app (a Starlette app's `state` attribute)."""
    state = app.state
    if not isinstance(state, AppState):
        raise TypeError("not an app made by trustledger.api.app.create_app")
    return state


def state_of(request: Request) -> AppState:
    """The state of the app serving this request."""
    return app_state(request.app)


if TYPE_CHECKING:  # mypy checks the state provides what the pages read of it
    _PAGES: type[PageState] = AppState
