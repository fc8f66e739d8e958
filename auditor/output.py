"""Writing report files so that a reader never sees half a report, and nothing at a path is damaged.

A regular file (or a new path) is replaced atomically: written beside, then renamed over. Anything
else at the path keeps what it is: a character device (`/dev/null`, a terminal), a FIFO or a socket
is written to directly, and a symlink is followed to its target, which then gets the same
treatment; renaming over them would turn them into a plain file.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import stat
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import IO

# How many characters of rendered pieces to join before encoding and writing: large enough to
# amortise the join and the write, small enough that a huge report never exists as one string,
# and that a batch and its UTF-8 (up to 3 bytes a character) stay below malloc's mmap threshold
# (128 KiB): they reuse the same heap memory instead of mapping fresh pages for every batch, which
# cost a large report tens of thousands of page faults (0.1-0.4 s of system time at 1,000 workspaces).
BATCH = 1 << 15

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


def check_output_file(path: Path) -> None:
    """OSError (naming the path) unless a file can be written at `path`: checked before any work."""
    target = _target(path)
    if target.is_dir():
        raise IsADirectoryError(errno.EISDIR, "is a folder, not a file", str(path))
    if target.exists() and not target.is_file():
        if not os.access(target, os.W_OK):
            raise PermissionError(errno.EACCES, "not writable", str(path))
        return  # written to directly
    _check_folder(target.parent, str(path))


def check_output_dir(path: Path) -> None:
    """OSError (naming the path) unless reports can be written in the folder `path` (made if need be)."""
    target = _target(path)
    if target.exists():
        if not target.is_dir():
            raise NotADirectoryError(errno.ENOTDIR, "is not a folder", str(path))
        _check_folder(target, str(path))
        return
    existing = target.parent
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    _check_folder(existing, str(path))


def _check_folder(folder: Path, shown: str) -> None:
    if not folder.is_dir():
        raise NotADirectoryError(errno.ENOTDIR, f"{folder} is not a folder", shown)
    if not os.access(folder, os.W_OK | os.X_OK):
        raise PermissionError(errno.EACCES, f"cannot write in {folder}", shown)


def _target(path: Path) -> Path:
    """Where writing `path` lands: symlinks followed (a dangling one names the file to create)."""
    return Path(os.path.realpath(path))


def _replaceable(target: Path) -> bool:
    """Whether `target` may be renamed over: a regular file, or nothing yet."""
    try:
        return stat.S_ISREG(os.stat(target).st_mode)
    except FileNotFoundError:
        return True


def write_all_atomic(files: Mapping[Path, Text]) -> None:
    """Write every file to a temporary beside it, then rename them all: an error in any rendering
    or write leaves none of them changed and no temporary behind.

    The temporary file sits beside the target so that `os.replace` stays a same-filesystem rename,
    which POSIX and Windows both perform atomically. Paths that are not regular files (devices,
    FIFOs) are written to directly, after every temporary is complete and before the renames.
    """
    targets = {path: _target(path) for path in files}
    direct = {path: text for path, text in files.items() if not _replaceable(targets[path])}
    written: list[tuple[Path, Path]] = []
    try:
        for path, text in files.items():
            if path in direct:
                continue
            target = targets[path]
            temp = target.parent / f".{target.name}.{secrets.token_hex(6)}.tmp"
            # os.open with 0o666 lets the umask decide the final permissions, as a plain open()
            # would; tempfile.mkstemp would leave every report readable by its owner only.
            try:
                fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
                written.append((temp, target))
                with os.fdopen(fd, "wb") as handle:
                    for batch in batches(text):
                        handle.write(batch.encode("utf-8"))
                    handle.flush()
                    os.fsync(handle.fileno())
            except OSError as err:
                # Name the report, not its temporary file.
                raise OSError(err.errno, err.strerror, str(path)) from err
        for path, text in direct.items():
            _write_directly(path, targets[path], text)
        for temp, target in written:
            os.replace(temp, target)
    except BaseException:
        for temp, _ in written:
            with contextlib.suppress(OSError):
                temp.unlink()
        raise
    for directory in {path.parent for _, path in written}:
        _fsync_directory(directory)


def _write_directly(path: Path, target: Path, text: Text) -> None:
    try:
        with open(target, "wb") as handle:
            for batch in batches(text):
                handle.write(batch.encode("utf-8"))
    except OSError as err:
        raise OSError(err.errno, err.strerror, str(path)) from err


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
