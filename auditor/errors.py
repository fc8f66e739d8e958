"""Errors that the CLI reports to the user as one line, exiting with status 2."""

from __future__ import annotations

import os


class InputError(Exception):
    """A problem with the user's input files or command line, not a bug in amlaudit."""

    def __init__(self, problem: str, path: str | os.PathLike[str] | None = None) -> None:
        # Both go to Exception: unpickling rebuilds the error from its args.
        super().__init__(problem, path)
        self.problem = problem
        self.path = path

    def __str__(self) -> str:
        text = self.problem if self.path is None else f"{os.fspath(self.path)}: {self.problem}"
        # File names and quoted input may hold line breaks; the CLI promises one line.
        return " ".join(text.splitlines())
