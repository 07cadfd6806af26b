"""Erasure on request on the pages, in English and in Chinese: the subject asks on the portal,
the request waits in the console's queue, an officer decides on the file page, and the subject
reads the decision and its reasons."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import httpx
import pytest

from tests.factories import ric_number
from tests.language_scan import english_on_page
from tests.pages.conftest import Browsers, sql
from tests.seeded_site import Site

WORDS = {
    "en": {
        "section": "Erasing your records",
        "law": "Personal Information Protection Law (art. 47)",
        "consent": "Withdrawing your consent is not a reason here",
        "action": "Request erasure now",
        "waiting": "An officer will decide it by",
        "queue": "Erasure requests",
        "refused": "Your request was refused: the record is kept until its retention ends.",
        "in_effect": "still has effect",
        "reason": "The fare was paid and the case is closed.",
        "reasons": "The operator asked that it be kept while a claim is pending.",
        "withdrawal": "recorded against the wrong person",
        "record_label": "Record",
        "restriction_label": "Restriction",
    },
    "zh-Hans": {
        "section": "删除您的记录",
        "law": "《个人信息保护法》第四十七条",
        "consent": "撤回同意不是这里的理由",
        "action": "请求立即删除",
        "waiting": "工作人员将于",
        "queue": "删除请求",
        "refused": "您的请求未获准许：该记录将保存至保存期限届满。",
        "in_effect": "仍在产生效力",
        "reason": "罚款已缴清，案件已结束。",
        "reasons": "运营单位要求在索赔处理期间保留该记录。",
        "withdrawal": "记录的当事人有误",
        "record_label": "所据记录",
        "restriction_label": "限制",
    },
}

# What the portal says of a granted request's erasure: its day, how many, on what basis.
ERASED = {
    "en": "On {day}, 1 record was erased by an officer's decision on your request {case}.",
    "zh-Hans": "{day}，经工作人员就您的请求{case}作出决定，已删除1条记录。",
}


def day_in(day: date, language: str) -> str:
    return f"{day.year}年{day.month}月{day.day}日" if language == "zh-Hans" else day.isoformat()


@dataclass(frozen=True)
class Ended:
    subject: str
    record_id: str
    case_ref: str
    access_code: str


def ended(site: Site, *, n: int, withdrawal: str) -> Ended:
    """A rail.smoking record submitted ten days ago and withdrawn by its source five days ago:
    it has no effect left today. The site's registry writes it with its clock on those days."""
    reg = site.registry
    clock = reg.clock
    today, moment = clock.today(), clock.moment  # type: ignore[attr-defined]
    subject = ric_number(n, region="510104", born="19860606")
    case_ref = f"RLY-ERASE-{n}"
    source = reg.keys.source("rail-1")

    def on(day: object) -> None:
        clock.day = day  # type: ignore[attr-defined]
        clock.moment = datetime.combine(day, datetime.min.time(), UTC)  # type: ignore[attr-defined,arg-type]

    try:
        on(today - timedelta(days=10))
        body = {
            "subject": subject,
            "type": "rail.smoking",
            "occurred_on": (today - timedelta(days=14)).isoformat(),
            "decided_on": (today - timedelta(days=11)).isoformat(),
            "case_ref": case_ref,
        }
        submitted = reg.intake.submit(body, source=source)
        on(today - timedelta(days=5))
        rid = submitted.record.record_id
        reg.corrections.withdraw(rid, source=source, reason=withdrawal)
    finally:
        clock.day, clock.moment = today, moment  # type: ignore[attr-defined]
    return Ended(subject, rid, case_ref, submitted.notices[0].access_code)


def section(html: str, title_id: str) -> str:
    """One panel of a page: the letters on the portal are in the language they were sent in."""
    found = re.search(rf'<section[^>]*aria-labelledby="{title_id}".*?</section>', html, re.S)
    assert found is not None, title_id
    return found.group(0)


def signed_in(browsers: Browsers, e: Ended, language: str) -> httpx.Client:
    client = browsers.anonymous()
    client.headers["Accept-Language"] = language
    form = {"subject": e.subject, "access_code": e.access_code}
    assert client.post("/portal/sign-in", data=form).status_code == 303
    return client


