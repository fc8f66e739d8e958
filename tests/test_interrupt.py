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
from collections.abc import Callable
from pathlib import Path

from fakearm.harness import FAKE_TOKEN
from fakearm.server import FakeArm
from rule_files import write_rule_file

from auditor.inventory import load_inventory

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "fixtures" / "sample-tenant"


def interrupt_when(
    marker: Path | Callable[[], bool], command: list[str], env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run `command`, send SIGINT once `marker` exists (or returns True), and return what the process did."""
    ready = marker.exists if isinstance(marker, Path) else marker
    process = subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ, **(env or {})}
    )
    deadline = time.monotonic() + 60
    while not ready():
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the process never reached the phase under test"
        time.sleep(0.02)
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=30)
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


def test_ctrl_c_while_requests_are_in_flight(fake_arm: FakeArm, tmp_path: Path) -> None:
    # Every ARM request is held for a minute: Ctrl-C must not wait for the collector's threads.
    fake_arm.load(load_inventory([str(SAMPLE)]).resources)
    fake_arm.fault(".*", 503, hold=60)
    output = tmp_path / "snapshot.json"
    command = [sys.executable, "-m", "auditor", "collect", "--subscription", "3f2a6c1e-8d4b-4b7a-9c55-0e1f2a3b4c5d"]
    command += ["--arm-endpoint", fake_arm.base_url, "--ca-bundle", str(fake_arm.ca_path), "--quiet"]
    started = time.monotonic()

    done = interrupt_when(
        lambda: bool(fake_arm.requests), [*command, "--output", str(output)], env={"AMLAUDIT_ACCESS_TOKEN": FAKE_TOKEN}
    )

    assert (done.returncode, done.stderr, done.stdout) == (130, "amlaudit: aborted\n", "")
    assert time.monotonic() - started < 30
    assert not output.exists()
