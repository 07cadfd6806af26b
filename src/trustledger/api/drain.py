"""SIGTERM drains the server: requests in flight finish, new ones get a 503, then it exits.

uvicorn alone closes its listening socket at once on SIGTERM, so a load balancer's next request
is refused rather than told to go elsewhere. `Drain` is the outermost ASGI layer: it counts the
HTTP requests in flight, and once `begin` is called it answers every new one (and /healthz) with a
503 problem and Retry-After while those in flight finish; then it hands the signal on to uvicorn,
which stops as before. Event streams end at their next poll (they watch `draining`).
"""

from __future__ import annotations

import asyncio
import signal
import threading
import time
from collections.abc import Callable
from types import FrameType
from typing import Any

import structlog
from starlette.types import ASGIApp, Receive, Scope, Send

from trustledger.api.problems import problem

log = structlog.get_logger()

# The longest a drain waits for requests in flight (a bulk POST) before uvicorn takes over.
DRAIN_SECONDS = 30.0
POLL_SECONDS = 0.02

Handler = Callable[[int, FrameType | None], Any]


class Drain:
    def __init__(self, app: ASGIApp | None = None) -> None:
        self.app = app
        self.in_flight = 0
        self.draining = False
        self._finishing: asyncio.Task[None] | None = None  # held: the loop keeps tasks weakly

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        assert self.app is not None, "Drain wraps the served app (api.app.serving)"
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self.draining:
            response = problem(
                503, "Service unavailable", "the server is shutting down", type_="draining"
            )
            response.headers["Connection"] = "close"
            await response(scope, receive, send)
            return
        self.in_flight += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.in_flight -= 1

    def install(self) -> None:
        """Take SIGTERM over from the server (uvicorn installs its handler before start-up)."""
        if threading.current_thread() is not threading.main_thread():
            return  # an in-process test client: no signals to take
        loop = asyncio.get_running_loop()
        previous = signal.getsignal(signal.SIGTERM)

        def on_term(sig: int, frame: FrameType | None) -> None:
            if self.draining or not callable(previous):  # a second SIGTERM: stop now
                signal.signal(signal.SIGTERM, previous)
                if callable(previous):
                    previous(sig, frame)
                else:
                    signal.raise_signal(sig)
                return
            self.draining = True
            log.info("server.draining", in_flight=self.in_flight)
            loop.call_soon_threadsafe(self._start_finish, loop, previous, sig)

        signal.signal(signal.SIGTERM, on_term)

    def _start_finish(self, loop: asyncio.AbstractEventLoop, previous: Handler, sig: int) -> None:
        self._finishing = loop.create_task(self._finish(previous, sig))

    async def _finish(self, previous: Handler, sig: int) -> None:
        deadline = time.monotonic() + DRAIN_SECONDS
        while self.in_flight and time.monotonic() < deadline:
            await asyncio.sleep(POLL_SECONDS)
        log.info("server.drained", in_flight=self.in_flight)
        previous(sig, None)
