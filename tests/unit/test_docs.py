"""The README documents every CLI command and every HTTP endpoint the code has."""

from __future__ import annotations

import re
from pathlib import Path

import typer

from trustledger.cli.app import app

README = (Path(__file__).parents[2] / "README.md").read_text()
PARAM = re.compile(r"\{[^}]*\}")


def cli_commands(group: typer.Typer, prefix: str = "") -> list[str]:
    names = [f"{prefix}{c.name or c.callback.__name__}" for c in group.registered_commands]  # type: ignore[union-attr]
    for sub in group.registered_groups:
        names += cli_commands(sub.typer_instance, f"{prefix}{sub.name} ")  # type: ignore[arg-type]
    return names


def test_every_cli_command_is_in_the_readme() -> None:
    commands = cli_commands(app)
    assert len(commands) >= 12
    missing = [c for c in commands if f"trustledger {c}" not in README]
    assert missing == []


def test_every_http_endpoint_is_in_the_readme() -> None:
    from trustledger.api.app import create_app
    from trustledger.bootstrap import open_registry

    registry = open_registry("sqlite://")
    try:
        paths = create_app(registry, follow=False).openapi()["paths"]
    finally:
        registry.close()
    readme = PARAM.sub("{}", README)

    def documented_path(path: str) -> bool:
        pattern = r"[ `]" + re.escape(PARAM.sub("{}", path)) + r"[`?\s]"
        return re.search(pattern, readme) is not None

    documented = [p for p in paths if documented_path(p)]
    missing = sorted(set(paths) - set(documented))
    assert missing == []
    assert "/v1/check" in paths
