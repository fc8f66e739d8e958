"""The console entry point ends the process through os._exit only once everything is written."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from auditor.cli.process import end_process

ROOT = Path(__file__).resolve().parent.parent


def _entry_point(*arguments: str, prelude: str = "") -> subprocess.CompletedProcess[str]:
    script = f"import sys\n{prelude}\nsys.argv = ['amlaudit', *{list(arguments)!r}]\n"
    script += "from auditor.cli import main\nmain()\n"
    return subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={**os.environ, "SOURCE_DATE_EPOCH": "1767225600"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_a_report_on_stdout_is_whole_and_the_exit_code_kept(tmp_path: Path) -> None:
    written = tmp_path / "report.json"
    scan = ["scan", "--inventory", "fixtures/cases/no-vnet.json", "--format", "json"]

    to_stdout = _entry_point(*scan)
    to_file = _entry_point(*scan, "--output", str(written))

    assert (to_stdout.returncode, to_file.returncode) == (1, 1)  # no-vnet fails at high severity
    assert to_stdout.stdout == written.read_text(encoding="utf-8")
    assert to_stdout.stdout.endswith("}\n")


def test_atexit_handlers_still_run() -> None:
    done = _entry_point("--version", prelude="import atexit\natexit.register(lambda: print('atexit ran'))")

    assert (done.returncode, done.stdout) == (0, "amlaudit 0.1.0\natexit ran\n")


def test_input_errors_keep_their_line_and_code() -> None:
    done = _entry_point("scan", "--inventory", "no/such/inventory.json")

    assert done.returncode == 2
    assert done.stderr.startswith("amlaudit: error: ") and done.stderr.count("\n") == 1


def test_a_running_thread_or_an_odd_code_takes_the_ordinary_way_out() -> None:
    # In-process, so each case must raise SystemExit rather than end pytest.
    release = threading.Event()
    worker = threading.Thread(target=release.wait)
    worker.start()
    try:
        with pytest.raises(SystemExit) as stop:
            end_process(0)
        assert stop.value.code == 0
    finally:
        release.set()
        worker.join()
    with pytest.raises(SystemExit) as stop:
        end_process("a message, not a number")
    assert stop.value.code == "a message, not a number"
