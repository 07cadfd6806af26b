"""Render a notice as plain text and HTML from Jinja templates, in the subject's language.

The templates are versioned package data (templates/v1/, ...): a letter's row names the version
it was written with and keeps only its facts, so a version, once a letter was issued with it, is
never edited. A change to a letter's words (its templates, or the catalog messages they use) is
a new version directory beside the old one (tests/unit/test_letter_versions.py pins each
version's letters byte for byte).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, Template, select_autoescape
from markupsafe import Markup

from trustledger.domain.corrections import NONE_SHOWN
from trustledger.domain.texts import N_, Language
from trustledger.i18n.catalogs import Translator, translator

# The version new letters are written with; every version a kept letter may name.
TEMPLATE_VERSION = "1"
TEMPLATE_VERSIONS = ("1",)


@dataclass(frozen=True, slots=True)
class Letter:
    subject_line: str
    text: str
    html: str


SUBJECT_LINES = {
    "restriction": N_("Notice of a travel restriction and how to appeal it"),
    "review": N_("Notice that your file is under review by an officer"),
    "lifted": N_("Your travel restriction has been lifted"),
    "expired": N_("Your travel restriction has ended"),
    "decision": N_("Decision on your appeal"),
    "correction": N_("A record about you was corrected by its source"),
    "withdrawal": N_("A record about you was withdrawn by its source"),
    "erasure": N_("Decision on your request to erase a record"),
}
OTHER_SUBJECT_LINE = N_("Notice from the trustledger registry")
# What a restriction bars, as `no {scopes}` reads: "no flights or trains".
SCOPE_TEXT = {
    "air": N_("flights"),
    "rail": N_("trains"),
    "rail_premium": N_("premium train seats (soft sleeper, every seat on G trains, first class)"),
}
SCOPE_ORDER = ("air", "rail", "rail_premium")
OUTCOME_TEXT = {
    "upheld": N_("upheld"),
    "overturned": N_("overturned"),
    "modified": N_("modified"),
    "granted": N_("granted"),
    "refused": N_("refused"),
}


class JinjaLetters:
    """The LetterRenderer used in production; `context` is the notice's facts (see services.letters)."""

    version = TEMPLATE_VERSION

    def render(
        self,
        purpose: str,
        context: dict[str, Any],
        *,
        language: Language,
        version: str = TEMPLATE_VERSION,
    ) -> Letter:
        if version not in TEMPLATE_VERSIONS:
            raise ValueError(f"no letter templates of version {version!r}")
        text, html, text_names, html_names = _templates(language, version)
        ctx = {"purpose": purpose, **context}
        tr = translator(language)
        if ctx.get("legal_basis"):
            # Quoted as the document names itself in the letter's language (the catalog has the
            # default rulebook's; another's is quoted as written).
            ctx["legal_basis"] = tr.gettext(str(ctx["legal_basis"]))
        return Letter(
            subject_line=self.subject_line(purpose, language=language),
            text=_render(text, text_names | ctx),
            html=_render(html, html_names | ctx),
        )

    def subject_line(self, purpose: str, *, language: Language) -> str:
        """The letter's subject line: a letter kept to be written later keeps it written."""
        return translator(language).gettext(SUBJECT_LINES.get(purpose, OTHER_SUBJECT_LINE))


def _render(template: Template, ctx: dict[str, Any]) -> str:
    # Template.render copies the context twice, merging in the environment's globals: a third of
    # a letter's rendering time in a bulk import. Shared, the context is read as it is (so the
    # gettext callables come in it, see _templates); the output is the same.
    context = template.new_context(ctx, shared=True)
    try:
        return "".join(template.root_render_func(context))
    except Exception:
        # As Template.render does: the error raised again with the template's lines in the trace.
        return template.environment.handle_exception()


def scopes_text(scopes: Iterable[str], tr: Translator) -> str:
    """`no {scopes_text}` reads as a sentence: "no flights or trains", "不得乘坐飞机或火车"."""
    chosen = set(scopes)
    return tr.listing([tr.gettext(SCOPE_TEXT[s]) for s in SCOPE_ORDER if s in chosen], style="or")


@cache
def _templates(
    language: Language, version: str
) -> tuple[Template, Template, dict[str, Any], dict[str, Any]]:
    """The two templates of `version` in `language`, and the names each reads besides the facts."""
    tr = translator(language)
    env = Environment(
        loader=PackageLoader("trustledger.delivery", f"templates/v{version}"),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=["jinja2.ext.i18n"],
        # The templates ship inside the package: no need to stat them on every letter.
        auto_reload=False,
    )
    env.install_gettext_callables(tr.gettext, tr.ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.filters["day"] = tr.day
    env.filters["scopes_text"] = lambda scopes: scopes_text(scopes, tr)
    env.filters["outcome"] = lambda value: tr.gettext(OUTCOME_TEXT.get(str(value), str(value)))
    env.filters["tr"] = tr.gettext
    # A corrected field's value as written, but "(none)" in the letter's language.
    env.filters["shown"] = lambda value: tr.gettext(NONE_SHOWN) if value == NONE_SHOWN else value
    names = {k: env.globals[k] for k in ("_", "gettext", "ngettext")} | {"lang": language.value}
    text, html = env.get_template("notice.txt"), env.get_template("notice.html")
    return text, html, names | _gettext(tr, markup=False), names | _gettext(tr, markup=True)


def _gettext(tr: Translator, *, markup: bool) -> dict[str, Any]:
    """`_` and `gettext` as Jinja's newstyle gettext computes them (the message translated,
    made Markup where the template autoescapes, then always %-formatted with its variables),
    without the three context calls it makes for each message: half of a letter's rendering."""
    if markup:

        def gettext(message: str, /, **variables: Any) -> str:
            return Markup(tr.gettext(message)) % variables

    else:

        def gettext(message: str, /, **variables: Any) -> str:
            return tr.gettext(message) % variables

    return {"_": gettext, "gettext": gettext}
