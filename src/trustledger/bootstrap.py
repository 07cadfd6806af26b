"""The one place that wires the store's adapters to the services."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from functools import cached_property

from trustledger.checks import CheckIndex
from trustledger.delivery.letters import JinjaLetters
from trustledger.delivery.smtp import SmtpMailer
from trustledger.domain.identity import IdentityScheme, scheme_named
from trustledger.domain.rulebook import Rulebook
from trustledger.domain.texts import Language
from trustledger.services.access.keys import Keys
from trustledger.services.access.sign_ins import SignInGuard
from trustledger.services.audit.chain import Audit
from trustledger.services.audit.transparency import TransparencyLog
from trustledger.services.checking.check import StoredCheck
from trustledger.services.checking.feed import CheckFeed
from trustledger.services.due_process.appeals import Appeals
from trustledger.services.due_process.fulfilment import Fulfilments
from trustledger.services.due_process.letters import NoticeLetters
from trustledger.services.due_process.outbox import Outbox
from trustledger.services.due_process.reviews import Reviews
from trustledger.services.due_process.state import Evaluator
from trustledger.services.due_process.sweep import Sweep
from trustledger.services.intake.corrections import Corrections
from trustledger.services.intake.history import History
from trustledger.services.intake.imports import Importer
from trustledger.services.intake.records import Intake
from trustledger.services.intake.write_queue import WriteQueue
from trustledger.services.ports import Clock
from trustledger.services.reading.export import Export
from trustledger.services.reading.files import SubjectFiles
from trustledger.services.reading.portal import Portal
from trustledger.services.reading.recompute import Recompute
from trustledger.services.reading.stats import Statistics
from trustledger.services.retention.erasure import Erasures
from trustledger.services.retention.requests import ErasureRequests
from trustledger.settings import Settings
from trustledger.store.attempts import LimitsCounter
from trustledger.store.data_keys import Keyring
from trustledger.store.engine import create_store_engine, purge_wal
from trustledger.store.log_key import load_signer
from trustledger.store.master_key import load_keyring
from trustledger.store.schema import Progress, migrate
from trustledger.store.standby import SqlStandbyProbe
from trustledger.store.statistics import SqlStatistics
from trustledger.store.unit_of_work import SqlUnitOfWorkFactory


class SystemClock:
    def today(self) -> date:
        return date.today()

    def now(self) -> datetime:
        return datetime.now(UTC).replace(tzinfo=None)


def load_configured_rulebook(settings: Settings) -> Rulebook:
    """The rulebook TRUSTLEDGER_RULEBOOK names, or the default one shipped with the package."""
    from trustledger.rulebook import load_rulebook

    loaded: Rulebook = load_rulebook(settings.rulebook)
    return loaded


class Registry:
    """The services over one database; the rulebook is loaded only by the services that need it."""

    def __init__(
        self,
        db_url: str | None = None,
        *,
        rulebook: Rulebook | None = None,
        scheme: IdentityScheme | None = None,
        clock: Clock | None = None,
        language: Language | None = None,
    ) -> None:
        self.settings = Settings()
        self.db_url = db_url or self.settings.db
        self.engine = create_store_engine(self.db_url)
        self.uow = SqlUnitOfWorkFactory(
            self.engine, keyring=lambda: self.keyring, letters=JinjaLetters()
        )
        self.clock: Clock = clock or SystemClock()
        # Dated by the registry's clock, so a birth date after today is refused on every path.
        self.scheme = (scheme or scheme_named(self.settings.identity_scheme)).dated(
            self.clock.today
        )
        self.language = language or self.settings.deployment_language(self.scheme.name)
        if rulebook is not None:
            self.__dict__["rulebook"] = rulebook
        # The feeds `writes` polls after each commit: replaced whole, never changed in place, so
        # the writer thread polls those registered when its poll began.
        self._following: tuple[CheckFeed, ...] = ()
        self._following_changed = threading.Lock()

    @cached_property
    def keyring(self) -> Keyring:
        """The keys of personal data, read (or made, except on a replica) on first use."""
        return load_keyring(self.settings, self.db_url, create=not self.settings.replica)

    @cached_property
    def rulebook(self) -> Rulebook:
        return load_configured_rulebook(self.settings)

    def migrate(self, *, progress: Progress | None = None) -> str:
        """Bring the schema to head; a migration that seals personal data uses this keyring."""
        return migrate(self.engine, keyring=lambda: self.keyring, progress=progress)

    @cached_property
    def letters(self) -> NoticeLetters:
        return NoticeLetters(
            JinjaLetters(),
            appeal_url=self.settings.appeal_url,
            language=self.language,
            template_version=JinjaLetters.version,
        )

    @cached_property
    def evaluator(self) -> Evaluator:
        return Evaluator(self.rulebook, self.scheme, self.letters)

    @cached_property
    def intake(self) -> Intake:
        return Intake(self.uow, evaluator=self.evaluator, clock=self.clock)

    @cached_property
    def writes(self) -> WriteQueue:
        """Single-record submissions grouped into shared commits (the server's path). After each
        group's commit, before any of its writes is answered, every feed that follows the writes
        polls once, whichever path queued them (the lean write layer, the FastAPI route)."""
        queue = WriteQueue(self.uow, intake=self.intake, clock=self.clock)
        queue.after_commit(self._poll_following)
        return queue

    @contextmanager
    def follow_writes(self, feed: CheckFeed) -> Iterator[None]:
        """While entered, have `feed` (a server's check index) take each group `writes` commits
        before its requests are answered (invariant 8); polled no more once left (the app's
        lifespan enters it while serving). Registering makes no queue: that loads the rulebook,
        which a server that takes no writes never needs."""
        with self._following_changed:
            self._following = (*self._following, feed)
        try:
            yield
        finally:
            with self._following_changed:
                kept = list(self._following)
                kept.remove(feed)  # this registration only: the feed may be entered twice
                self._following = tuple(kept)

    def _poll_following(self) -> None:
        for feed in self._following:
            feed.poll_after_write()

    @cached_property
    def appeals(self) -> Appeals:
        return Appeals(self.uow, evaluator=self.evaluator, scheme=self.scheme, clock=self.clock)

    @cached_property
    def fulfilment(self) -> Fulfilments:
        return Fulfilments(self.uow, evaluator=self.evaluator, clock=self.clock)

    @cached_property
    def corrections(self) -> Corrections:
        return Corrections(self.uow, evaluator=self.evaluator, clock=self.clock)

    @cached_property
    def reviews(self) -> Reviews:
        return Reviews(self.uow, evaluator=self.evaluator, rulebook=self.rulebook, clock=self.clock)

    @cached_property
    def sweep(self) -> Sweep:
        return Sweep(self.uow, evaluator=self.evaluator, clock=self.clock, erasure=self.erasures)

    @cached_property
    def erasures(self) -> Erasures:
        return Erasures(
            self.uow,
            evaluator=self.evaluator,
            clock=self.clock,
            purge=lambda: purge_wal(self.engine),
        )

    @cached_property
    def erasure_requests(self) -> ErasureRequests:
        return ErasureRequests(
            self.uow,
            evaluator=self.evaluator,
            erasures=self.erasures,
            scheme=self.scheme,
            clock=self.clock,
        )

    @cached_property
    def outbox(self) -> Outbox:
        return Outbox(self.uow, clock=self.clock)

    @cached_property
    def portal(self) -> Portal:
        return Portal(self.uow, scheme=self.scheme, clock=self.clock)

    def mailer(self) -> SmtpMailer:
        """The SMTP mailer the settings name, for `outbox.deliver_pending`."""
        s = self.settings
        return SmtpMailer(s.smtp_host, s.smtp_port, sender=s.smtp_sender)

    @cached_property
    def imports(self) -> Importer:
        return Importer(
            self.uow, intake=self.intake, clock=self.clock, corrections=self.corrections
        )

    @cached_property
    def history(self) -> History:
        return History(self.uow, intake=self.intake, clock=self.clock)

    @cached_property
    def exports(self) -> Export:
        return Export(self.uow, clock=self.clock)

    @cached_property
    def recompute(self) -> Recompute:
        return Recompute(self.uow, evaluator=self.evaluator, clock=self.clock)

    @cached_property
    def files(self) -> SubjectFiles:
        return SubjectFiles(self.uow, evaluator=self.evaluator, clock=self.clock)

    @cached_property
    def keys(self) -> Keys:
        return Keys(self.uow, clock=self.clock, touch=not self.settings.replica)

    @cached_property
    def sign_ins(self) -> SignInGuard:
        counter = LimitsCounter(self.settings.redis, prefix=self.settings.redis_prefix)
        return SignInGuard(counter, audit=self.audit, clock=self.clock)

    @cached_property
    def stats(self) -> Statistics:
        return Statistics(
            SqlStatistics(self.engine),
            rulebook=self.rulebook,
            scheme_name=self.scheme.name,
            clock=self.clock,
        )

    @cached_property
    def audit(self) -> Audit:
        return Audit(self.uow)

    def check_feed(self) -> CheckFeed:
        """A check index over this database, empty until loaded, kept current by polling."""
        return CheckFeed(self.uow, CheckIndex.from_columns, scheme=self.scheme, clock=self.clock)

    @cached_property
    def standby(self) -> SqlStandbyProbe:
        """What the database says of its replication (a replica reports it as its lag)."""
        return SqlStandbyProbe(self.engine)

    @cached_property
    def log(self) -> TransparencyLog:
        """The transparency log; its signing key is read (or made, except on a replica) on first
        use."""
        signer = load_signer(self.settings, self.db_url, create=not self.settings.replica)
        return TransparencyLog(self.uow, signer=signer, clock=self.clock)

    @cached_property
    def stored_checks(self) -> StoredCheck:
        """Checks answered from the stored restrictions (the CLI's; servers use the index)."""
        return StoredCheck(
            self.uow, self.audit, self.scheme, clock=self.clock, appeal=self.settings.appeal_url
        )

    def close(self) -> None:
        self.engine.dispose()


def open_registry(
    db_url: str | None = None,
    *,
    rulebook: Rulebook | None = None,
    scheme: IdentityScheme | None = None,
    clock: Clock | None = None,
    language: Language | None = None,
) -> Registry:
    return Registry(db_url, rulebook=rulebook, scheme=scheme, clock=clock, language=language)
