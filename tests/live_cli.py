"""amlaudit in a real process against a fake ARM: the helpers the fail-closed tests share."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from fakearm.harness import FAKE_TOKEN
from fakearm.server import FakeArm
from fakearm.tenant import SAMPLE_SUBSCRIPTION, sample_tenant

ROOT = Path(__file__).resolve().parent.parent
SUB = SAMPLE_SUBSCRIPTION
TOKEN_ENV = {"AMLAUDIT_ACCESS_TOKEN": FAKE_TOKEN, "SOURCE_DATE_EPOCH": "1767225600"}


def live_args(base_url: str, ca_path: str, *extra: str) -> list[str]:
    return ["--subscription", SUB, "--arm-endpoint", base_url, "--ca-bundle", ca_path, *extra]


def fake_args(fake: FakeArm, *extra: str) -> list[str]:
    return live_args(fake.base_url, fake.ca_path, *extra)


def amlaudit(*args: str, env: dict[str, str] | None = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """`amlaudit ARGS` in its own process, the token in its environment (or exactly `env`)."""
    environment = {**os.environ, **TOKEN_ENV} if env is None else env
    return subprocess.run(
        [sys.executable, "-m", "auditor", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@dataclass
class ServedProcess:
    """A fake ARM in a process of its own, which a test can kill."""

    process: subprocess.Popen[str]
    base_url: str
    ca_path: str


@contextlib.contextmanager
def fake_process(tmp: Path, latency: float = 0.0) -> Iterator[ServedProcess]:
    inventory = tmp / "tenant.json"
    inventory.write_text(json.dumps(sample_tenant()), encoding="utf-8")
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.fakearm.server", "--inventory", str(inventory), "--latency", str(latency)],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    started = json.loads(process.stdout.readline())
    try:
        yield ServedProcess(process, started["base_url"], started["ca"])
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)
        # A killed server leaves its CA folder behind.
        shutil.rmtree(Path(started["ca"]).parent, ignore_errors=True)
