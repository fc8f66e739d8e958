"""Writing report files so that a reader never sees half a report."""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import IO

# How many characters of rendered pieces to join before encoding and writing: large enough to
# amortise the join and the write, small enough that a huge report never exists as one string.
BATCH = 1 << 20

Text = str | Iterable[str]


def batches(text: Text) -> Iterator[str]:
    """The text in strings of about BATCH characters (a piece is never split)."""
    if isinstance(text, str):
        yield text
        return
    pending: list[str] = []
    size = 0
    for piece in text:
        pending.append(piece)
        size += len(piece)
        if size >= BATCH:
            yield "".join(pending)
            pending.clear()
            size = 0
    if pending:
        yield "".join(pending)


def write_text(stream: IO[str], text: Text) -> None:
    for batch in batches(text):
        stream.write(batch)


def write_atomic(path: Path, text: Text) -> None:
    """Replace `path` with `text` (UTF-8, a string or its pieces) in one step, or leave it untouched."""
    write_all_atomic({path: text})


def write_all_atomic(files: Mapping[Path, Text]) -> None:
    """Write every file to a temporary beside it, then rename them all: an error in any rendering
    or write leaves none of them changed and no temporary behind.

    The temporary file sits beside the target so that `os.replace` stays a same-filesystem rename,
    which POSIX and Windows both perform atomically.
    """
    written: list[tuple[Path, Path]] = []
    try:
        for path, text in files.items():
            temp = path.parent / f".{path.name}.{secrets.token_hex(6)}.tmp"
            # os.open with 0o666 lets the umask decide the final permissions, as a plain open()
            # would; tempfile.mkstemp would leave every report readable by its owner only.
            try:
                fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
                written.append((temp, path))
                with os.fdopen(fd, "wb") as handle:
                    for batch in batches(text):
                        handle.write(batch.encode("utf-8"))
                    handle.flush()
                    os.fsync(handle.fileno())
            except OSError as err:
                # Name the report, not its temporary file.
                raise OSError(err.errno, err.strerror, str(path)) from err
        for temp, path in written:
            os.replace(temp, path)
    except BaseException:
        for temp, _ in written:
            with contextlib.suppress(OSError):
                temp.unlink()
        raise
    for directory in {path.parent for _, path in written}:
        _fsync_directory(directory)


def _fsync_directory(directory: Path) -> None:
    """Make the rename itself durable where the platform allows it.

    Only POSIX lets a directory be opened for this, and some filesystems refuse it; the report is
    complete by now either way, so a refusal must not turn a written report into an error.
    """
    if not hasattr(os, "O_DIRECTORY"):
        return
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
