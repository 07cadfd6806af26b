"""Playwright driving Debian's chromium against a seeded site; screenshots under artifacts/.

Where chromium or Playwright is missing the tests skip with a message, except in CI (CI=true),
where they fail. Never `playwright install`: it downloads a browser and fails offline.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.seeded_site import Site, start_site, stop_site

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
VIEWPORT = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


def _missing() -> str | None:
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright for Python is not installed (pip install playwright)"
    return None


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    problem = _missing()
    if problem is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(problem)
        pytest.skip(problem)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield launched
        finally:
            launched.close()


@contextmanager
def seeded_site(tmp: Path, *, language: str = "en") -> Iterator[Site]:
    """The seeded site, served in `language`, for as long as the block runs."""
    running, proc = start_site(tmp, language=language)
    try:
        yield running
    finally:
        stop_site(running, proc)


@contextmanager
def browser_page(browser: Any, site: Site, *, locale: str) -> Iterator[Any]:
    """A page of a fresh browser context in `locale`; a script error fails the test."""
    context = browser.new_context(viewport=VIEWPORT, base_url=site.url, locale=locale)
    opened = context.new_page()
    problems: list[str] = []
    opened.on("pageerror", lambda e: problems.append(f"script error: {e}"))
    opened.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    try:
        yield opened
    finally:
        context.close()
    assert problems == [], problems


@pytest.fixture(scope="session")
def site(browser: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    with seeded_site(tmp_path_factory.mktemp("browser")) as running:
        yield running


@pytest.fixture
def page(browser: Any, site: Site) -> Iterator[Any]:
    with browser_page(browser, site, locale="en-GB") as opened:
        yield opened


def shoot(page: Any, name: str) -> Path:
    """A full-page PNG under artifacts/screenshots/ (docs/screenshots/ has the README's copies)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
