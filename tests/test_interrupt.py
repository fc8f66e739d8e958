"""Ctrl-C at any moment: `amlaudit: aborted` on stderr, exit 130, no traceback, nothing written.

Real processes and real SIGINTs; each waits for a marker file that says where the process is, so
that the signal lands in the phase under test.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from rule_files import write_rule_file

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "fixtures" / "sample-tenant"


def interrupt_when(marker: Path, command: list[str]) -> subprocess.CompletedProcess[str]:
    """Run `command`, send SIGINT once `marker` exists, and return what the process did."""
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not marker.exists():
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the process never reached the phase under test"
        time.sleep(0.02)
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=60)
    return subprocess.CompletedProcess(command, process.returncode, stdout, stderr)


def test_ctrl_c_during_a_scan(tmp_path: Path) -> None:
    marker = tmp_path / "judging"
    rules = write_rule_file(
        tmp_path / "rules",
        "ORG-SLOW",
        f"""
        open({str(marker)!r}, "w").close()
        time.sleep(60)
        yield from ()
        """,
        prelude="import time",
    )
    output = tmp_path / "report.json"
    command = [sys.executable, "-m", "auditor", "scan", "--inventory", str(SAMPLE), "--rules-dir", str(rules)]

    done = interrupt_when(marker, [*command, "--format", "json", "--output", str(output)])

    assert (done.returncode, done.stderr, done.stdout) == (130, "amlaudit: aborted\n", "")
    assert not output.exists()
    assert sorted(os.listdir(tmp_path)) == ["judging", "rules"]


def test_ctrl_c_while_the_commands_load(tmp_path: Path) -> None:
    # A finder that stops the import of the engine, which the commands need, until interrupted.
    marker = tmp_path / "importing"
    script = f"""
import sys, time

class Stall:
    def find_spec(self, name, path=None, target=None):
        if name == "auditor.engine":
            open({str(marker)!r}, "w").close()
            time.sleep(60)
        return None

sys.meta_path.insert(0, Stall())
sys.argv = ["amlaudit", "rules", "list"]
from auditor.cli import main
main()
"""
    done = interrupt_when(marker, [sys.executable, "-c", script])

    assert (done.returncode, done.stderr, done.stdout) == (130, "amlaudit: aborted\n", "")
