"""ARM's read throttling: a token bucket per subscription and principal.

ARM grants each (subscription, principal) a bucket of 250 reads refilled at 25 a second; a read that
finds it empty is answered 429 with `Retry-After` (whole seconds), and every answer says how many
reads are left in `x-ms-ratelimit-remaining-subscription-reads`. Both numbers are knobs here, so a
benchmark can run the same algorithm on a faster clock (burst kept, refill multiplied).
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

REMAINING_READS_HEADER = "x-ms-ratelimit-remaining-subscription-reads"


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    remaining: int
    retry_after: int  # seconds; 0 when allowed

    def headers(self) -> dict[str, str]:
        headers = {REMAINING_READS_HEADER: str(self.remaining)}
        if not self.allowed:
            headers["Retry-After"] = str(self.retry_after)
        return headers


class ReadThrottle:
    def __init__(self, burst: int = 250, refill: float = 25.0, clock: Callable[[], float] = time.monotonic) -> None:
        if burst < 1 or refill <= 0:
            raise ValueError("burst must be at least 1 and refill positive")
        self.burst = burst
        self.refill = refill
        self._clock = clock
        self._lock = threading.Lock()
        # (subscription, principal) → [tokens, time of the last refill]
        self._buckets: dict[tuple[str, str], list[float]] = {}
        self.throttled = 0

    def _bucket(self, key: tuple[str, str]) -> list[float]:
        now = self._clock()
        bucket = self._buckets.setdefault(key, [float(self.burst), now])
        bucket[0] = min(float(self.burst), bucket[0] + (now - bucket[1]) * self.refill)
        bucket[1] = now
        return bucket

    def take(self, subscription: str, principal: str) -> Verdict:
        """One read of `subscription` by `principal`: allowed while the bucket holds a token."""
        with self._lock:
            bucket = self._bucket((subscription.lower(), principal))
            if bucket[0] >= 1:
                bucket[0] -= 1
                return Verdict(True, int(bucket[0]), 0)
            self.throttled += 1
            wait = (1 - bucket[0]) / self.refill
            return Verdict(False, 0, max(1, math.ceil(wait)))

    def drain(self, subscription: str, principal: str, leave: int = 0) -> None:
        """Spend the bucket down to `leave` reads, as another client of the same principal would."""
        with self._lock:
            self._bucket((subscription.lower(), principal))[0] = float(leave)
