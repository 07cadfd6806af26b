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


# The typed accessors: api.state for the API, web.page_state for the pages (web sits below api).
STATE_ACCESSORS = {"api/state.py", "web/page_state.py"}


def app_state_reads() -> list[str]:
    """Where `app.state` or `<x>.app.state` is read, as module:line."""
    found = []
    for module, tree in modules():
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr == "state":
                owner = node.value
                name = owner.id if isinstance(owner, ast.Name) else getattr(owner, "attr", None)
                if name == "app" and isinstance(node.ctx, ast.Load):
                    found.append(f"{module}:{node.lineno}")
    return found


def test_app_state_is_read_only_through_its_typed_accessors() -> None:
    outside = [site for site in app_state_reads() if site.split(":")[0] not in STATE_ACCESSORS]
    assert outside == []


def test_the_scan_finds_an_app_state_read() -> None:
    assert {site.split(":")[0] for site in app_state_reads()} == STATE_ACCESSORS
