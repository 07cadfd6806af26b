"""The policy simulation as one self-contained HTML file: charts drawn by the vendored Chart.js,
inlined so that the file opens offline, each beside a table with the same figures."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from trustledger.batch.retroactivity import RetroactiveChange
from trustledger.batch.simulation import MIN_GROUP, Simulation
from trustledger.domain.texts import N_, Language
from trustledger.i18n.catalogs import Translator, translator

CHART_JS = "static/vendor/chart-4.6.1.umd.min.js"
# Each mode of travel as the report and the terminal table name it, in the reader's language.
MODE_WORDS = {
    "air": N_("Air"),
    "rail_standard": N_("Rail, standard seats"),
    "rail_premium": N_("Rail, premium seats"),
}
# What the charts' legends say.
_CHART_WORDS = {
    "newly": N_("Newly restricted"),
    "released": N_("Released"),
    "now": N_("In force"),
    "proposed": N_("Proposed"),
    "opened": N_("Review cases opened"),
    "unknown": N_("unknown"),
}
_AT_ONCE = N_("%(code)s: %(changes)s would apply at once to every score")
_JUDGED_ANEW = N_("%(code)s: conduct from %(first)s to %(last)s would be judged anew: %(changes)s")


@cache
def _env(language: Language) -> Environment:
    tr = translator(language)
    env = Environment(
        loader=PackageLoader("trustledger.web", "templates"),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_callables(tr.gettext, tr.ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.filters["day"] = tr.day
    env.filters["number"] = tr.number
    return env


@dataclass(frozen=True, slots=True)
class ReportContext:
    """What the report says besides the figures: which rulebooks, and the warnings."""

    current_version: str
    proposed_version: str
    proposed_path: str
    warnings: tuple[str, ...]
    # The same warnings as found, for the report to write in its language (else `warnings` as given).
    changes: tuple[RetroactiveChange, ...] = ()


def summary(simulation: Simulation, context: ReportContext) -> dict[str, Any]:
    """The JSON summary: the simulation's figures (small provinces withheld) and the warnings."""
    return {
        "current_rulebook": context.current_version,
        "proposed_rulebook": context.proposed_version,
        "proposed_path": context.proposed_path,
        "warnings": list(context.warnings),
        **simulation.as_json(min_group=MIN_GROUP),
    }


def render_report(
    simulation: Simulation, context: ReportContext, *, language: Language = Language.EN
) -> str:
    """The report in `language`; its embedded JSON summary is the same in every language."""
    data = summary(simulation, context)
    chart_js = files("trustledger.web").joinpath(CHART_JS).read_text(encoding="utf-8")
    mean = simulation.mean_score()
    tr = translator(language)
    warnings = [warning_text(c, tr) for c in context.changes] or list(context.warnings)
    return (
        _env(language)
        .get_template("simulation_report.html")
        .render(
            data=data,
            sim=simulation,
            mean=mean,
            modes={m: tr.gettext(word) for m, word in MODE_WORDS.items()},
            chart_words={k: tr.gettext(word) for k, word in _CHART_WORDS.items()},
            warnings=warnings,
            min_group=MIN_GROUP,
            chart_js=chart_js,
            lang=language.value,
        )
    )


def warning_text(change: RetroactiveChange, tr: Translator) -> str:
    """A retroactive change as the report's reader reads it (the terms keep the rulebook's keys)."""
    changes = tr.gettext("; ").join(tr.gettext(c) for c in change.changes)
    if change.first is None or change.last is None:
        return tr.gettext(_AT_ONCE) % {"code": change.code, "changes": changes}
    return tr.gettext(_JUDGED_ANEW) % {
        "code": change.code,
        "first": tr.day(change.first),
        "last": tr.day(change.last),
        "changes": changes,
    }
