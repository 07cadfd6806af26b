"""The rulebook as YAML package data: loaded strictly, linted for every safeguard, with cases."""

from trustledger.rulebook.linter import lint_rulebook
from trustledger.rulebook.loader import default_rulebook_path, load_cases, load_rulebook

__all__ = ["default_rulebook_path", "lint_rulebook", "load_cases", "load_rulebook"]
