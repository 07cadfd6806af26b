"""The wiring stays in one place: what only bootstrap builds, and the one typed way to app state."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import trustledger

SRC = Path(trustledger.__file__).parent


def modules() -> Iterator[tuple[str, ast.Module]]:
    for path in sorted(SRC.rglob("*.py")):
        yield path.relative_to(SRC).as_posix(), ast.parse(path.read_text(encoding="utf-8"))


def calls_to(name: str) -> list[str]:
    """Where `name(...)` or `x.name(...)` is called, as module:line."""
    found = []
    for module, tree in modules():
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                f = node.func
                called = f.id if isinstance(f, ast.Name) else getattr(f, "attr", None)
                if called == name:
                    found.append(f"{module}:{node.lineno}")
    return found


def test_the_evaluator_is_built_only_in_bootstrap() -> None:
    outside = [site for site in calls_to("Evaluator") if not site.startswith("bootstrap.py:")]
    assert outside == []
    assert calls_to("Evaluator"), "bootstrap builds the one Evaluator"
