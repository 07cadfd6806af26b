"""The FastAPI application: wiring of routes, auth, problem+json, the check index and its feed."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import sys
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager

import structlog
from anyio import to_thread
from fastapi import FastAPI

from trustledger import __version__
from trustledger.api import (
    routes_admin,
    routes_checks,
    routes_corrections,
    routes_due,
    routes_erasure,
    routes_events,
    routes_log,
    routes_records,
    routes_subjects,
)
from trustledger.api.auth import Authenticator
from trustledger.api.check_log import AuditSink, CheckLog
from trustledger.api.check_route import CheckFastPath
from trustledger.api.drain import Drain
from trustledger.api.headers import SecurityHeaders
from trustledger.api.index_start import save_index, start_index
from trustledger.api.limits import BodyLimit
from trustledger.api.problems import install_problem_handlers
from trustledger.api.record_route import RecordFastPath
from trustledger.api.replica import LoggedDenials, ReadOnly
from trustledger.api.state import AppState, app_state
from trustledger.bootstrap import Registry, open_registry
from trustledger.services.checking.check import CheckService
from trustledger.services.checking.feed import CheckFeed
from trustledger.services.checking.replication import ReplicaLag
from trustledger.web import pages

log = structlog.get_logger()

# Another worker's write reaches this one's index within this interval plus a query (invariant 8).
FOLLOW_SECONDS = 0.25
DELIVER_SECONDS = 60.0
SWEEP_EVERY = 60  # ticks of DELIVER_SECONDS: an hour
SWITCH_SECONDS = 0.001
CHECKPOINT_THREAD = "tlog-checkpoint"
MAINTENANCE_THREAD = "maintenance"

DESCRIPTION = """
Adjudicated conduct records, a published rulebook, and the real-time travel check.

Every adverse decision has a legal basis, a private prior notice, an appeal decided by a person
and an end date. Authenticate with `Authorization: Bearer <key>`; keys have one role: source,
checker, officer, auditor or subject. Errors are RFC 9457 `application/problem+json` naming the
field and the reason.
"""


async def _follow(feed: CheckFeed, auth: Authenticator, lag: ReplicaLag | None) -> None:
    """The event log into the check index, the key change log into the key cache."""
    while True:
        await asyncio.sleep(FOLLOW_SECONDS)
        try:
            if lag is None:
                await to_thread.run_sync(feed.poll)
            else:  # a replica also notes whether the standby it reads was current
                await to_thread.run_sync(lag.observe, feed)
            await to_thread.run_sync(auth.follow)
        except Exception:  # a passing database error must not stop the index from following
            log.exception("check_feed.poll_failed")


class OwnThread:
    """Runs background work, one call at a time, on a thread of its own.

    Logging a minute of writes (a checkpoint) or an hour's sweep holds megabytes at its peak,
    which glibc keeps for reuse in the arena of the thread that allocated it: on whichever of
    anyio's worker threads was free, each run grew another thread's arena (~9 MB a minute under
    bench/soak.py's mix, issue 17); on one thread, the next run reuses it."""

    def __init__(self, name: str) -> None:
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)

    async def run(self, fn: Callable[..., object], *args: object) -> None:
        made = asyncio.get_running_loop().run_in_executor(self.pool, fn, *args)
        try:
            await asyncio.shield(made)
        except asyncio.CancelledError:
            await asyncio.wait([made])  # one under way finishes, as to_thread's would
            raise

    def __enter__(self) -> OwnThread:
        return self

    def __exit__(self, *exc: object) -> None:
        self.pool.shutdown(wait=False)


async def _sign_checkpoints(registry: Registry) -> None:
    """A signed checkpoint now (making the key file on first start), then at least every
    `checkpoint_seconds` (invariant 10), even when nothing was written; on a thread of its own."""
    with OwnThread(CHECKPOINT_THREAD) as one:
        while True:
            try:
                await one.run(lambda: registry.log.checkpoint(fresh=True))
            except Exception:  # a passing database error must not stop the log: the next retries
                log.exception("transparency_log.checkpoint_failed")
            await asyncio.sleep(registry.settings.checkpoint_seconds)


