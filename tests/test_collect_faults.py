"""Throttling, outages, refusals and the overall timeout: collection recovers or records, never stops."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from fakearm.harness import fake_settings
from fakearm.server import FakeArm
from fakearm.tenant import SAMPLE_SUBSCRIPTION, sample_tenant

from auditor.collect import Scope, collect_snapshot
from auditor.collect import resource_types as rt

SCOPE = Scope(subscriptions=(SAMPLE_SUBSCRIPTION,))
SUBSCRIPTION = f"/subscriptions/{SAMPLE_SUBSCRIPTION}"
ENDPOINT_LIST = r"/providers/Microsoft\.Network/privateEndpoints$"
STORAGE_LIST = r"/providers/Microsoft\.Storage/storageAccounts$"


def collect(fake: FakeArm, **settings: Any) -> dict[str, Any]:
    return collect_snapshot(SCOPE, fake_settings(fake, **settings), progress=False)


def types_of(snapshot: dict[str, Any]) -> set[str]:
    return {r["type"].lower() for r in snapshot["resources"]}


def attempts(fake: FakeArm, pattern: str) -> int:
    return sum(1 for r in fake.requests if re.search(pattern, r.path, re.IGNORECASE))


@pytest.fixture
def baseline(fake_arm: FakeArm) -> dict[str, Any]:
    """The sample tenant served, and what an undisturbed collection of it gives."""
    fake_arm.load(sample_tenant())
    snapshot = collect(fake_arm)
    fake_arm.requests.clear()
    return snapshot


def test_retry_after_is_honoured(fake_arm: FakeArm, baseline: dict[str, Any]) -> None:
    fake_arm.fault(STORAGE_LIST, 429, times=1, headers={"Retry-After": "1"})

    started = time.monotonic()
    snapshot = collect(fake_arm)

    assert time.monotonic() - started >= 0.9  # the server's second, not the 0.01 s backoff
    assert snapshot["resources"] == baseline["resources"]
    assert snapshot["errors"] == []
    assert attempts(fake_arm, STORAGE_LIST) == 2


def test_throttling_without_a_delay_backs_off_and_recovers(fake_arm: FakeArm, baseline: dict[str, Any]) -> None:
    # Retry-After: 0 falls back to the (tiny, in tests) exponential backoff.
    fake_arm.fault(STORAGE_LIST, 429, times=2, headers={"Retry-After": "0"})

    snapshot = collect(fake_arm)

    assert snapshot["resources"] == baseline["resources"]
    assert attempts(fake_arm, STORAGE_LIST) == 3


def test_outage_is_retried(fake_arm: FakeArm, baseline: dict[str, Any]) -> None:
    fake_arm.fault(ENDPOINT_LIST, 503, times=2)

    snapshot = collect(fake_arm)

    assert snapshot["resources"] == baseline["resources"]
    assert snapshot["errors"] == []
    assert attempts(fake_arm, ENDPOINT_LIST) == 3


def test_lasting_outage_is_recorded_after_bounded_retries(fake_arm: FakeArm, baseline: dict[str, Any]) -> None:
    fake_arm.fault(ENDPOINT_LIST, 503)

    snapshot = collect(fake_arm, retry_total=2)

    assert attempts(fake_arm, ENDPOINT_LIST) == 3
    assert snapshot["errors"] == [
        {
            "scope": SUBSCRIPTION,
            "status": 503,
            "code": "ServiceUnavailable",
            "message": "ServiceUnavailable (fake ARM)",
            "resource_types": [rt.PRIVATE_ENDPOINTS],
        }
    ]


def test_refused_type_is_recorded_and_the_rest_collected(fake_arm: FakeArm, baseline: dict[str, Any]) -> None:
    fake_arm.fault(ENDPOINT_LIST, 403, message="The client does not have authorization")

    snapshot = collect(fake_arm)

    assert snapshot["errors"] == [
        {
            "scope": SUBSCRIPTION,
            "status": 403,
            "code": "AuthorizationFailed",
            "message": "The client does not have authorization",
            "resource_types": [rt.PRIVATE_ENDPOINTS],
        }
    ]
    assert attempts(fake_arm, ENDPOINT_LIST) == 1  # a refusal is not retried
    # Endpoints the targets name themselves are still read one by one.
    assert types_of(snapshot) == types_of(baseline)
    assert rt.STORAGE_ACCOUNTS.lower() in types_of(snapshot)


def test_labelling_jobs_refused_is_an_error_of_that_type_only(fake_arm: FakeArm, baseline: dict[str, Any]) -> None:
    fake_arm.fault(r"/labelingJobs$", 400, code="NoRegisteredProviderFound",
                   message="No registered resource provider found for API version 2024-04-01-preview")

    snapshot = collect(fake_arm)

    [error] = snapshot["errors"]
    workspace = next(r for r in baseline["resources"] if r["type"] == rt.WORKSPACES)
    assert error["scope"] == workspace["id"]
    assert (error["status"], error["code"]) == (400, "NoRegisteredProviderFound")
    assert error["resource_types"] == [rt.LABELING_JOBS]
    expected = [r for r in baseline["resources"] if not r["type"].lower().startswith(
        (rt.LABELING_JOBS.lower(), rt.DATA_VERSIONS.lower()))]
    assert snapshot["resources"] == expected


def test_absent_reference_is_not_an_error(fake_arm: FakeArm) -> None:
    resources = [r for r in sample_tenant() if r["type"] != rt.VAULTS]
    fake_arm.load(resources)

    snapshot = collect(fake_arm)

    assert snapshot["errors"] == []
    assert rt.VAULTS.lower() not in types_of(snapshot)


def test_overall_timeout_gives_up_and_records_what_was_left(fake_arm: FakeArm) -> None:
    fake_arm.load(sample_tenant())
    fake_arm.latency = 0.3  # a whole collection would take seconds: its requests chain

    started = time.monotonic()
    snapshot = collect(fake_arm, timeout=0.5)
    elapsed = time.monotonic() - started

    assert elapsed < 2.0
    timeouts = [e for e in snapshot["errors"] if e["code"] == "CollectionTimeout"]
    assert timeouts and all(e["status"] is None for e in timeouts)
    time.sleep(0.4)  # let the requests abandoned at the deadline finish before the next test


def test_concurrency_is_bounded(fake_arm: FakeArm) -> None:
    fake_arm.load(sample_tenant())
    fake_arm.latency = 0.02

    collect(fake_arm, concurrency=3)

    assert 2 <= fake_arm.max_in_flight <= 3



def test_retry_after_beyond_the_deadline_is_not_waited_for(fake_arm: FakeArm, baseline: dict[str, Any]) -> None:
    fake_arm.fault(STORAGE_LIST, 429, headers={"Retry-After": "30"})

    started = time.monotonic()
    snapshot = collect(fake_arm, timeout=2)

    assert time.monotonic() - started < 3.5
    [error] = snapshot["errors"]
    assert (error["code"], error["resource_types"]) == ("CollectionTimeout", [rt.STORAGE_ACCOUNTS])
