"""The policy simulation as one self-contained HTML file: charts drawn by the vendored Chart.js,
inlined so that the file opens offline, each beside a table with the same figures."""

from __future__ import annotations

from dataclasses import dataclass
from importlib.resources import files
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from trustledger.batch.simulation import MIN_GROUP, Simulation

CHART_JS = "static/vendor/chart-4.6.1.umd.min.js"
MODE_NAMES = {
    "air": "Air",
    "rail_standard": "Rail, standard seats",
    "rail_premium": "Rail, premium seats",
}

_env = Environment(
    loader=PackageLoader("trustledger.web", "templates"),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


@dataclass(frozen=True, slots=True)
class ReportContext:
    """What the report says besides the figures: which rulebooks, and the warnings."""

    current_version: str
    proposed_version: str
    proposed_path: str
    warnings: tuple[str, ...]


def summary(simulation: Simulation, context: ReportContext) -> dict[str, Any]:
    """The JSON summary: the simulation's figures (small provinces withheld) and the warnings."""
    return {
        "current_rulebook": context.current_version,
        "proposed_rulebook": context.proposed_version,
        "proposed_path": context.proposed_path,
        "warnings": list(context.warnings),
        **simulation.as_json(min_group=MIN_GROUP),
    }


def render_report(simulation: Simulation, context: ReportContext) -> str:
    data = summary(simulation, context)
    chart_js = files("trustledger.web").joinpath(CHART_JS).read_text(encoding="utf-8")
    mean = simulation.mean_score()
    return _env.get_template("simulation_report.html").render(
        data=data,
        sim=simulation,
        mean=mean,
        modes=MODE_NAMES,
        min_group=MIN_GROUP,
        chart_js=chart_js,
    )
