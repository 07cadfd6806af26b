"""`rulebook lint --against OLD`: what changed, and no edit of a version already in force."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from typer.testing import CliRunner

from rulebook_edits import STRICTER_SMOKING, Proposal
from tests.unit.test_cli_rulebook import bare_app
from trustledger.rulebook import default_rulebook_path
from trustledger.rulebook.amendments import amendments_of

TODAY = date(2026, 12, 1)
DEFAULT = default_rulebook_path()
SMOKING_CASE = {
    "name": "From 2027 smoking on a train bars trains for a year",
    "as_of": date(2027, 3, 1),
    "records": [{"occurred_on": date(2027, 2, 1), "decided_on": date(2027, 2, 5)}],
    "expect": {"score": 920, "band": "B", "restricted": ["rail"], "restrictions": {"r1": "active"}},
}


def test_the_same_rulebook_changes_nothing() -> None:
    found = amendments_of(DEFAULT, DEFAULT, today=TODAY)
    assert (found.changes, found.problems) == ([], [])


def test_editing_a_version_in_force_is_refused_naming_the_key(tmp_path: Path) -> None:
    path = Proposal().edit("rail.smoking", points=-80).write(tmp_path / "new")
    found = amendments_of(path, DEFAULT, today=TODAY)
    [problem] = found.problems
    assert (Path(problem.file).name, problem.key) == ("rail.yaml", "rail.smoking.points")
    assert problem.message.startswith("edits the version in force since 2018-05-01 (points)")
    assert found.changes == ["changed rail.smoking from 2018-05-01: points"]


def test_a_new_dated_version_after_today_closing_the_old_one_passes(tmp_path: Path) -> None:
    proposal = Proposal().new_version(
        "rail.smoking", starts=date(2027, 1, 1), cases=[SMOKING_CASE], **STRICTER_SMOKING
    )
    found = amendments_of(proposal.write(tmp_path / "new"), DEFAULT, today=TODAY)
    assert found.problems == []
    assert found.changes == [
        "closed rail.smoking from 2018-05-01: effective_to None -> 2026-12-31",
        "added rail.smoking from 2027-01-01",
    ]


def test_a_new_version_starting_before_tomorrow_is_refused(tmp_path: Path) -> None:
    case = SMOKING_CASE | {"as_of": date(2026, 12, 20)}
    case["records"] = [{"occurred_on": date(2026, 12, 1), "decided_on": date(2026, 12, 2)}]
    proposal = Proposal().new_version(
        "rail.smoking", starts=date(2026, 12, 1), cases=[case], **STRICTER_SMOKING
    )
    found = amendments_of(proposal.write(tmp_path / "new"), DEFAULT, today=TODAY)
    messages = {(p.key, p.message.split(":")[0]) for p in found.problems}
    assert messages == {
        ("rail.smoking.effective_to", "ends it in the past (2026-11-30); close it on 2026-12-01 or later"),
        ("rail.smoking.effective_from", "a new version must start after 2026-12-01, not on 2026-12-01"),
    }  # fmt: skip


def test_removing_a_version_that_was_in_force_is_refused(tmp_path: Path) -> None:
    proposal = Proposal()
    del proposal.documents["tax.yaml"]
    found = amendments_of(proposal.write(tmp_path / "new"), DEFAULT, today=TODAY)
    [problem] = found.problems
    assert problem.key == "tax.serious_evasion"
    assert "is gone: history is append-only" in problem.message


def test_the_cli_reports_each_change_and_exits_1_on_an_edit(tmp_path: Path) -> None:
    path = Proposal().edit("rail.smoking", points=-80).write(tmp_path / "new")
    args = ["rulebook", "lint", str(path), "--against", str(DEFAULT), "--today", "2026-12-01"]
    result = CliRunner().invoke(bare_app(), args)
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0] == "change: changed rail.smoking from 2018-05-01: points"
    assert any(line.endswith("rail.smoking.points: " + found_message()) for line in lines)


def found_message() -> str:
    return (
        "edits the version in force since 2018-05-01 (points): a change is a new dated "
        "version starting after 2026-12-01, with effective_to closing this one"
    )


def test_the_cli_refuses_a_day_that_is_not_a_date() -> None:
    args = ["rulebook", "lint", "--against", str(DEFAULT), "--today", "tomorrow"]
    result = CliRunner().invoke(bare_app(), args)
    assert result.exit_code == 2
    assert "--today: 'tomorrow' is not a date written YYYY-MM-DD" in result.stderr


def test_a_new_retention_period_is_reported_for_every_version_that_follows_it(
    tmp_path: Path,
) -> None:
    path = Proposal().header(retention={"default_days": 180, "max_days": 1825}).write(tmp_path)
    found = amendments_of(path, DEFAULT, today=TODAY)
    assert (found.changes, found.problems) == (["changed retention.default_days: 365 -> 180"], [])


def test_retain_days_added_to_a_version_in_force_is_an_edit(tmp_path: Path) -> None:
    path = Proposal().edit("court.judgment_default", retain_days=30).write(tmp_path)
    [problem] = amendments_of(path, DEFAULT, today=TODAY).problems
    assert problem.key == "court.judgment_default.retain_days"
    assert problem.message.startswith("edits the version in force since 2018-05-01 (retain_days)")
