"""A progress bar for long management commands (rich), silent when output is not a terminal."""

from __future__ import annotations

import contextlib
import sys

from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)


@contextlib.contextmanager
def progress_bar(description: str, total: int | None = None, *, enabled: bool | None = None):
    """Yields ``update(done, total)``; the bar is drawn on stderr."""
    if enabled is None:
        enabled = sys.stderr.isatty()
    progress = Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        TimeRemainingColumn(), disable=not enabled, transient=False,
    )  # fmt: skip
    with progress:
        task = progress.add_task(description, total=total)

        def update(done: int, new_total: int | None = None, *_ignored) -> None:
            progress.update(task, completed=done, total=new_total if new_total is not None else total)

        yield update
