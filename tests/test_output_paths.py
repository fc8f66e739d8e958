"""Never damage what is at an output path: devices and FIFOs are written to, symlinks followed,
and output paths are checked before any collection starts. Real processes, real special files."""

from __future__ import annotations

import json
import os
import stat
import threading
from pathlib import Path

import pytest
from fakearm.server import FakeArm
from fakearm.tenant import sample_tenant
from live_cli import ROOT, amlaudit, fake_args

SAMPLE = str(ROOT / "fixtures" / "sample-tenant")


def _drain(fifo: Path, into: list[bytes]) -> threading.Thread:
    def read() -> None:
        with open(fifo, "rb") as pipe:
            into.append(pipe.read())

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    return reader


def test_a_fifo_is_written_to_and_stays_a_fifo(tmp_path: Path) -> None:
    fifo = tmp_path / "report.fifo"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = _drain(fifo, received)

    done = amlaudit("scan", "--inventory", SAMPLE, "--format", "json", "--output", str(fifo))

    reader.join(timeout=60)
    assert done.returncode == 0, done.stderr
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert json.loads(received[0])["schema_version"] == 1
    assert [p.name for p in tmp_path.iterdir()] == ["report.fifo"]  # no temporary left behind


def test_a_symlink_is_followed_and_stays_a_symlink(tmp_path: Path) -> None:
    target = tmp_path / "reports" / "real.json"
    target.parent.mkdir()
    target.write_text("old", encoding="utf-8")
    link = tmp_path / "link.json"
    link.symlink_to(target)

    done = amlaudit("scan", "--inventory", SAMPLE, "--format", "json", "--output", str(link))

    assert done.returncode == 0, done.stderr
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert json.loads(target.read_text(encoding="utf-8"))["schema_version"] == 1
    assert sorted(p.name for p in target.parent.iterdir()) == ["real.json"]


def test_a_symlink_to_a_fifo_reaches_the_fifo(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    link = tmp_path / "out"
    link.symlink_to(fifo)
    received: list[bytes] = []
    reader = _drain(fifo, received)

    done = amlaudit("scan", "--inventory", SAMPLE, "--format", "sarif", "--output", str(link))

    reader.join(timeout=60)
    assert done.returncode == 0, done.stderr
    assert link.is_symlink() and stat.S_ISFIFO(os.stat(link).st_mode)
    assert json.loads(received[0])["version"] == "2.1.0"


def _null_device(path: Path) -> None:
    """A character device like /dev/null (1, 3), or a skip saying why not."""
    try:
        os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, 3))
        with open(path, "wb") as probe:
            probe.write(b"")
    except (PermissionError, OSError) as err:
        pytest.skip(f"cannot make or open a character device here: {err}")


def test_a_character_device_is_written_to_and_stays_a_device(tmp_path: Path) -> None:
    device = tmp_path / "null"
    _null_device(device)

    done = amlaudit("scan", "--inventory", SAMPLE, "--format", "json,html", "--output-dir", str(tmp_path))
    assert done.returncode == 0, done.stderr
    done = amlaudit("scan", "--inventory", SAMPLE, "--format", "json", "--output", str(device))

    assert done.returncode == 0, done.stderr
    assert stat.S_ISCHR(os.lstat(device).st_mode)
    assert os.lstat(device).st_rdev == os.makedev(1, 3)


def test_collect_into_a_character_device(fake_arm: FakeArm, tmp_path: Path) -> None:
    fake_arm.load(sample_tenant())
    device = tmp_path / "null"
    _null_device(device)

    done = amlaudit("collect", *fake_args(fake_arm, "--quiet", "--output", str(device)))

    assert done.returncode == 0, done.stderr
    assert stat.S_ISCHR(os.lstat(device).st_mode)


@pytest.mark.parametrize(
    ("option", "where", "says"),
    [
        ("--output", "missing/report.json", "is not a folder"),
        ("--output-dir", "file.txt/reports", "is not a folder"),
        ("--output-dir", "", "amlaudit.json: is a folder, not a file"),
    ],
)
def test_output_paths_are_checked_before_collecting(
    fake_arm: FakeArm, tmp_path: Path, option: str, where: str, says: str
) -> None:
    fake_arm.load(sample_tenant())
    (tmp_path / "file.txt").write_text("keep", encoding="utf-8")
    (tmp_path / "amlaudit.json").mkdir()  # where the JSON report of --output-dir would go
    path = str(tmp_path / where) if where else str(tmp_path)

    done = amlaudit("scan", *fake_args(fake_arm, "--quiet", "--format", "json", option, path))

    assert done.returncode == 2, done.stderr
    assert len(done.stderr.splitlines()) == 1 and says in done.stderr
    assert fake_arm.requests == []  # nothing was collected for a report that could not be written
    assert (tmp_path / "file.txt").read_text(encoding="utf-8") == "keep"


def test_collect_output_is_checked_before_collecting(fake_arm: FakeArm, tmp_path: Path) -> None:
    fake_arm.load(sample_tenant())
    done = amlaudit("collect", *fake_args(fake_arm, "--quiet", "--output", str(tmp_path / "no" / "s.json")))
    assert done.returncode == 2 and "is not a folder" in done.stderr
    assert fake_arm.requests == []


def test_graph_output_dir_is_checked_before_collecting(fake_arm: FakeArm, tmp_path: Path) -> None:
    fake_arm.load(sample_tenant())
    (tmp_path / "file.txt").write_text("keep", encoding="utf-8")
    done = amlaudit("graph", *fake_args(fake_arm, "--quiet", "--output-dir", str(tmp_path / "file.txt" / "g")))
    assert done.returncode == 2, done.stderr
    assert "is not a folder" in done.stderr
    assert fake_arm.requests == []
