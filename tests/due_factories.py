"""Due-process services over the in-memory store, a recording mailer, and a review rulebook."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date

from tests.factories import SettableClock, rulebook
from tests.fakes import FakeStore
from trustledger.delivery.letters import JinjaLetters
from trustledger.domain.errors import DeliveryFailed
from trustledger.domain.identity import scheme_named
from trustledger.domain.records import Event, EventKind
from trustledger.domain.rulebook import RestrictionSpec, Rulebook, Scope
from trustledger.domain.submissions import Source
from trustledger.domain.texts import Language, LocalizedText
from trustledger.services.due_process.appeals import Appeals
from trustledger.services.due_process.fulfilment import Fulfilments
from trustledger.services.due_process.letters import Letter, NoticeLetters
from trustledger.services.due_process.outbox import Outbox
from trustledger.services.due_process.reviews import Reviews
from trustledger.services.due_process.state import Evaluator
from trustledger.services.due_process.sweep import Sweep
from trustledger.services.intake.corrections import Corrections
from trustledger.services.intake.records import Intake
from trustledger.services.reading.portal import Portal

COURT = Source("court_7", ("court.*", "social_insurance.*"))
RAIL = Source("rail_bureau", ("rail.*",))
APPEAL_URL = "https://registry.example/portal"


def review_rulebook() -> Rulebook:
    """The test rulebook with unpaid contributions worth -200 and no restriction of their own:
    a second finding takes the score below the review threshold (700)."""
    base = rulebook()
    rules = tuple(
        replace(r, points=-200) if r.code == "social_insurance.unpaid" else r for r in base.rules
    )
    return replace(base, rules=rules)


def threat_rulebook() -> Rulebook:
    """The test rulebook plus `rail.threat` (trains and flights for 365 days: more adverse than
    smoking) and `rail.warning` (points, no restriction: less adverse)."""
    base = rulebook()
    smoking = next(r for r in base.rules if r.code == "rail.smoking")
    threat = replace(
        smoking,
        code="rail.threat",
        title=LocalizedText.of({"zh-Hans": "在列车上虚假威胁", "en": "A false threat on a train"}),
        points=-150,
        restriction=RestrictionSpec(
            frozenset({Scope.RAIL, Scope.AIR}), 365, cross_context_basis="Test basis, art. 9"
        ),
    )
    warning = replace(
        smoking,
        code="rail.warning",
        title=LocalizedText.of({"zh-Hans": "警告", "en": "A warning"}),
        points=-10,
        restriction=None,
    )
    return replace(base, rules=(*base.rules, threat, warning))


@dataclass
class Due:
    store: FakeStore
    clock: SettableClock
    intake: Intake
    appeals: Appeals
    fulfilment: Fulfilments
    corrections: Corrections
    reviews: Reviews
    sweep: Sweep
    outbox: Outbox
    portal: Portal

    def events(self, kind: EventKind | None = None) -> list[Event]:
        return [e for e in self.store.memory.events if kind is None or e.kind is kind]

    def state(self, subject: str) -> object:
        return self.store.memory.derived[subject].state


def due(
    book: Rulebook | None = None,
    *,
    clock: SettableClock | None = None,
    language: Language = Language.EN,
) -> Due:
    store, clock = FakeStore(), clock or SettableClock()
    book = book or rulebook()
    scheme = scheme_named("cn-ric")
    letters = NoticeLetters(JinjaLetters(), appeal_url=APPEAL_URL, language=language)
    evaluator = Evaluator(book, scheme, letters)
    return Due(
        store=store,
        clock=clock,
        intake=Intake(store, evaluator=evaluator, clock=clock),
        appeals=Appeals(store, evaluator=evaluator, scheme=scheme, clock=clock),
        fulfilment=Fulfilments(store, evaluator=evaluator, clock=clock),
        corrections=Corrections(store, evaluator=evaluator, clock=clock),
        reviews=Reviews(store, evaluator=evaluator, rulebook=book, clock=clock),
        sweep=Sweep(store, evaluator=evaluator, clock=clock),
        outbox=Outbox(store, clock=clock),
        portal=Portal(store, scheme=scheme, clock=clock),
    )


@dataclass
class RecordingMailer:
    """Accepts every letter, or fails the first `failures` attempts."""

    failures: int = 0
    sent: list[tuple[str, str, str]] = field(default_factory=list)  # to, subject line, text
    attempts: int = 0

    def send(self, to: str, letter: Letter) -> None:
        self.attempts += 1
        if self.attempts <= self.failures:
            raise DeliveryFailed(f"refused attempt {self.attempts}")
        self.sent.append((to, letter.subject_line, letter.text))


def days_after(day: date, n: int) -> date:
    return date.fromordinal(day.toordinal() + n)
