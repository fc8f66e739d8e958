"""The Azure SDKs' own log records, kept off the terminal unless `--verbose` asks for them.

azure-core and azure-identity log through `logging` and, with no handler configured, Python prints
their WARNINGs bare on stderr ("Incomplete download.", a dozen lines per credential that gave no
token), even under `--quiet`. Every failure they describe is recorded by the collector as a read
error with its cause, so by default they are dropped; with `--verbose` they become diagnostic lines.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator

_LOGGERS = ("azure", "urllib3", "msal")


class _Relay(logging.Handler):
    def __init__(self, sink: Callable[[str], None] | None) -> None:
        super().__init__(logging.WARNING)
        self._sink = sink

    def emit(self, record: logging.LogRecord) -> None:
        if self._sink is None:
            return
        try:
            lines = record.getMessage().splitlines() or [""]
        except Exception:  # a malformed record must not break a collection
            lines = [str(record.msg)]
        for line in lines:
            self._sink(f"{record.name}: {line}")


@contextlib.contextmanager
def sdk_logging(sink: Callable[[str], None] | None) -> Iterator[None]:
    """While collecting, the SDKs' WARNINGs and worse go to `sink` line by line, or nowhere."""
    relay = _Relay(sink)
    saved = []
    for name in _LOGGERS:
        logger = logging.getLogger(name)
        saved.append((logger, logger.handlers[:], logger.propagate, logger.level))
        logger.handlers = [relay]
        logger.propagate = False
        logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        for logger, handlers, propagate, level in saved:
            logger.handlers = handlers
            logger.propagate = propagate
            logger.setLevel(level)
