"""The CLI's check, explain and import take people whose region code postdates their birth, and
refuse a number that never had a region, or a birth after today, with the same reasons as HTTP."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import orjson

from tests.factories import judgment, ric_number


def make_ric(region: int | str, born: date, order: int = 7) -> str:
    return ric_number(order, region=f"{int(region):06d}", born=f"{born:%Y%m%d}")


# Shenzhen's Nanshan district (440305) dates from 1990, Beijing's Fangshan (110111) from 1986.
LATE = [make_ric("440305", date(1962, 4, 1)), make_ric("110111", date(1955, 9, 9), 8)]


def test_import_check_and_explain_take_people_born_before_their_district(
    cli, tmp_path: Path
) -> None:
    cli("keys", "create", "--role", "source", "--name", "court", "--types", "court.*")
    path = tmp_path / "late.jsonl"
    lines = [
        judgment(subject=p.lower(), case_ref=f"(2025)粤0305执{i}号") for i, p in enumerate(LATE)
    ]
    path.write_bytes(b"".join(orjson.dumps(line) + b"\n" for line in lines))
    code, out, _ = cli("import", str(path), "--source", "court")
    assert (code, "2 imported" in out) == (0, True)
    for person in LATE:
        code, out, _ = cli("check", person, "--mode", "rail", "--json")
        assert code in (0, 10), out
        assert "allowed" in orjson.loads(out)
        code, out, _ = cli("explain", person, "--json")
        assert code == 0, out
        assert orjson.loads(out)["subject"] == person


def test_the_cli_refuses_what_http_refuses_with_the_same_reason(cli, tmp_path: Path) -> None:
    future = make_ric("110105", date.today() + timedelta(days=3))
    nowhere = make_ric("990105", date(1980, 1, 1))
    for number, reason in ((future, "is after today"), (nowhere, "any edition of GB/T 2260")):
        code, _, err = cli("check", number, "--mode", "air")
        assert code == 2
        assert reason in err
        assert err.strip().count("\n") == 0
    cli("keys", "create", "--role", "source", "--name", "court", "--types", "court.*")
    path = tmp_path / "bad.jsonl"
    path.write_bytes(orjson.dumps(judgment(subject=future)) + b"\n")
    code, _, _ = cli("import", str(path), "--source", "court")
    (reject,) = [orjson.loads(x) for x in Path(f"{path}.rejects.jsonl").read_bytes().splitlines()]
    assert (code, reject["field"]) == (1, "subject")
    assert "is after today" in reject["reason"]
