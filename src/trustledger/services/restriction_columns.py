"""Stored restrictions as columns: the pages the check index loads at start-up.

A million restrictions built as domain objects, one by one, took ~28 s; as columns the store
fetches them without an object per row and the index compiles them with numpy.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

NO_DAY = 0  # a null date among day ordinals (date.min is day 1)


@dataclass(frozen=True, slots=True)
class RestrictionColumns:
    """Restrictions, a column per field a check reads; dates as day ordinals, NO_DAY if null.

    A subject's restrictions are in the order they were stored, as the store reads them."""

    keys: NDArray[np.int64]  # the subjects' compact keys
    ids: list[str]
    scopes: list[str]  # as stored: sorted, comma-separated
    reasons: list[str]
    statuses: list[str]
    starts: NDArray[np.int64]
    ends: NDArray[np.int64]
    lifted: NDArray[np.int64]

    def __len__(self) -> int:
        return len(self.ids)
