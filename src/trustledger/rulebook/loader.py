"""Load a rulebook (the shipped default or a path) into the domain model, refusing any problem."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from trustledger.domain.errors import RulebookInvalid
from trustledger.domain.rulebook import Rulebook
from trustledger.rulebook.build import build_rulebook
from trustledger.rulebook.cases import Case
from trustledger.rulebook.linter import lint_reading
from trustledger.rulebook.schema import Reading, default_rulebook_path, read_rulebook

__all__ = ["default_rulebook_path", "load_cases", "load_rulebook"]


def load_rulebook(path: Path | None = None) -> Rulebook:
    """The rulebook at `path`: a directory of *.yaml files or one file; None: the shipped default.

    Raises RulebookInvalid naming every problem, the linter's included: an unsafe rulebook never
    loads. The default is read once per process.
    """
    if path is None:
        return _default()[0]
    return build_rulebook(_checked(path))


def load_cases(path: Path | None = None) -> list[Case]:
    """The example cases of the rulebook at `path` (None: the shipped default)."""
    if path is None:
        return list(_default()[1])
    return list(_checked(path).cases)


@lru_cache(maxsize=1)
def _default() -> tuple[Rulebook, tuple[Case, ...]]:
    reading = _checked(default_rulebook_path())
    return build_rulebook(reading), tuple(reading.cases)


def _checked(path: Path) -> Reading:
    reading = read_rulebook(path)
    problems = lint_reading(reading)
    if problems:
        raise RulebookInvalid(problems)
    return reading
