"""A proposed rulebook's changes that would act on conduct already past, and those that would not."""

from __future__ import annotations

import dataclasses
from datetime import date

from batch_factories import DEFAULT_RULES, RAIL, batch_rulebook, restriction
from trustledger.batch.retroactivity import RetroactiveChange, differences, retroactive_changes
from trustledger.domain.rulebook import Band, Rule
from trustledger.domain.texts import LocalizedText

ON = date(2026, 11, 1)


def replaced(code: str, **changes: object) -> tuple[Rule, ...]:
    """Every open version of `code` edited in place."""
    return tuple(
        dataclasses.replace(r, **changes) if r.code == code and r.effective_to is None else r
        for r in DEFAULT_RULES
    )


def versioned(code: str, starts: date, **changes: object) -> tuple[Rule, ...]:
    """The open version of `code` ended the day before `starts`, and a new one from then."""
    rules: list[Rule] = []
    for r in DEFAULT_RULES:
        if r.code == code and r.effective_to is None:
            ended = dataclasses.replace(r, effective_to=date.fromordinal(starts.toordinal() - 1))
            rules += [ended, dataclasses.replace(r, effective_from=starts, **changes)]
        else:
            rules.append(r)
    return tuple(rules)


def test_the_same_rulebook_changes_nothing_retroactively() -> None:
    assert retroactive_changes(batch_rulebook(), batch_rulebook(), ON) == []


def test_a_new_version_starting_after_the_date_is_prospective() -> None:
    proposed = batch_rulebook(*versioned("rail.disorder", date(2027, 1, 1), points=-90))
    assert retroactive_changes(batch_rulebook(), proposed, ON) == []


def test_a_new_version_starting_in_the_past_judges_conduct_since_then_anew() -> None:
    proposed = batch_rulebook(*versioned("rail.disorder", date(2026, 1, 1), points=-90))
    (change,) = retroactive_changes(batch_rulebook(), proposed, ON)
    assert change == RetroactiveChange(
        "rail.disorder", date(2026, 1, 1), ON, ("points -30 -> -90",)
    )
    assert str(change) == (
        "rail.disorder: conduct from 2026-01-01 to 2026-11-01 would be judged anew: "
        "points -30 -> -90"
    )


def test_an_edited_version_in_force_acts_on_all_its_conduct_up_to_the_date() -> None:
    proposed = batch_rulebook(*replaced("rail.smoking", restriction=restriction(RAIL, 365)))
    (change,) = retroactive_changes(batch_rulebook(), proposed, ON)
    # The smoking rule's second version runs from 2025-01-01; the first is untouched.
    assert (change.code, change.first, change.last) == ("rail.smoking", date(2025, 1, 1), ON)
    assert change.changes == ("restriction rail 90 days -> rail 365 days",)


def test_a_removed_rule_and_a_rule_where_none_was_are_both_retroactive() -> None:
    without_resale = tuple(r for r in DEFAULT_RULES if r.code != "rail.ticket_resale")
    earlier_threat = replaced("air.false_threat", effective_from=date(2024, 1, 1))
    removed = retroactive_changes(batch_rulebook(), batch_rulebook(*without_resale), ON)
    assert [(c.code, c.changes) for c in removed] == [
        ("rail.ticket_resale", ("no longer judged by any rule",))
    ]
    (added,) = retroactive_changes(batch_rulebook(), batch_rulebook(*earlier_threat), ON)
    assert (added.first, added.last) == (date(2024, 1, 1), date(2025, 2, 28))
    assert added.changes == ("judged by a rule where none was in force",)


def test_bands_and_the_review_threshold_act_at_once_on_every_score() -> None:
    current = batch_rulebook()
    proposed = dataclasses.replace(
        current,
        bands=(Band("A", 970), *current.bands[1:]),
        review=dataclasses.replace(current.review, below=900),
    )
    (change,) = retroactive_changes(current, proposed, ON)
    assert change.code == "rulebook"
    assert change.first is None
    assert "review below 850 -> 900" in change.changes
    assert str(change).endswith("would apply at once to every score")


def test_wording_alone_is_no_difference() -> None:
    rule = DEFAULT_RULES[2]
    assert (
        differences(
            rule,
            dataclasses.replace(
                rule, title=LocalizedText.of({"zh-Hans": "改写", "en": "Reworded"})
            ),
        )
        == ()
    )
    assert differences(None, None) == ()


def test_a_condition_added_and_the_base_score_are_named_in_the_warning() -> None:
    current = batch_rulebook()
    rules = replaced("rail.disorder", condition="record.seats > 1", attributes=(("seats", "int"),))
    proposed = dataclasses.replace(batch_rulebook(*rules), base_score=900)
    header, disorder = retroactive_changes(current, proposed, ON)
    assert header.changes == ("base score 1000 -> 900",)
    assert disorder.changes == (
        "condition none -> 'record.seats > 1'",
        "attributes {} -> {seats: int}",
    )
