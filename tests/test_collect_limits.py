"""A time limit by default, and nextLinks that leave the ARM endpoint (issue 8)."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

import pytest
from fakearm.harness import collect_inventory_via_fake
from fakearm.server import FakeArm
from fakearm.tenant import sample_tenant
from live_cli import amlaudit, fake_args

from auditor.collect import resource_types as rt
from auditor.collect.settings import DEFAULT_READ_TIMEOUT, DEFAULT_TIMEOUT, ConnectionSettings

STORAGE_LIST = r"/providers/Microsoft\.Storage/storageAccounts$"


def test_defaults_bound_every_collection() -> None:
    settings = ConnectionSettings()
    assert (settings.timeout, settings.read_timeout) == (DEFAULT_TIMEOUT, DEFAULT_READ_TIMEOUT) == (1800.0, 60.0)
    assert settings.timeout_beyond_quota
    for command in ("scan", "collect"):
        shown = " ".join(amlaudit(command, "--help").stdout.split())
        default = r"\[default: 1800 beyond the waits for ARM's read quota\] \[x>0\]"
        assert re.search(rf"--timeout SECONDS .*{default} --read-timeout", shown)
        assert re.search(r"--read-timeout SECONDS .*\[default: 60\.0; x>0\]", shown)


def test_a_request_that_never_answers_is_given_up(fake_arm: FakeArm, tmp_path: Path) -> None:
    fake_arm.load(sample_tenant())
    fake_arm.fault(STORAGE_LIST, 200, hold=120)  # held far beyond the test's patience
    snapshot = tmp_path / "s.json"

    started = time.monotonic()
    done = amlaudit("collect", *fake_args(fake_arm, "--quiet", "--read-timeout", "0.5", "--output", str(snapshot)))
    elapsed = time.monotonic() - started

    fake_arm.reset()  # answers the held requests
    assert done.returncode == 3, done.stderr
    # Three attempts of half a second, plus start-up: nowhere near the two minutes held.
    assert elapsed < 30
    document = json.loads(snapshot.read_text(encoding="utf-8"))
    [error] = document["errors"]
    assert (error["code"], error["resource_types"]) == ("Timeout", [rt.STORAGE_ACCOUNTS])
    assert "within the read timeout" in error["message"]
    assert len(document["resources"]) == 55  # the account itself was read by id


def test_the_overall_timeout_keeps_what_was_read(fake_arm: FakeArm, tmp_path: Path) -> None:
    fake_arm.load(sample_tenant())
    fake_arm.fault(r"/privateEndpoints$", 200, hold=120)
    snapshot = tmp_path / "s.json"

    started = time.monotonic()
    args = fake_args(fake_arm, "--quiet", "--timeout", "2", "--read-timeout", "60", "--output", str(snapshot))
    done = amlaudit("collect", *args)
    elapsed = time.monotonic() - started

    fake_arm.reset()
    assert done.returncode == 3, done.stderr
    assert elapsed < 30
    document = json.loads(snapshot.read_text(encoding="utf-8"))
    assert document["resources"]
    assert any(e["code"] in {"CollectionTimeout", "Timeout"} for e in document["errors"])


def _collect(page_size: int, next_link_base: str | None) -> dict[str, Any]:
    def prepare() -> None:
        from fakearm.harness import shared_fake

        fake = shared_fake()
        fake.page_size = page_size
        fake.next_link_base = next_link_base

    return collect_inventory_via_fake(sample_tenant(), prepare=prepare)


def test_next_link_to_arm_behind_a_proxy_is_followed_through_the_proxy() -> None:
    from fakearm.harness import shared_fake

    complete = _collect(100, None)
    proxied = _collect(1, "https://management.azure.com:443")

    assert proxied["errors"] == []
    assert proxied["resources"] == complete["resources"]
    assert any("$skiptoken" in r.query for r in shared_fake().requests)  # pages were followed


@pytest.mark.parametrize("base", ["https://evil.example", "https://127.0.0.1:1"])
def test_next_link_to_another_host_is_a_read_error(base: str) -> None:
    snapshot = _collect(1, base)
    assert snapshot["errors"]
    for error in snapshot["errors"]:
        assert error["code"] == "ForeignHostRefused"
        refused = rf"refused to send the ARM token to {re.escape(base)}: ARM is https://127\.0\.0\.1:"
        assert re.match(refused, error["message"])


def test_next_link_to_another_host_through_the_cli(fake_arm: FakeArm, tmp_path: Path) -> None:
    fake_arm.load(sample_tenant())
    fake_arm.page_size = 1
    fake_arm.next_link_base = "https://evil.example"
    done = amlaudit("collect", *fake_args(fake_arm, "--quiet", "--output", str(tmp_path / "s.json")))
    assert done.returncode == 3
    assert "Traceback" not in done.stderr and "ReadOnlyViolation" not in done.stderr
    assert "refused to send the ARM token to https://evil.example" in done.stderr