async def _maintain(registry: Registry, feed: CheckFeed) -> None:
    """The daily sweep (hourly: it is idempotent), which also erases what reached the end of its
    retention, with the index's snapshot after it, if one is configured, and the notice outbox
    (every minute); on a thread of its own, as the checkpoints are."""
    tick = 0
    snapshot = registry.settings.snapshot
    with OwnThread(MAINTENANCE_THREAD) as one:
        while True:
            try:
                if tick % SWEEP_EVERY == 0:
                    await one.run(registry.sweep.advance)
                    if snapshot is not None:
                        await one.run(save_index, feed, snapshot)
                if registry.settings.deliver_notices:
                    await one.run(registry.outbox.deliver_pending, registry.mailer())
            except Exception:  # a passing error must not stop due process; the next tick retries
                log.exception("maintenance.failed")
            tick += 1
            await asyncio.sleep(DELIVER_SECONDS)


def create_app(registry: Registry, *, follow: bool = True) -> FastAPI:
    feed = registry.check_feed()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # The load allocates a tuple per stored row and no cycles: the collector's passes over
        # them took ~40% of it, so it waits until the load is done.
        gc.disable()
        try:
            source = await to_thread.run_sync(start_index, feed, registry.settings.snapshot)
        finally:
            gc.enable()
        state.index_source = source
        log.info("check_index.loaded", restrictions=feed.loaded, seq=feed.seq, source=source)
        await to_thread.run_sync(auth.start)
        # Loading leaves millions of long-lived objects; frozen, the collector skips them on
        # every later pass instead of rescanning them while checks are served.
        gc.collect()
        gc.freeze()
        # The check-log thread hashes and writes denials in pure Python; a check that released
        # the interpreter for numpy waits up to this long to get it back (the default is 5 ms).
        sys.setswitchinterval(SWITCH_SECONDS)
        check_log.start()
        drain.install()
        tasks = [asyncio.create_task(_follow(feed, auth, lag))] if follow else []
        if follow and not replica:  # due process writes: the primary's servers run it
            tasks.append(asyncio.create_task(_maintain(registry, feed)))
            # The log's checkpoints are writes too: the primary's servers sign them.
            tasks.append(asyncio.create_task(_sign_checkpoints(registry)))
        try:
            # A group-committed write is in the index when answered, while this app serves: an
            # app shut down (an in-process test's) leaves the registry's write queue alone.
            with registry.follow_writes(feed):
                yield
        finally:
            for task in tasks:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            check_log.stop()

    app = FastAPI(
        title="trustledger",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    replica = registry.settings.replica
    lag = ReplicaLag(registry.standby, registry.clock) if replica else None
    denials = _denials_audit(registry)
    check_log = CheckLog(denials, registry.clock)
    drain = Drain()
    # A replica writes nothing: its sign-in refusals are audited where its denials are.
    limits = registry.sign_ins.auditing_to(denials) if replica else registry.sign_ins
    auth = Authenticator(registry.keys, clock=registry.clock, limits=limits)
    state = AppState(
        registry=registry,
        feed=feed,
        auth=auth,
        checks=CheckService(feed.index, registry.scheme, appeal=registry.settings.appeal_url),
        check_log=check_log,
        drain=drain,
        lag=lag,
    )
    app.state = state
    install_problem_handlers(app)
    for module in (
        routes_admin,
        routes_records,
        routes_checks,
        routes_subjects,
        routes_due,
        routes_erasure,
        routes_corrections,
        routes_events,
        routes_log,
    ):
        app.include_router(module.router)
    app.include_router(pages.router)
    app.openapi = routes_checks.documented(app)  # type: ignore[method-assign]
    app.add_middleware(BodyLimit)
    app.add_middleware(SecurityHeaders)
    return app


def serving(app: FastAPI) -> Drain:
    """The app as served: /v1/check is answered before FastAPI's middleware and routing (GET
    always, POST in BatchCheckIn's form), and so is a POST /v1/records of one record in
    RecordIn's form; everything else reaches them; all of it behind the SIGTERM drain."""
    state = app_state(app)
    fast = CheckFastPath(app, then=RecordFastPath(app, state=state))
    state.drain.app = ReadOnly(fast) if state.lag is not None else fast
    return state.drain


def _denials_audit(registry: Registry) -> AuditSink:
    """Where check denials are audited: this registry, or for a replica the primary (or log)."""
    settings = registry.settings
    if not settings.replica:
        return registry.audit
    if settings.primary:
        return open_registry(settings.primary).audit
    return LoggedDenials()


def app_from_environment() -> Drain:
    """The factory uvicorn's workers call: the database from TRUSTLEDGER_DB."""
    return serving(create_app(open_registry()))
