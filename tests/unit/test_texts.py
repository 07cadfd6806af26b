"""A localized text holds every language of the registry, and gives each back by its tag."""

from __future__ import annotations

import pytest

from trustledger.domain.texts import LANGUAGES, Language, LocalizedText


def test_a_localized_text_gives_each_language_back() -> None:
    text = LocalizedText.of({"en": "Smoking on a train", "zh-Hans": "在列车上吸烟"})
    assert text.in_language(Language.ZH_HANS) == "在列车上吸烟"
    assert text.en == "Smoking on a train"
    assert text.as_dict() == {"zh-Hans": "在列车上吸烟", "en": "Smoking on a train"}


def test_simplified_chinese_is_the_first_language() -> None:
    assert [lang.value for lang in LANGUAGES] == ["zh-Hans", "en"]


@pytest.mark.parametrize(
    ("texts", "message"),
    [
        ({"en": "Smoking"}, "the text is not given in zh-Hans"),
        ({"zh-Hans": "吸烟", "en": " "}, "the text is not given in en"),
        ({"zh-Hans": "吸烟", "en": "Smoking", "fr": "Fumer"}, "fr is not a language"),
    ],
)
def test_a_text_missing_a_language_or_with_an_unknown_one_is_refused(
    texts: dict[str, str], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        LocalizedText.of(texts)
