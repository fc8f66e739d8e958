"""Client-side pacing: the collector never outruns ARM's read bucket, so ARM never has to throttle it."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from fakearm.harness import fake_settings
from fakearm.server import FakeArm
from fakearm.tenant import SAMPLE_SUBSCRIPTION, cloned_tenant
from fakearm.throttle import ReadThrottle

from auditor.collect import Scope, collect_snapshot
from auditor.collect.pacing import Pacer, ReadBucket, interleaved, subscription_of_url
from auditor.collect.policies import CollectionTimeout, Deadline

OTHER = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_bucket_lets_the_burst_through_then_spaces_reads_by_the_refill() -> None:
    bucket = ReadBucket(burst=3, refill=10.0, clock=Clock())
    waits = [bucket.reserve() for _ in range(6)]
    assert waits == pytest.approx([0, 0, 0, 0.1, 0.2, 0.3])


def test_bucket_refills_with_time_up_to_the_burst_less_reads_in_flight() -> None:
    clock = Clock()
    bucket = ReadBucket(burst=3, refill=10.0, clock=clock)
    for _ in range(3):
        bucket.reserve()
    clock.now = 5
    # ARM may not have seen these three yet and its bucket, full, is not refilling.
    assert bucket.tokens == 0
    for _ in range(3):
        bucket.answered(200, None)
    clock.now = 5.2
    assert bucket.tokens == pytest.approx(2)
    clock.now = 100
    assert bucket.tokens == 3


def test_arm_count_lowers_ours_when_someone_else_reads() -> None:
    clock = Clock()
    bucket = ReadBucket(burst=250, refill=25.0, clock=clock)
    bucket.reserve()
    bucket.reserve()  # still in flight when the first answer comes back
    bucket.answered(200, remaining=10)
    # ARM had 10 left after our first read, and may not have counted the second yet.
    assert bucket.tokens == pytest.approx(9)


def test_arm_count_in_step_with_ours_changes_nothing() -> None:
    clock = Clock()
    bucket = ReadBucket(burst=250, refill=25.0, clock=clock)
    for _ in range(8):
        bucket.reserve()
    # Answers come back in any order, some after later reads were counted: ARM's count is never
    # far below ours while we are its only client.
    for remaining in (242, 249, 245, 243, 248, 244, 246, 247):
        bucket.answered(200, remaining)
    assert bucket.tokens == pytest.approx(242)


def test_a_429_puts_new_reads_behind_those_in_flight() -> None:
    bucket = ReadBucket(burst=250, refill=25.0, clock=Clock())
    for _ in range(4):
        bucket.reserve()
    bucket.answered(429, None)
    assert bucket.tokens == -3
    assert bucket.reserve() == pytest.approx(4 / 25)


def test_concurrent_reservations_queue_in_order_without_losing_a_token() -> None:
    bucket = ReadBucket(burst=10, refill=1000.0, clock=Clock())
    waits: list[float] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(50):
            wait = bucket.reserve()
            with lock:
                waits.append(wait)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # 400 reservations on a frozen clock: 10 free, then one more millisecond for each.
    assert sorted(waits) == pytest.approx([0.0] * 10 + [n / 1000 for n in range(1, 391)])


def test_pacer_keeps_one_bucket_per_subscription_and_gives_up_at_the_deadline() -> None:
    slept: list[float] = []
    pacer = Pacer(burst=1, refill=1.0, deadline=Deadline(0.5), sleep=slept.append)
    assert pacer.bucket("a") is pacer.bucket("a")
    assert pacer.bucket("a") is not pacer.bucket("b")
    pacer.wait_for_read(pacer.bucket("a"))
    with pytest.raises(CollectionTimeout):
        pacer.wait_for_read(pacer.bucket("a"))  # a second away, past the deadline
    assert slept == []
    assert pacer.bucket("a").tokens == pytest.approx(0, abs=0.1)  # the refused read gave its token back


def test_bucket_counts_the_time_reads_are_held_back_once_however_many_wait() -> None:
    clock = Clock()
    bucket = ReadBucket(burst=3, refill=10.0, clock=clock)
    for _ in range(6):
        bucket.reserve()  # the last three held back 0.1, 0.2 and 0.3 s: overlapping waits
    assert bucket.waited == pytest.approx(0.3)
    for _ in range(3):
        bucket.answered(200, None)  # the burst's three
    clock.now = 0.1  # one token refilled
    assert bucket.reserve() == pytest.approx(0.3)  # sent at 0.4: 0.1 s more than before
    assert bucket.waited == pytest.approx(0.4)
    for _ in range(4):
        bucket.answered(200, None)
    clock.now = 10
    assert bucket.reserve() == 0
    assert bucket.waited == pytest.approx(0.4)


def test_the_default_budget_leaves_out_the_waits_for_the_read_quota() -> None:
    slept: list[float] = []
    deadline = Deadline(0.5, beyond_quota=True)
    pacer = Pacer(burst=1, refill=1.0, deadline=deadline, sleep=slept.append)
    pacer.wait_for_read(pacer.bucket("a"))
    pacer.wait_for_read(pacer.bucket("a"))  # a second away: past 0.5 s, but the quota's doing
    assert slept == pytest.approx([1.0])
    remaining = deadline.remaining()
    assert remaining is not None and 1.0 < remaining <= 1.5


@pytest.mark.parametrize(
    ("url", "subscription"),
    [
        (f"https://arm/subscriptions/{SAMPLE_SUBSCRIPTION.upper()}/providers/X/y?api-version=1", SAMPLE_SUBSCRIPTION),
        (f"https://arm/subscriptions/{OTHER}", OTHER),
        ("https://arm/subscriptions?api-version=1", ""),
        ("https://arm/providers/Microsoft.ResourceGraph/resources?api-version=1", None),
    ],
)
def test_reads_are_counted_against_their_subscription(url: str, subscription: str | None) -> None:
    assert subscription_of_url(url) == subscription


def collect_throttled(fake: FakeArm, workspaces: int, **settings: Any) -> dict[str, Any]:
    fake.load(cloned_tenant(workspaces, (SAMPLE_SUBSCRIPTION, OTHER)))
    scope = Scope(subscriptions=(SAMPLE_SUBSCRIPTION, OTHER))
    return collect_snapshot(scope, fake_settings(fake, concurrency=8, **settings), progress=False)


def test_a_scan_larger_than_the_burst_gets_no_429(fake_arm: FakeArm) -> None:
    fake_arm.throttle = ReadThrottle(burst=20, refill=50.0)

    snapshot = collect_throttled(fake_arm, 6, read_burst=20, read_refill=50.0)

    reads = [r for r in fake_arm.requests if r.path.lower().startswith("/subscriptions/")]
    per_subscription = {s: sum(s in r.path for r in reads) for s in (SAMPLE_SUBSCRIPTION, OTHER)}
    assert min(per_subscription.values()) > 2 * 20, "each subscription should need more than twice its burst"
    assert fake_arm.stats()["throttled"] == 0
    assert snapshot["errors"] == []


def test_without_pacing_the_same_scan_is_throttled(fake_arm: FakeArm) -> None:
    # The check above can fail: a client that ignores the bucket is answered 429. The bucket refills
    # slowly here so that even a client slowed down by a busy machine outruns it, and the client does
    # not retry, so that the test does not wait for the bucket.
    fake_arm.throttle = ReadThrottle(burst=20, refill=10.0)

    collect_throttled(fake_arm, 6, read_burst=100_000, read_refill=1e9, retry_total=0)

    assert fake_arm.stats()["throttled"] > 0


def test_a_bucket_drained_by_another_client_slows_the_scan_down(fake_arm: FakeArm) -> None:
    fake_arm.throttle = ReadThrottle(burst=60, refill=50.0)
    for subscription in (SAMPLE_SUBSCRIPTION, OTHER):
        fake_arm.throttle.drain(subscription, "Bearer fake-token", leave=12)

    snapshot = collect_throttled(fake_arm, 4, read_burst=60, read_refill=50.0)

    # ARM's count in the first answers tells the collector it has 12 reads, not 60: the first
    # wave of requests (sent before any answer) is the most that may still be refused.
    assert fake_arm.stats()["throttled"] <= 8
    assert snapshot["errors"] == []


def test_workspaces_are_asked_for_one_subscription_after_another_in_turn() -> None:
    ids = [f"/subscriptions/{s}/resourceGroups/g/providers/P/t/{n}" for s, n in
           [("a", 1), ("a", 2), ("a", 3), ("B", 1), ("b", 2), ("c", 1)]]
    assert [i.split("/")[2] + i[-1] for i in interleaved(ids)] == ["a1", "B1", "c1", "a2", "b2", "a3"]


@pytest.mark.parametrize("beyond_quota", [True, False])
def test_a_scan_that_waits_longer_for_the_quota_than_its_budget(fake_arm: FakeArm, beyond_quota: bool) -> None:
    # About 28 reads per subscription beyond a burst of 10, at 8 a second: 3.5 seconds of waits.
    fake_arm.throttle = ReadThrottle(burst=10, refill=8.0)

    snapshot = collect_throttled(
        fake_arm, 4, read_burst=10, read_refill=8.0, timeout=1.5, timeout_beyond_quota=beyond_quota
    )

    timed_out = [e for e in snapshot["errors"] if "CollectionTimeout" in str(e)]
    if beyond_quota:  # the default: the budget counts from what the quota leaves
        assert snapshot["errors"] == []
    else:  # `--timeout` given: it caps the whole collection
        assert timed_out
    assert fake_arm.stats()["throttled"] == 0
