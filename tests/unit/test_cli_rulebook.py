"""`trustledger rulebook lint`: exit 0 with a summary for a sound rulebook, 1 with every problem."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from types import ModuleType

import pytest
import typer
from typer.testing import CliRunner

from trustledger.cli import rulebook as rulebook_cli
from trustledger.rulebook import lint_rulebook, load_rulebook

BAD = Path(__file__).parents[1] / "data" / "bad_rulebook"


def bare_app() -> typer.Typer:
    """An app with only this command group, so the command is tested even where siblings are not."""
    app = typer.Typer()

    @app.callback()
    def main() -> None:
        """trustledger"""

    rulebook_cli.register(app)
    return app


def app_module() -> ModuleType:
    try:
        return importlib.import_module("trustledger.cli.app")
    except ModuleNotFoundError as exc:
        # app.py imports every module in COMMAND_MODULES; a branch may lack another group's module.
        if not (exc.name or "").startswith("trustledger.cli."):
            raise
        pytest.skip(f"trustledger.cli.app needs {exc.name}, not on this branch")


def real_app() -> typer.Typer:
    app: typer.Typer = app_module().app
    return app


@pytest.fixture(params=["bare", "app"])
def cli(request: pytest.FixtureRequest) -> typer.Typer:
    return bare_app() if request.param == "bare" else real_app()


def test_the_shipped_rulebook_lints_clean_with_a_one_line_summary(cli: typer.Typer) -> None:
    result = CliRunner().invoke(cli, ["rulebook", "lint"])
    assert result.exit_code == 0, result.output
    version = load_rulebook().version
    assert result.stdout == f"OK: rulebook {version}: 30 rules, 26 codes, 57 example cases hold\n"


def test_a_bad_rulebook_prints_every_problem_and_exits_1(cli: typer.Typer) -> None:
    result = CliRunner().invoke(cli, ["rulebook", "lint", str(BAD)])
    assert result.exit_code == 1
    expected = [f"{p.file}:{p.line}: {p.key}: {p.message}" for p in lint_rulebook(BAD)]
    assert result.stdout.splitlines() == expected
    assert f"{len(expected)} problem(s)" in result.stderr


def test_a_path_that_does_not_exist_is_a_problem_too(cli: typer.Typer, tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"
    result = CliRunner().invoke(cli, ["rulebook", "lint", str(missing)])
    assert result.exit_code == 1
    assert result.stdout == f"{missing}:1: -: no such file or directory\n"


@pytest.mark.parametrize(("path", "code"), [(None, 0), (BAD, 1)])
def test_the_entry_point_exits_with_the_command_exit_code(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    path: Path | None,
    code: int,
) -> None:
    main = app_module().main
    monkeypatch.setattr(
        sys, "argv", ["trustledger", "rulebook", "lint", *([str(path)] if path else [])]
    )
    try:
        main()
        exit_code = 0
    except SystemExit as exc:
        exit_code = int(exc.code or 0)
    assert exit_code == code
    assert capsys.readouterr().out
