"""A Rich progress bar on stderr that appears only once work is under way, for long commands."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    TextColumn,
    TimeRemainingColumn,
)

from trustledger.services.progress import Advance
from trustledger.store.schema import Progress as Phases

err = Console(stderr=True, highlight=False, soft_wrap=True)


@contextmanager
def progress_bar(total: int, *columns: ProgressColumn) -> Iterator[Advance]:
    """Yield an `advance(n)`; the bar starts at the first call, so an early error prints alone."""
    progress = Progress(*columns, console=err, transient=True)
    task = progress.add_task("work", total=total)
    started = False

    def advance(n: int) -> None:
        nonlocal started
        if not started:
            progress.start()
            started = True
        progress.advance(task, n)

    try:
        yield advance
    finally:
        if started:
            progress.stop()


@contextmanager
def phase_bars() -> Iterator[Phases]:
    """Yield a `start(phase, total) -> advance`: one bar a phase, shown from its first advance."""
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    progress = Progress(*columns, TimeRemainingColumn(), console=err, transient=True)
    started = False

    def start(phase: str, total: int) -> Advance:
        task = progress.add_task(phase, total=total, visible=False)

        def advance(n: int) -> None:
            nonlocal started
            if not started:
                progress.start()
                started = True
            progress.update(task, advance=n, visible=True)

        return advance

    try:
        yield start
    finally:
        if started:
            progress.stop()
