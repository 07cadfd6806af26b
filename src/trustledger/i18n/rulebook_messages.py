"""The default rulebook's legal bases as catalog messages: a Babel extractor (babel.cfg).

A rule's `legal_basis` is kept in English, as integrators and the derived state read it; a
Chinese page or letter quotes each document as it names itself (its official Chinese title,
《…》 and its document number), which is the basis's entry in the Chinese catalog. A rulebook
of another deployment whose bases have no entry is quoted as written.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import IO, Any

import yaml

# The keys whose text names the law behind a decision.
BASIS_KEYS = ("legal_basis", "cross_context_basis")
Extracted = tuple[int, str, str, list[str]]


def extract_legal_bases(
    fileobj: IO[bytes], keywords: Mapping[str, Any], comment_tags: Any, options: Any
) -> Iterator[Extracted]:
    """Babel's extractor interface: each legal basis in a rulebook YAML file, once."""
    seen: set[str] = set()
    for basis in _bases(yaml.safe_load(fileobj)):
        if basis not in seen:
            seen.add(basis)
            yield 0, "", basis, []


def _bases(node: object) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key in BASIS_KEYS and isinstance(value, str):
                yield value
            else:
                yield from _bases(value)
    elif isinstance(node, list):
        for item in node:
            yield from _bases(item)
