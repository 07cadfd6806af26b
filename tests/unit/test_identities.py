"""Synthetic identity numbers: valid under cn-ric, distinct, repeatable for a seed."""

from __future__ import annotations

import numpy as np
import pytest
from stdnum.cn import ric

from trustledger.batch.identities import MAX_PEOPLE, IdentityMint, region_years
from trustledger.domain.errors import InvalidInput
from trustledger.domain.identity import CnRic


def test_every_sampled_number_validates_under_cn_ric() -> None:
    people = np.random.default_rng(3).integers(0, MAX_PEOPLE, 5000)
    numbers = IdentityMint(seed=9).numbers(people).to_pylist()
    scheme = CnRic()
    assert [scheme.normalize(n) for n in numbers] == numbers


def test_check_characters_match_iso_7064_as_stdnum_computes_them() -> None:
    numbers = IdentityMint(seed=1).numbers(np.arange(20_000)).to_pylist()
    assert all(ric.calc_check_digit(n) == n[17] for n in numbers)
    assert any(n.endswith("X") for n in numbers)


def test_distinct_people_get_distinct_numbers() -> None:
    numbers = IdentityMint(seed=2).numbers(np.arange(200_000)).to_pylist()
    assert len(set(numbers)) == len(numbers)


def test_numbers_are_repeatable_for_a_seed_and_differ_between_seeds() -> None:
    people = np.arange(100)
    assert IdentityMint(4).numbers(people).equals(IdentityMint(4).numbers(people))
    assert not IdentityMint(4).numbers(people).equals(IdentityMint(5).numbers(people))


def test_the_significant_digits_are_the_compact_key() -> None:
    mint = IdentityMint(seed=6)
    people = np.arange(50)
    numbers = mint.numbers(people).to_pylist()
    assert mint.significant(people).tolist() == [CnRic().compact_key(n) for n in numbers]


def test_births_span_1940_to_2006_across_many_regions() -> None:
    numbers = IdentityMint(seed=7).numbers(np.arange(50_000)).to_pylist()
    years = {int(n[6:10]) for n in numbers}
    assert min(years) == 1940
    assert max(years) == 2006
    assert len({n[:6] for n in numbers}) > 3000
    assert not {n[:2] for n in numbers} & {"71", "81", "82"}
    assert len(np.unique(region_years()[:, 0])) > 5000


def test_a_person_index_out_of_range_is_refused() -> None:
    with pytest.raises(InvalidInput, match="people"):
        IdentityMint(seed=0).numbers(np.array([MAX_PEOPLE + 1]))
