"""Which language a person reads: their choice (a cookie), else their browser's, else the default."""

from __future__ import annotations

from trustledger.domain.texts import Language, parse_language

__all__ = ["choose_language", "from_accept_language", "parse_language"]


def from_accept_language(header: str | None) -> Language | None:
    """The first of the browser's languages, by quality, that the registry writes in."""
    ranked: list[tuple[float, int, Language]] = []
    for position, part in enumerate((header or "").split(",")):
        tag, _, params = part.partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                continue
        language = parse_language(tag)
        if language is not None and quality > 0:
            ranked.append((-quality, position, language))
    return min(ranked)[2] if ranked else None


def choose_language(
    *, cookie: str | None, accept_language: str | None, default: Language
) -> Language:
    return parse_language(cookie) or from_accept_language(accept_language) or default
