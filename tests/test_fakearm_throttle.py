"""The fake ARM's throttling mode: ARM's read bucket per subscription and principal."""

from __future__ import annotations

import pytest
import requests
from fakearm.server import FakeArm
from fakearm.tenant import SAMPLE_SUBSCRIPTION, cloned_tenant
from fakearm.throttle import REMAINING_READS_HEADER, ReadThrottle

OTHER = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_bucket_allows_the_burst_then_refuses_until_refilled() -> None:
    clock = Clock()
    throttle = ReadThrottle(burst=3, refill=2.0, clock=clock)

    verdicts = [throttle.take(SAMPLE_SUBSCRIPTION, "p") for _ in range(4)]

    assert [v.allowed for v in verdicts] == [True, True, True, False]
    assert [v.remaining for v in verdicts] == [2, 1, 0, 0]
    assert verdicts[3].headers() == {REMAINING_READS_HEADER: "0", "Retry-After": "1"}
    assert throttle.throttled == 1
    clock.now += 0.5  # one token at 2 a second
    assert throttle.take(SAMPLE_SUBSCRIPTION, "p").allowed
    assert not throttle.take(SAMPLE_SUBSCRIPTION, "p").allowed
    clock.now += 60  # never more than the burst
    assert throttle.take(SAMPLE_SUBSCRIPTION, "p").remaining == 2


def test_retry_after_is_whole_seconds_until_the_next_token() -> None:
    clock = Clock()
    throttle = ReadThrottle(burst=1, refill=0.25, clock=clock)
    throttle.take(SAMPLE_SUBSCRIPTION, "p")
    assert throttle.take(SAMPLE_SUBSCRIPTION, "p").retry_after == 4


def test_buckets_are_per_subscription_and_principal() -> None:
    throttle = ReadThrottle(burst=1, refill=0.001, clock=Clock())
    assert throttle.take(SAMPLE_SUBSCRIPTION, "p").allowed
    assert not throttle.take(SAMPLE_SUBSCRIPTION.upper(), "p").allowed  # ids are case-insensitive
    assert throttle.take(OTHER, "p").allowed
    assert throttle.take(SAMPLE_SUBSCRIPTION, "q").allowed


def test_drain_leaves_what_another_client_left() -> None:
    throttle = ReadThrottle(burst=10, refill=0.001, clock=Clock())
    throttle.drain(SAMPLE_SUBSCRIPTION, "p", leave=1)
    assert throttle.take(SAMPLE_SUBSCRIPTION, "p").allowed
    assert not throttle.take(SAMPLE_SUBSCRIPTION, "p").allowed


@pytest.mark.parametrize(("burst", "refill"), [(0, 1.0), (1, 0.0)])
def test_bucket_needs_a_burst_and_a_refill(burst: int, refill: float) -> None:
    with pytest.raises(ValueError):
        ReadThrottle(burst, refill)


def get(fake: FakeArm, path: str, token: str = "t1") -> requests.Response:
    return requests.get(
        f"{fake.base_url}{path}",
        params={"api-version": "2022-12-01"},
        headers={"Authorization": f"Bearer {token}"},
        verify=fake.ca_path,
        timeout=10,
    )


def test_server_answers_429_with_retry_after_and_counts_on_every_answer(fake_arm: FakeArm) -> None:
    fake_arm.load(cloned_tenant(1))
    fake_arm.throttle = ReadThrottle(burst=3, refill=0.01)
    subscription = f"/subscriptions/{SAMPLE_SUBSCRIPTION}"

    answers = [get(fake_arm, subscription) for _ in range(2)]
    answers.append(get(fake_arm, f"/subscriptions/{OTHER}"))  # another bucket, and a 404
    answers.append(get(fake_arm, f"{subscription}/resourceGroups/rg-ml-0000/providers/Microsoft.Network/nope/x"))
    answers.append(get(fake_arm, subscription))
    answers.append(get(fake_arm, subscription, token="t2"))  # another principal
    tenant = get(fake_arm, "/subscriptions")  # tenant-level: no subscription's bucket

    assert [a.status_code for a in answers] == [200, 200, 404, 404, 429, 200]
    assert [a.headers.get(REMAINING_READS_HEADER) for a in answers] == ["2", "1", "2", "0", "0", "2"]
    refused = answers[4]
    assert refused.headers["Retry-After"] == "100"  # a token every 100 s at 0.01 a second
    assert refused.json()["error"]["code"] == "SubscriptionRequestsThrottled"
    assert "Retry-After" not in answers[0].headers
    assert tenant.status_code == 200 and REMAINING_READS_HEADER not in tenant.headers
    assert fake_arm.stats()["throttled"] == 1


def test_throttle_is_off_by_default(fake_arm: FakeArm) -> None:
    fake_arm.load(cloned_tenant(1))
    answers = [get(fake_arm, f"/subscriptions/{SAMPLE_SUBSCRIPTION}") for _ in range(3)]
    assert {a.status_code for a in answers} == {200}
    assert all(REMAINING_READS_HEADER not in a.headers for a in answers)
