"""The default rulebook's legal bases: each quoted in Chinese by the documents' own titles."""

from __future__ import annotations

import re
from pathlib import Path

from trustledger.domain.texts import Language
from trustledger.i18n.catalogs import translator
from trustledger.i18n.rulebook_messages import extract_legal_bases

DEFAULT = Path(__file__).parents[2] / "src" / "trustledger" / "rulebook" / "default"
# What a basis cites, as the English writes it, and what the Chinese must then quote.
CITED = {
    "Fa Shi 2017 No. 7": "《最高人民法院关于公布失信被执行人名单信息的若干规定》",
    "384号": "《关于在一定期限内适当限制特定严重失信人乘坐火车推动社会信用体系建设的意见》（发改财金〔2018〕384号）",
    "385号": (
        "《关于在一定期限内适当限制特定严重失信人乘坐民用航空器推动社会信用体系建设的意见》"
        "（发改财金〔2018〕385号）"
    ),
    "GDPR Art. 22(3)": "欧盟《通用数据保护条例》第22条第3款",
}


def bases() -> list[str]:
    found = []
    for path in sorted(DEFAULT.glob("*.yaml")):
        with path.open("rb") as f:
            found += [message for _, _, message, _ in extract_legal_bases(f, {}, [], {})]
    return found


def test_every_basis_of_the_default_rulebook_is_extracted_once_per_file() -> None:
    found = bases()
    assert len(set(found)) == 18
    assert any(b.endswith("Art. 1(6)") for b in found)


def test_each_basis_quotes_in_chinese_every_document_it_cites() -> None:
    zh = translator(Language.ZH_HANS)
    for basis in set(bases()):
        chinese = zh.gettext(basis)
        assert chinese != basis, basis
        assert not re.search(r"[A-Za-z]{3,}", chinese.replace("GDPR", "")), chinese
        for cited, title in CITED.items():
            if cited in basis:
                assert title in chinese, (basis, chinese)


def test_an_article_is_cited_as_chinese_law_numbers_it() -> None:
    zh = translator(Language.ZH_HANS)
    basis = next(b for b in bases() if b.endswith("Art. 1(3)"))
    assert zh.gettext(basis).endswith("法释〔2017〕7号）第一条第（三）项")
