"""Rule versions as disjoint date segments pick the version Rulebook.rule_for picks, on any day."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from batch_factories import batch_rulebook, rule
from trustledger.batch.rules_sql import segments

DAY0 = date(2020, 1, 1)
offsets = st.integers(0, 60)
versions = st.lists(
    st.tuples(st.sampled_from(["a.x", "b.y"]), offsets, st.one_of(st.none(), offsets)),
    min_size=1,
    max_size=5,
)


@given(versions=versions, day=st.integers(-5, 70), code=st.sampled_from(["a.x", "b.y"]))
def test_segments_pick_the_version_rule_for_picks(
    versions: list[tuple[str, int, int | None]], day: int, code: str
) -> None:
    rules = tuple(
        rule(
            c,
            points=-i,
            effective_from=DAY0 + timedelta(days=start),
            effective_to=None if length is None else DAY0 + timedelta(days=start + length),
        )
        for i, (c, start, length) in enumerate(versions)
    )
    rulebook = batch_rulebook(*rules)
    on = DAY0 + timedelta(days=day)
    hits = [
        index
        for index, start, end in segments(rulebook)
        if rules[index].code == code and start <= on and (end is None or on <= end)
    ]
    expected = rulebook.rule_for(code, on)
    assert hits == ([] if expected is None else [rules.index(expected)])
