"""Client-side pacing of ARM reads: one token bucket per subscription, the shape of ARM's own.

ARM throttles reads per subscription and principal with a token bucket (250 requests of burst,
refilled at 25 a second) and answers a read beyond it with 429 and `Retry-After`. Waiting for those
429s costs a whole Retry-After per request and, with many workers, turns into a storm of them. So
every request waits here for a token of its subscription's bucket before it is sent, and ARM's own
count, the `x-ms-ratelimit-remaining-subscription-reads` header of each answer, pulls the bucket
down when ARM has fewer reads left than we think (another client of the same identity is reading).

The pacing policy sits last in the pipeline, after the retry policy: every attempt is a read.
Requests outside a subscription (the subscription list) share a bucket of their own; Resource
Graph queries have a quota of their own and are not paced here.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from itertools import zip_longest
from typing import Any
from urllib.parse import urlsplit

from azure.core.pipeline import PipelineRequest, PipelineResponse
from azure.core.pipeline.policies import HTTPPolicy

from auditor.arm import subscription_of
from auditor.collect.policies import RESOURCE_GRAPH_PATH, CollectionTimeout, Deadline

REMAINING_READS_HEADER = "x-ms-ratelimit-remaining-subscription-reads"
# How long an answer may take to reach us after ARM counted it: ARM's count may be this much
# refill behind ours without meaning anything.
_ANSWER_DELAY = 0.2


class ReadBucket:
    """Our estimate of the reads left in ARM's bucket for one subscription.

    Tokens are reserved: a request takes one at once and, if that leaves the bucket in debt, waits
    until the refill has paid the debt back. Concurrent requests therefore queue in the order they
    asked, each waiting 1/refill longer than the one before, without holding a lock while waiting.
    """

    def __init__(self, burst: int, refill: float, clock: Callable[[], float] = time.monotonic) -> None:
        if burst < 1 or refill <= 0:
            raise ValueError("a read bucket needs a burst of at least 1 and a positive refill")
        self.burst = burst
        self.refill = refill
        self._clock = clock
        self._lock = threading.Lock()
        self._tokens = float(burst)
        self._at = clock()
        # Requests that took a token and have not been answered yet.
        self._in_flight = 0
        # Seconds during which some read of this subscription was held back for a token, and until
        # when the reads reserved so far are held back.
        self.waited = 0.0
        self._held_until = self._at

    def _refilled(self) -> None:
        # ARM's bucket stops refilling when full. Ours counts the reads in flight as taken already,
        # though ARM may not have seen them yet: ARM's is full when ours holds the burst less those.
        now = self._clock()
        ceiling = float(self.burst - self._in_flight)
        if self._tokens < ceiling:
            self._tokens = min(ceiling, self._tokens + (now - self._at) * self.refill)
        self._at = now

    @property
    def tokens(self) -> float:
        with self._lock:
            self._refilled()
            return self._tokens

    def reserve(self) -> float:
        """Takes a read; returns how many seconds to wait before sending it."""
        with self._lock:
            self._refilled()
            self._tokens -= 1
            self._in_flight += 1
            if self._tokens >= 0:
                return 0.0
            delay = -self._tokens / self.refill
            # Waits of concurrent reads overlap: only the time beyond the last one's counts.
            until = self._at + delay
            if until > self._held_until:
                self.waited += until - max(self._at, self._held_until)
                self._held_until = until
            return delay

    def cancel(self) -> None:
        """A reserved read that will not be sent after all (the deadline came first)."""
        with self._lock:
            self._refilled()
            self._tokens += 1
            self._in_flight -= 1

    def answered(self, status: int, remaining: int | None) -> None:
        """A read came back with `status`; `remaining` is ARM's count of reads left, when it said.

        While ARM and we agree, ARM never has fewer reads left than we do (we take a token before
        sending, ARM when the request arrives), short of the refill while its answer travelled. So
        only a count lower than that means somebody else is reading; ours is then lowered to it,
        less every read still in flight, which ARM may not have counted yet. Never raised: ours
        starts full and never refills past ARM's. A 429 says ARM's bucket is empty: the
        reads in flight will likely be refused too, and new ones wait behind them.
        """
        with self._lock:
            self._refilled()
            self._in_flight -= 1
            if status == 429:
                self._tokens = min(self._tokens, float(-self._in_flight))
            elif remaining is not None and remaining < self._tokens - 1 - self.refill * _ANSWER_DELAY:
                self._tokens = float(remaining - self._in_flight)


class Pacer:
    """The read buckets of one collection, one per subscription, made on first use."""

    def __init__(self, burst: int, refill: float, deadline: Deadline, sleep: Callable[[float], None] = time.sleep):
        self._burst = burst
        self._refill = refill
        self._deadline = deadline
        self._sleep = sleep
        self._lock = threading.Lock()
        self._buckets: dict[str, ReadBucket] = {}

    def bucket(self, subscription: str) -> ReadBucket:
        with self._lock:
            found = self._buckets.get(subscription)
            if found is None:
                found = self._buckets[subscription] = ReadBucket(self._burst, self._refill)
            return found

    def wait_for_read(self, bucket: ReadBucket) -> None:
        """Blocks until `bucket` has a read for this request; raises CollectionTimeout rather than
        wait past the deadline."""
        delay = bucket.reserve()
        if delay <= 0:
            return
        self._deadline.quota_waited(bucket.waited)
        remaining = self._deadline.remaining()
        if remaining is not None and delay >= remaining:
            bucket.cancel()
            raise CollectionTimeout(f"the overall timeout leaves no time to wait {delay:.1f}s for ARM's read quota")
        self._sleep(delay)


def interleaved(resource_ids: list[str]) -> list[str]:
    """`resource_ids` taken from each subscription in turn, each subscription's in their order.

    Work is queued in the order it is asked for. Asking for one subscription's workspaces after
    another's would keep every worker waiting on the first subscription's bucket while the others'
    stay full; in turn, every bucket is drawn on at once.
    """
    lanes: dict[str, list[str]] = {}
    for resource_id in resource_ids:
        lanes.setdefault((subscription_of(resource_id) or "").lower(), []).append(resource_id)
    return [resource_id for turn in zip_longest(*lanes.values()) for resource_id in turn if resource_id is not None]


def subscription_of_url(url: str) -> str | None:
    """The subscription a request reads from (lower-case), '' for tenant-level reads, None for a
    Resource Graph query."""
    path = urlsplit(url).path
    if path.rstrip("/").lower() == RESOURCE_GRAPH_PATH:
        return None
    parts = [p for p in path.split("/") if p]
    if len(parts) >= 2 and parts[0].lower() == "subscriptions":
        return parts[1].lower()
    return ""


def remaining_reads(response: PipelineResponse[Any, Any]) -> int | None:
    """ARM's count of reads left, from the answer's header."""
    value = response.http_response.headers.get(REMAINING_READS_HEADER)
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


class PacingPolicy(HTTPPolicy[Any, Any]):
    """Sends each ARM read only once its subscription's bucket has a token for it."""

    def __init__(self, pacer: Pacer) -> None:
        super().__init__()
        self._pacer = pacer

    def send(self, request: PipelineRequest[Any]) -> PipelineResponse[Any, Any]:
        subscription = subscription_of_url(request.http_request.url)
        if subscription is None:
            return self.next.send(request)
        bucket = self._pacer.bucket(subscription)
        self._pacer.wait_for_read(bucket)
        status, remaining = 0, None
        try:
            response = self.next.send(request)
            status, remaining = response.http_response.status_code, remaining_reads(response)
            return response
        finally:
            bucket.answered(status, remaining)

