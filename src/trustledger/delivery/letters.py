"""Render a notice as plain text and HTML from Jinja templates; the wording lives in the templates."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, Template, select_autoescape


@dataclass(frozen=True, slots=True)
class Letter:
    subject_line: str
    text: str
    html: str


_env = Environment(
    loader=PackageLoader("trustledger.delivery", "templates"),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    # The templates ship inside the package: no need to stat them on every letter.
    auto_reload=False,
)

SUBJECT_LINES = {
    "restriction": "Notice of a travel restriction and how to appeal it",
    "review": "Notice that your file is under review by an officer",
    "lifted": "Your travel restriction has been lifted",
    "expired": "Your travel restriction has ended",
    "decision": "Decision on your appeal",
    "correction": "A record about you was corrected by its source",
    "withdrawal": "A record about you was withdrawn by its source",
}


class JinjaLetters:
    """The LetterRenderer used in production; `context` is the notice's facts (see services.notices)."""

    def render(self, purpose: str, context: dict[str, Any]) -> Letter:
        ctx = {"purpose": purpose, **context}
        text, html = _templates()
        return Letter(
            subject_line=SUBJECT_LINES.get(purpose, "Notice from the trustledger registry"),
            text=_render(text, ctx),
            html=_render(html, ctx),
        )


def _render(template: Template, ctx: dict[str, Any]) -> str:
    # Template.render copies the context twice, merging in the environment's globals, which the
    # letters do not use: a third of a letter's rendering time in a bulk import. Shared, the
    # context is read as it is; the output is the same.
    context = template.new_context(ctx, shared=True)
    try:
        return "".join(template.root_render_func(context))
    except Exception:
        # As Template.render does: the error raised again with the template's lines in the trace.
        return template.environment.handle_exception()


@cache
def _templates() -> tuple[Template, Template]:
    return _env.get_template("notice.txt"), _env.get_template("notice.html")
