"""The live progress line on stderr while collecting."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

from auditor.collect.outcome import plural


class Progress:
    """A live line on stderr while collecting; nothing when disabled."""

    def __init__(self, enabled: bool) -> None:
        self._enabled = enabled
        self._update: Callable[[str], None] = lambda text: None

    @contextlib.contextmanager
    def shown(self) -> Iterator[None]:
        if not self._enabled:
            yield
            return
        from rich.console import Console
        from rich.progress import Progress, SpinnerColumn, TextColumn

        with Progress(
            SpinnerColumn(), TextColumn("{task.description}"), console=Console(stderr=True), transient=True
        ) as progress:
            task = progress.add_task("Connecting to ARM")
            self._update = lambda text: progress.update(task, description=text)
            yield

    def report(self, done: int, pending: int, resources: int) -> None:
        self._update(
            f"Collecting: {plural(done, 'request')} answered, {pending} in flight, {plural(resources, 'resource')}"
        )
