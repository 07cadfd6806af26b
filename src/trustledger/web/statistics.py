"""The statistics page for officials: aggregates only, refreshed while it is open."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from trustledger.bootstrap import Registry
from trustledger.i18n.catalogs import Translator
from trustledger.services.reading.stats import REVIEW_TITLE, SUPPRESS_BELOW, Figure, Stats
from trustledger.web.console import sign_in_page
from trustledger.web.rendering import PAGES_TAG, registry_of, render, sessions_of, translator_of

router = APIRouter(tags=[PAGES_TAG])
Days = Annotated[int, Query(ge=1, le=366)]
Per = Annotated[str, Query(max_length=8)]
WINDOWS = (7, 30, 90, 365)


@router.get("/stats", response_class=HTMLResponse)
def stats_page(request: Request, days: Days = 30, per: Per = "day") -> Response:
    sessions = sessions_of(request)
    if sessions.staff(request) is None:
        return sign_in_page(request, "/stats")
    sessions.require_staff(request, ("officer", "auditor"))
    return render(request, "stats.html", _context(request, days, per))


@router.get("/stats/figures", response_class=HTMLResponse)
def stats_figures(request: Request, days: Days = 30, per: Per = "day") -> Response:
    """The figures alone, for the page to refresh in place."""
    sessions_of(request).require_staff(request, ("officer", "auditor"))
    return render(request, "_stats_body.html", _context(request, days, per))


def _context(request: Request, days: int, per: str) -> dict[str, Any]:
    registry = registry_of(request)
    stats = localized(registry.stats.snapshot(days=days, per=per), translator_of(request), registry)
    return {
        "stats": stats,
        "days": days,
        "per": stats.per,
        "windows": WINDOWS,
        "charts": charts(stats, translator_of(request)),
        "threshold": SUPPRESS_BELOW,
    }


def localized(stats: Stats, tr: Translator, registry: Registry) -> Stats:
    """The figures with their labels in the reader's language (the API keeps the English ones)."""
    titles = {rule.code: rule.title for rule in registry.rulebook.rules}

    def rule_label(f: Figure) -> str:
        if f.key in titles:
            return f"{tr.text(titles[f.key])} ({f.key})"
        return tr.gettext(REVIEW_TITLE) if f.key == "review" else f.label

    def relabel(figures: tuple[Figure, ...]) -> tuple[Figure, ...]:
        return tuple(replace(f, label=tr.gettext(f.label)) for f in figures)

    return replace(
        stats,
        by_mode=relabel(stats.by_mode),
        by_rule=tuple(replace(f, label=rule_label(f)) for f in stats.by_rule),
        appeals=relabel(stats.appeals),
        decision_times=relabel(stats.decision_times),
    )


def charts(stats: Stats, tr: Translator) -> dict[str, Any]:
    """What the charts draw: counts, with suppressed groups as gaps (None), never their size."""

    def bars(figures: tuple[Figure, ...], *, by_key: bool = False) -> dict[str, Any]:
        return {
            "labels": [f.key if by_key else f.label for f in figures],
            "values": [f.count for f in figures],
            "shown": [f.shown for f in figures],
            "words": {"count": tr.gettext("Count")},
        }

    return {
        "mode": bars(stats.by_mode),
        "rule": bars(stats.by_rule, by_key=True),  # rule codes: the titles are in the table
        "province": bars(stats.by_province),
        "appeals": bars(stats.appeals),
        "decisions": bars(stats.decision_times),
        "days": {
            "labels": [d.day.isoformat() for d in stats.per_day],
            "started": [d.started.count for d in stats.per_day],
            "ended": [d.ended.count for d in stats.per_day],
            "words": {"started": tr.gettext("Took effect"), "ended": tr.gettext("Ended")},
        },
    }