@pytest.mark.parametrize(("language", "n"), [("en", 71), ("zh-Hans", 72)])
def test_a_subject_asks_to_erase_an_ended_record_and_reads_the_officers_refusal(
    site: Site, browsers: Browsers, language: str, n: int
) -> None:
    words = WORDS[language]
    e = ended(site, n=n, withdrawal=words["withdrawal"])
    me = signed_in(browsers, e, language)
    portal = me.get("/portal").text
    for key in ("section", "law", "consent", "action"):
        assert words[key] in portal, key
    assert f'name="record_id" value="{e.record_id}"' in portal
    sent = me.post(
        "/portal/erasure-requests", data={"record_id": e.record_id, "reason": words["reason"]}
    )
    assert sent.status_code == 303
    assert sent.headers["location"] == "/portal#erasure-title"
    portal = me.get("/portal").text
    assert words["waiting"] in portal
    assert words["reason"] in portal
    assert f'name="record_id" value="{e.record_id}"' not in portal  # asked once, not offered again
    if language == "zh-Hans":
        assert english_on_page(section(portal, "erasure-title")) == []
    ((case_id,),) = sql(site, "SELECT case_id FROM erasure_cases WHERE subject = :s", s=e.subject)

    officer = browsers.staff("officer")
    officer.headers["Accept-Language"] = language
    console = officer.get("/").text
    assert words["queue"] in console
    link = re.search(rf'href="(/subjects/{e.subject}\?purpose=[^"]+)"', console)
    assert link is not None, "the queue links to the file"
    file = officer.get(link.group(1).replace("&amp;", "&")).text
    assert f'action="/erasure-requests/{case_id}/decision"' in file
    assert words["reason"] in file
    if language == "zh-Hans":
        assert english_on_page(section(file, "erasures-title")) == []
    decided = officer.post(
        f"/erasure-requests/{case_id}/decision",
        data={"outcome": "refused", "reasons": words["reasons"], "purpose": "erasure request"},
    )
    assert decided.status_code == 303
    assert f"/subjects/{e.subject}?" in decided.headers["location"]
    assert case_id not in officer.get("/").text  # decided: it left the queue

    portal = me.get("/portal").text
    assert words["refused"] in portal
    assert words["reasons"] in portal
    assert f'name="record_id" value="{e.record_id}"' in portal  # refused: it may be asked again


@pytest.mark.parametrize("language", ["en", "zh-Hans"])
def test_a_record_still_in_effect_cannot_be_requested_on_the_portal(
    site: Site, browsers: Browsers, language: str
) -> None:
    # Derived state keeps the plain number (records name the subject by pseudonym).
    query = "SELECT record_id FROM restrictions WHERE subject = :s"
    (rid,) = {r for (r,) in sql(site, query, s=site.subject)}
    me = browsers.subject()
    me.headers["Accept-Language"] = language
    assert f'value="{rid}"' not in section(me.get("/portal").text, "erasure-title")
    refused = me.post("/portal/erasure-requests", data={"record_id": rid, "reason": "please"})
    assert refused.status_code == 422
    assert WORDS[language]["in_effect"] in refused.text
    assert rid in refused.text
    # The field is labelled as the form says it: a record, not a restriction (the appeal's).
    assert f"<strong>{WORDS[language]['record_label']}</strong>" in refused.text
    assert f"<strong>{WORDS[language]['restriction_label']}</strong>" not in refused.text
    assert sql(site, "SELECT count(*) FROM erasure_cases WHERE subject = :s", s=site.subject) == [
        (0,)
    ]


