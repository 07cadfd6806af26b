"""A Rich progress bar on stderr that appears only once work is under way, for long commands."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import Progress, ProgressColumn

from trustledger.services.progress import Advance

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
