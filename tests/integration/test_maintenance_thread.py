"""The server's maintenance (sweep, snapshot, notice outbox) runs on one thread of its own."""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time

import pytest
from anyio import to_thread

from tests.integration.conftest import run_loop
from trustledger.api import app as server
from trustledger.bootstrap import Registry


def test_the_server_sweeps_and_delivers_on_one_thread_of_its_own(
    registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As with checkpoints: an hour's sweep on whichever of anyio's worker threads was free grew
    # another thread's glibc arena each time (issue 17's soak).
    monkeypatch.setattr(server, "DELIVER_SECONDS", 0.005)
    monkeypatch.setattr(server, "SWEEP_EVERY", 2)
    monkeypatch.setattr(registry.settings, "deliver_notices", True)
    ran: list[tuple[str, threading.Thread]] = []
    advance, deliver = registry.sweep.advance, registry.outbox.deliver_pending

    def sweep(*args: object, **kwargs: object) -> object:
        ran.append(("sweep", threading.current_thread()))
        return advance(*args, **kwargs)  # type: ignore[arg-type]

    def outbox(*args: object, **kwargs: object) -> object:
        ran.append(("outbox", threading.current_thread()))
        return deliver(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(registry.sweep, "advance", sweep)
    monkeypatch.setattr(registry.outbox, "deliver_pending", outbox)

    async def serve_a_while() -> None:
        maintaining = asyncio.create_task(server._maintain(registry, registry.check_feed()))
        while sum(1 for what, _ in ran if what == "sweep") < 3:
            await asyncio.gather(*(to_thread.run_sync(time.sleep, 0.005) for _ in range(3)))
        maintaining.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await maintaining

    run_loop(serve_a_while)
    assert {what for what, _ in ran} == {"sweep", "outbox"}
    assert len({t.ident for _, t in ran}) == 1
    assert ran[0][1].name.startswith(server.MAINTENANCE_THREAD)
    assert ran[0][1] is not threading.main_thread()
