"""A live scan or collect that could not read what it needed never exits 0 (issue 8, "Fail closed").

Real processes against the fake ARM: the exit code and stderr are what a CI job sees.
"""

from __future__ import annotations

import json
import os
import ssl
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from fakearm.server import STATS_PATH, FakeArm
from fakearm.tenant import sample_tenant
from live_cli import ROOT, TOKEN_ENV, amlaudit, fake_args, fake_process, live_args

from auditor.collect.outcome import hidden_by_gap, nothing_read, plural, scan_incomplete, summary


@pytest.fixture
def served(fake_arm: FakeArm) -> FakeArm:
    fake_arm.load(sample_tenant())
    return fake_arm


def test_rejected_token_everywhere_fails_collect_and_scan(served: FakeArm, tmp_path: Path) -> None:
    served.expected_token = "another-token"  # 401 on every request
    snapshot = tmp_path / "snapshot.json"

    collected = amlaudit("collect", *fake_args(served), "--output", str(snapshot), "--quiet")
    scanned = amlaudit("scan", *fake_args(served), "--quiet")

    assert collected.returncode == 3, collected.stderr
    assert "nothing could be read: the access token is invalid" in collected.stderr
    assert json.loads(snapshot.read_text(encoding="utf-8"))["errors"][0]["status"] == 401
    assert scanned.returncode == 3, scanned.stderr
    assert scanned.stderr.splitlines()[-1].startswith("amlaudit: error: nothing could be read: the access token")
    assert "Traceback" not in collected.stderr + scanned.stderr


def test_allow_partial_keeps_the_normal_exit_logic(served: FakeArm, tmp_path: Path) -> None:
    served.fault(r"/providers/Microsoft\.Storage/storageAccounts$", 403)
    snapshot = tmp_path / "snapshot.json"

    strict = amlaudit("collect", *fake_args(served), "--output", str(snapshot), "--quiet")
    partial = amlaudit("collect", *fake_args(served), "--output", str(snapshot), "--quiet", "--allow-partial")

    assert strict.returncode == 3
    assert "collected 55 resources, 1 read error (1 type); snapshot written to" in strict.stderr
    assert "the snapshot is incomplete: 1 read error" in strict.stderr
    assert partial.returncode == 0, partial.stderr
    assert json.loads(snapshot.read_text(encoding="utf-8"))["errors"][0]["code"] == "AuthorizationFailed"


def test_collect_prints_a_final_line_on_success(served: FakeArm, tmp_path: Path) -> None:
    snapshot = tmp_path / "snapshot.json"
    done = amlaudit("collect", *fake_args(served), "--output", str(snapshot), "--quiet")
    assert done.returncode == 0, done.stderr
    assert done.stderr == f"amlaudit: collected 55 resources, 0 read errors; snapshot written to {snapshot}\n"


def _requests_served(base_url: str, ca_path: str) -> int:
    context = ssl.create_default_context(cafile=ca_path)
    with urllib.request.urlopen(base_url + STATS_PATH, context=context, timeout=5) as answer:
        return int(json.load(answer)["requests"])


def _kill_after(served: object, requests: int) -> None:
    """Kill the fake ARM process once it has answered `requests` requests."""
    deadline = time.monotonic() + 60
    while _requests_served(served.base_url, served.ca_path) < requests:  # type: ignore[attr-defined]
        assert time.monotonic() < deadline, "the collection never got going"
        time.sleep(0.02)
    served.process.kill()  # type: ignore[attr-defined]


@pytest.mark.parametrize("command", ["collect", "scan"])
def test_server_dying_mid_collection_exits_3(tmp_path: Path, command: str) -> None:
    snapshot = tmp_path / "snapshot.json"
    with fake_process(tmp_path, latency=0.1) as served:
        args = live_args(served.base_url, served.ca_path, "--quiet")
        args += ["--output", str(snapshot)] if command == "collect" else ["--fail-on", "high"]
        running = subprocess.Popen(
            [sys.executable, "-m", "auditor", command, *args],
            cwd=ROOT,
            env={**os.environ, **TOKEN_ENV},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        # Of the sample tenant's 31 requests: the workspace and its first lists are answered.
        _kill_after(served, 20)
        out, err = running.communicate(timeout=120)

    assert running.returncode == 3, err
    assert "Traceback" not in err
    assert "read error" in err and "amlaudit: error:" in err
    if command == "collect":
        document = json.loads(snapshot.read_text(encoding="utf-8"))
        assert document["resources"] and document["errors"]
        assert {e["code"] for e in document["errors"]} <= {"ConnectionRefused", "ConnectionBroken"}
    else:
        assert "unknown because read errors hid what their rules read" in err


def test_summary_pluralises() -> None:
    assert plural(1, "resource") == "1 resource" and plural(0, "resource") == "0 resources"
    one = [{"resource_types": ["A"]}]
    assert summary(1, one) == "collected 1 resource, 1 read error (1 type)"
    two = [{"resource_types": ["A"]}, {"resource_types": ["b", "a"]}]
    assert summary(2, two) == "collected 2 resources, 2 read errors (2 types)"
    assert summary(3, []) == "collected 3 resources, 0 read errors"


def test_scan_is_incomplete_only_when_errors_hid_what_rules_read() -> None:
    error = {"scope": "/subscriptions/s", "code": "X", "message": "m", "resource_types": ["Microsoft.Storage/x"]}
    unknown_by_gap = {"status": "unknown", "message": "m", "evidence": {"missing": "collection error 403 on ..."}}
    unknown_otherwise = {"status": "unknown", "message": "absent from the inventory", "evidence": {}}
    assert hidden_by_gap(unknown_by_gap) and not hidden_by_gap(unknown_otherwise)
    assert scan_incomplete(5, [error], [unknown_otherwise]) is None
    assert scan_incomplete(5, [], [unknown_by_gap]) is None
    hidden = "1 result unknown because read errors hid what their rules read"
    assert scan_incomplete(5, [error], [unknown_by_gap]) == hidden
    nothing = "nothing could be read: m (at /subscriptions/s)"
    assert scan_incomplete(0, [error], []) == nothing_read(0, [error]) == nothing
    listing = {**error, "resource_types": ["Microsoft.MachineLearningServices/workspaces"]}
    assert "workspace listing failed" in (scan_incomplete(5, [listing], []) or "")