@pytest.mark.parametrize(("language", "n"), [("en", 73), ("zh-Hans", 74)])
def test_an_officer_grants_on_the_file_page_and_the_portal_keeps_only_the_record_in_force(
    site: Site, browsers: Browsers, language: str, n: int
) -> None:
    words = WORDS[language]
    e = ended(site, n=n, withdrawal=words["withdrawal"])
    today = site.registry.clock.today()
    in_force = site.registry.intake.submit(
        {
            "subject": e.subject,
            "type": "rail.smoking",
            "occurred_on": (today - timedelta(days=3)).isoformat(),
            "decided_on": (today - timedelta(days=1)).isoformat(),
            "case_ref": f"RLY-KEEP-{n}",
        },
        source=site.registry.keys.source("rail-1"),
    )
    # Signed in with the letter of the record that stays: the other's goes with it.
    me = signed_in(
        browsers,
        Ended(e.subject, e.record_id, e.case_ref, in_force.notices[0].access_code),
        language,
    )
    sent = me.post(
        "/portal/erasure-requests", data={"record_id": e.record_id, "reason": words["reason"]}
    )
    assert sent.status_code == 303
    ((case_id,),) = sql(site, "SELECT case_id FROM erasure_cases WHERE subject = :s", s=e.subject)
    officer = browsers.staff("officer")
    officer.headers["Accept-Language"] = language
    granted = officer.post(
        f"/erasure-requests/{case_id}/decision",
        data={"outcome": "granted", "reasons": words["reasons"], "purpose": "erasure request"},
    )
    assert granted.status_code == 303
    assert granted.headers["location"] == "/#erasures-queue"
    file = officer.get(f"/subjects/{e.subject}", params={"purpose": "erasure request"}).text
    assert "RLY-KEEP" in file
    assert e.case_ref not in file
    assert words["reason"] not in file
    portal = me.get("/portal").text
    assert f"RLY-KEEP-{n}" in portal
    assert e.case_ref not in portal
    assert words["reason"] not in portal
    # The request went with the record; the grant's letter, kept under the subject's own key,
    # tells of it (in the deployment's language, English here, as it was sent).
    assert case_id not in section(portal, "erasure-title")
    assert case_id in portal
    assert "The record is erased" in portal
    # Written again in Chinese on request, the rule named in Chinese too.
    ((notice_id,),) = sql(site, "SELECT notice_id FROM notices WHERE target = :c", c=case_id)
    chinese = me.get(f"/portal/letters/{notice_id}", params={"language": "zh-Hans"}).text
    assert "该记录已被删除" in chinese
    assert "在动车组列车上吸烟" in chinese
    # What is left of the request is the erasure itself: its day, how many, on what basis.
    erased = section(portal, "erased-title")
    assert ERASED[language].format(day=day_in(today, language), case=case_id) in erased
    if language == "zh-Hans":
        assert english_on_page(section(portal, "erasure-title")) == []
        assert english_on_page(erased.replace(case_id, "")) == []


PORTAL_AWAITS = {
    "en": "The rest of your file is erased once the letter telling you so has reached you.",
    "zh-Hans": "告知您此事的信函送达您后，您档案的其余内容即予删除。",
}
AWAITS = {
    "en": "the rest of this file is erased once the letter telling you so has reached you",
    "zh-Hans": "告知您此事的信函送达您后，本档案的其余内容即予删除",
}


@pytest.mark.parametrize(("language", "n"), [("en", 75), ("zh-Hans", 76)])
def test_a_grant_of_the_last_record_leaves_the_portal_its_letter_until_it_has_reached_them(
    site: Site, browsers: Browsers, language: str, n: int
) -> None:
    words = WORDS[language]
    e = ended(site, n=n, withdrawal=words["withdrawal"])
    me = signed_in(browsers, e, language)
    sent = me.post(
        "/portal/erasure-requests", data={"record_id": e.record_id, "reason": words["reason"]}
    )
    assert sent.status_code == 303
    ((case_id,),) = sql(site, "SELECT case_id FROM erasure_cases WHERE subject = :s", s=e.subject)
    officer = browsers.staff("officer")
    granted = officer.post(
        f"/erasure-requests/{case_id}/decision",
        data={"outcome": "granted", "reasons": words["reasons"], "purpose": "erasure request"},
    )
    assert granted.status_code == 303
    # The record is gone; its letter is not delivered yet, so the portal still has the grant's
    # letter to show, and the file's history says the rest waits on it.
    portal = me.get("/portal").text
    assert e.case_ref not in portal
    assert "The record is erased" in portal
    today = site.registry.clock.today()
    erased = section(portal, "erased-title")
    assert ERASED[language].format(day=day_in(today, language), case=case_id) in erased
    assert PORTAL_AWAITS[language] in erased
    officer.headers["Accept-Language"] = language
    file = officer.get(f"/subjects/{e.subject}", params={"purpose": "erasure request"}).text
    assert e.case_ref not in file
    assert AWAITS[language] in file
