"""Subject matter the registry never records (DESIGN.md, "Not built, by design"), in any spelling.

Text is folded before it is matched: Unicode compatibility forms (full-width letters), accents
and invisible characters dropped, look-alike Cyrillic and Greek letters and digits read as the
Latin letters they imitate, camelCase and snake_case split into words. English words are matched
whole (with the inflections listed); long English stems and Chinese terms are matched anywhere,
since Chinese has no spaces and `freespeech` none either.
"""

from __future__ import annotations

import re
import unicodedata

# Matter -> (whole English words, English stems matched inside any word, Chinese terms).
PROHIBITED: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    "speech": (
        ("speech", "speeches", "expression", "posting", "postings", "post", "posts", "utterance",
         "rumour", "rumours", "rumor", "rumors", "remark", "remarks", "comment", "comments",
         "blog", "tweet", "tweets", "censorship"),
        ("speech", "utteranc", "freeexpression"),
        ("言论", "言语", "发言", "发帖", "帖子", "谣言", "网络言", "评论", "微博", "传谣"),
    ),
    "opinion": (
        ("opinion", "opinions", "belief", "beliefs", "ideology", "view", "views", "attitude",
         "loyalty", "sincerity", "insincere", "apology"),
        ("opinion", "ideolog", "conscience"),
        ("观点", "意见", "思想", "态度", "信念", "忠诚", "道歉", "立场"),
    ),
    "journalism": (
        ("journalism", "journalist", "journalists", "press", "media", "reporter", "reporters",
         "reporting", "newspaper", "news", "editor"),
        ("journalis", "newspaper"),
        ("新闻", "记者", "媒体", "报道", "报刊", "出版", "舆论", "采访"),
    ),
    "religion": (
        ("religion", "religions", "religious", "faith", "faiths", "worship", "church", "mosque",
         "temple", "prayer", "prayers", "sect", "cult", "believer", "believers"),
        ("religio", "worship", "scripture"),
        ("宗教", "信仰", "信教", "礼拜", "教会", "寺庙", "清真", "邪教", "祈祷", "传教"),
    ),
    "association": (
        ("association", "associations", "assembly", "assemblies", "protest", "protests",
         "petition", "petitions", "petitioner", "union", "unions", "rally", "demonstration",
         "gathering", "membership", "organizing", "organising"),
        ("protest", "demonstrat"),
        ("结社", "集会", "游行", "示威", "上访", "信访", "请愿", "组织成员", "社团"),
    ),
    "whom someone talks to": (
        ("contact", "contacts", "call", "calls", "caller", "phonebook", "messages", "messaging",
         "chat", "chats", "friend", "friends", "acquaintance", "correspondence", "talks",
         "relationship", "relationships", "followers"),
        ("correspondenc", "acquaintanc", "socialmedia", "socialnetwork"),
        ("通话", "联系人", "通讯录", "聊天", "社交", "交往", "好友", "朋友", "短信", "私信"),
    ),
    "purchases": (
        ("purchase", "purchases", "purchasing", "shopping", "consumption", "spending", "buying",
         "buys", "bought", "basket", "retail"),
        ("purchas", "shopping", "consumption"),
        ("购物", "消费记录", "消费习惯", "消费行为", "购买记录", "网购"),
    ),
    "biometrics": (
        ("biometric", "biometrics", "face", "faces", "facial", "fingerprint", "fingerprints",
         "iris", "dna", "gait", "voiceprint", "retina", "genome", "genetic"),
        ("biometr", "fingerprint", "facialrecogn", "voiceprint", "faceprint"),
        ("生物识别", "人脸", "面部", "刷脸", "指纹", "虹膜", "基因", "声纹", "步态", "面容"),
    ),
    "political activity": (
        ("political", "politics", "activism", "activist", "activists", "dissent", "dissident",
         "dissidents", "vote", "votes", "voting", "election", "elections", "campaign",
         "subversion", "separatism"),
        ("politic", "activis", "dissiden", "subversi"),
        ("政治", "政见", "异见", "维权", "颠覆", "选举", "投票", "党派", "抗议", "分裂"),
    ),
}  # fmt: skip

_WORDS = {w: matter for matter, (words, _, _) in PROHIBITED.items() for w in words}
_STEMS = [(s, matter) for matter, (_, stems, _) in PROHIBITED.items() for s in stems]
_TERMS = [(t, matter) for matter, (_, _, terms) in PROHIBITED.items() for t in terms]

# Letters that look Latin but are not, and digits written for letters (sp33ch, rel1gion).
_CONFUSABLES = str.maketrans(
    {
        "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o",
        "р": "p", "с": "c", "т": "t", "у": "y", "х": "x", "і": "i", "ї": "i", "ј": "j",
        "ѕ": "s", "ԁ": "d", "ɡ": "g", "һ": "h", "ӏ": "l", "ԛ": "q", "ԝ": "w",
        "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o",
        "ρ": "p", "τ": "t", "υ": "u", "χ": "x", "ω": "w", "ı": "i", "ȷ": "j", "ł": "l",
        "ø": "o", "đ": "d", "ß": "ss", "æ": "ae", "œ": "oe",
    }
)  # fmt: skip
_LEET = str.maketrans(
    {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"}
)
_INVISIBLE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e"
    "\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff]"
)
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_LATIN_RUN = re.compile(r"[a-z]+")
_DIGITS_OF_WORD = re.compile(r"(?<=[A-Za-z])[0-9@$]+|[0-9@$]+(?=[A-Za-z])")


def fold(text: str) -> str:
    """`text` in plain lower-case Latin letters and CJK, word breaks as spaces."""
    text = unicodedata.normalize("NFKC", _INVISIBLE.sub("", text))
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    text = _CAMEL.sub(" ", text)
    # Digits and signs read as letters only inside a word: a date or a number stays one.
    text = _DIGITS_OF_WORD.sub(lambda m: m.group(0).translate(_LEET), text)
    return text.lower().translate(_CONFUSABLES)


def prohibited_matter(text: str) -> list[str]:
    """The prohibited subject matter `text` speaks of, sorted; [] when none."""
    folded = fold(text)
    words = _LATIN_RUN.findall(folded)
    found = {_WORDS[w] for w in words if w in _WORDS}
    squashed = "".join(words)
    found |= {matter for stem, matter in _STEMS if stem in squashed}
    found |= {matter for term, matter in _TERMS if term in folded}
    return sorted(found)
