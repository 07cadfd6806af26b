"""Whether a legal basis names a document: a number or a title the linter knows how to read.

"A statute" or "the law" names nothing a person could look up; a basis must carry a document
number (〔2018〕384号, Fa Shi 2017 No. 7, Art. 22), a title (《...》, "... Law", "Provisions on
..."), or the rule must give `legal_basis_ref`, a pointer to the instrument.
"""

from __future__ import annotations

import re

_DOCUMENT_PATTERNS = (
    # Chinese document numbers: 发改财金〔2018〕384号, 法释〔2017〕7号, [2018] No. 384.
    re.compile(r"[〔\[(（]\s*(19|20)\d\d\s*[〕\])）]\s*(No\.?\s*)?\d+\s*号?"),
    # Judicial interpretations and numbered instruments: Fa Shi 2017 No. 7, Decree No. 12.
    re.compile(r"\b[A-Z][A-Za-z. ]*\s(19|20)\d\d\s+No\.\s*\d+"),
    re.compile(r"\bNo\.\s*\d+\b"),
    # A cited title in Chinese book-title marks.
    re.compile(r"《[^》]{2,}》"),
    # An article of a named instrument: GDPR Art. 22(3), Civil Aviation Law, art. 191.
    re.compile(r"\b[A-Z][\w ]{1,60}\b,?\s+[Aa]rt(icle|\.)\s*\d+"),
    # An English title: the Civil Aviation Law, Regulations on ..., Provisions on ...
    re.compile(
        r"\b([A-Z][a-z]+\s+){1,6}(Law|Act|Code)\b"
        r"|\b(Provisions|Regulations?|Measures|Rules|Decision|Opinions|Interpretation)\s+"
        r"(on|of|for|concerning)\s+[A-Za-z]"
    ),
)


def names_document(text: str) -> bool:
    return any(p.search(text) for p in _DOCUMENT_PATTERNS)
