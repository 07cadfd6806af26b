"""English left on a Chinese page: runs of ASCII words outside identifiers, codes and numbers.

What a person typed (grounds, reasons: `.prose`, `.quoted`), machine text (`.mono`, `<code>`,
scripts) and anything marked in another language (`lang="en"`: the switch's "English") are left
out; the rest is read, legal bases included, text and the attributes a person hears or sees
(aria-label, title, placeholder, alt, an option's value).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

SKIPPED_TAGS = {"script", "style", "code", "pre"}
# A legal basis is read too: the default rulebook's are quoted in Chinese by the documents' titles.
SKIPPED_CLASSES = {"mono", "prose", "quoted"}
READ_ATTRIBUTES = {"aria-label", "title", "placeholder", "alt"}
# Names, not words: the product's.
NAMES = {"trustledger"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}  # fmt: skip
_TOKEN = re.compile(r"[A-Za-z0-9_.\-/:@#'’]+")
_WORD = re.compile(r"[A-Za-z]+(?:['’][A-Za-z]+)?")


def english_words(text: str) -> list[str]:
    """The English words in `text`: not identifiers (court_7, rail.smoking, J-77, https://…),
    codes in capitals (JSON, X), numbers or names."""
    found = []
    for token in _TOKEN.findall(text):
        bare = token.strip(".:-'’/#")
        if not _WORD.fullmatch(bare) or bare.isupper() or len(bare) < 2:
            continue
        if bare.lower() not in NAMES:
            found.append(bare)
    return found


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[bool] = []  # per open element: is its content skipped?
        self.read: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        skipped = (
            (bool(self.stack) and self.stack[-1])
            or tag in SKIPPED_TAGS
            or bool(SKIPPED_CLASSES & set(a.get("class", "").split()))
            or (bool(a.get("lang")) and not a["lang"].startswith("zh"))
        )
        if not skipped:
            self.read += [v for k, v in a.items() if k in READ_ATTRIBUTES]
            if tag == "option":
                self.read.append(a.get("value", ""))
        if tag not in VOID:
            self.stack.append(skipped)

    def handle_endtag(self, tag: str) -> None:
        if tag not in VOID and self.stack:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        if not (self.stack and self.stack[-1]):
            self.read.append(data)


def english_on_page(html: str) -> list[str]:
    """Each piece of read text holding English words, with the words."""
    reader = _Reader()
    reader.feed(html)
    return [
        f"{words}: {text.strip()[:80]!r}" for text in reader.read if (words := english_words(text))
    ]
