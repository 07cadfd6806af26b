"""`simulate`'s tables on the terminal, in the deployment's language (or `--language`)."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from trustledger.batch.simulation import MIN_GROUP, Simulation
from trustledger.domain.rulebook import Rulebook
from trustledger.domain.texts import N_
from trustledger.i18n.catalogs import Translator
from trustledger.web.report import MODE_WORDS

# Column heads, lower-case as a terminal table has them.
_RESTRICTED = (N_("restricted"), N_("now"), N_("proposed"), N_("newly"), N_("released"))
_BANDS = (N_("band"), N_("now"), N_("proposed"), N_("change"))
_PROVINCES = (
    N_("province"),
    N_("people"),
    N_("newly restricted"),
    N_("released"),
    N_("review cases"),
)


def print_tables(
    out: Console, result: Simulation, current: Rulebook, proposed: Rulebook, tr: Translator
) -> None:
    """The headline, people restricted by mode and rule, bands, provinces, the scores' summary."""
    n = tr.number
    headline = tr.gettext(
        N_(
            "Rulebook %(proposed)s against %(current)s as of %(day)s: %(people)s people with records"
        )
    )
    values = {"proposed": proposed.version, "current": current.version, "day": tr.day(result.on)}
    out.print(headline % (values | {"people": n(result.subjects)}), markup=False)
    people = Table(*(tr.gettext(h) for h in _RESTRICTED), title=tr.gettext(N_("People restricted")))
    rows = [(tr.gettext(N_("any mode")), result.restricted)]
    rows += [(tr.gettext(MODE_WORDS[m]), p) for m, p in result.by_mode.items()]
    rows += [(code, p) for code, p in result.by_rule.items()]
    for name, p in rows:
        people.add_row(name, *(n(v) for v in (p.current, p.proposed, p.newly, p.released)))
    out.print(people)
    bands = Table(*(tr.gettext(h) for h in _BANDS), title=tr.gettext(N_("Bands")))
    for name, c in result.bands.items():
        bands.add_row(name, n(c.current), n(c.proposed), f"{c.change:+,}")
    out.print(bands)
    out.print(_provinces(result, tr))
    before, after = result.mean_score()
    summary = tr.gettext(
        N_(
            "mean score %(before)s -> %(after)s; %(lower)s lower, %(higher)s higher; review cases "
            "opened: %(opened)s (below the threshold: %(below_now)s -> %(below_proposed)s)"
        )
    )
    figures = {
        "before": f"{before:.1f}",
        "after": f"{after:.1f}",
        "lower": n(result.lower),
        "higher": n(result.higher),
        "opened": n(result.review_opened),
        "below_now": n(result.review_below.current),
        "below_proposed": n(result.review_below.proposed),
    }
    out.print(summary % figures, markup=False)


def _provinces(result: Simulation, tr: Translator) -> Table:
    title = tr.gettext(N_("By province (counts 1-%(most)s withheld)")) % {"most": MIN_GROUP - 1}
    table = Table(*(tr.gettext(h) for h in _PROVINCES), title=title)
    for p in result.as_json()["provinces"]:
        counts = (p["subjects"], p["restricted"]["newly"], p["restricted"]["released"])
        shown = [
            f"<{MIN_GROUP}" if v is None else tr.number(v) for v in (*counts, p["review_opened"])
        ]
        name = p["name"] if p["code"] else tr.gettext(N_("unknown"))
        table.add_row(f"{name} {p['code']}".strip(), *shown)
    return table
