"""Runs ARM requests on a bounded pool of threads and their continuations on the caller's thread."""

from __future__ import annotations

import json
import queue
from collections.abc import Callable, Hashable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from azure.core.exceptions import AzureError, DecodeError

from auditor.collect.policies import CollectionTimeout, Deadline

Then = Callable[[Any], None]
OnError = Callable[[AzureError], None]

# Seconds between the main thread's checks for a signal while it waits for answers.
_WAKE_EVERY = 0.5


class Scheduler:
    """Each request has a key and runs once; everyone who asks for the key gets its outcome.

    Workers only do I/O and return data. Continuations (`then`, `on_error`) run on the thread that
    calls `run()`, so the collector's state needs no lock and a worker never waits for another
    worker (which, with a bounded pool, could deadlock). A failure reaches `on_error` once, from the
    first request of the key, and every waiter's `then` receives None.
    """

    def __init__(
        self,
        executor: ThreadPoolExecutor,
        deadline: Deadline,
        on_progress: Callable[[int, int], None] = lambda done, pending: None,
    ) -> None:
        self._executor = executor
        self._deadline = deadline
        self._on_progress = on_progress
        self._futures: dict[Future[Any], Hashable] = {}
        # Futures announce themselves here when done: waiting on all pending futures instead
        # would cost O(pending) per completion, and thousands can be pending.
        self._done: queue.SimpleQueue[Future[Any]] = queue.SimpleQueue()
        self._waiters: dict[Hashable, list[Then]] = {}
        self._on_error: dict[Hashable, OnError] = {}
        self._outcomes: dict[Hashable, Any] = {}
        self.completed = 0

    def fetch(self, key: Hashable, work: Callable[[], Any], then: Then, on_error: OnError) -> None:
        if key in self._outcomes:
            then(self._outcomes[key])
            return
        if key in self._waiters:
            self._waiters[key].append(then)
            return
        self._waiters[key] = [then]
        self._on_error[key] = on_error
        if self._deadline.expired:
            self._settle(key, None, CollectionTimeout("the overall timeout ran out before this request was sent"))
            return
        future = self._executor.submit(work)
        self._futures[future] = key
        future.add_done_callback(self._done.put)

    def run(self) -> None:
        """Until nothing is left to fetch, or the deadline has passed and what was pending is given up."""
        while self._futures:
            remaining = self._deadline.remaining()
            # In slices: Ctrl-C delivered to a worker thread wakes this wait only when it times out.
            wait = _WAKE_EVERY if remaining is None else max(min(remaining, _WAKE_EVERY), 0.0)
            try:
                future = self._done.get(timeout=wait)
            except queue.Empty:
                if self._deadline.expired:
                    self._give_up()
                continue
            key = self._futures.pop(future, None)
            if key is None:
                continue  # abandoned at the deadline, finished since
            try:
                value, error = future.result(), None
            except AzureError as exc:
                value, error = None, exc
            except json.JSONDecodeError as exc:
                # The SDK pagers parse list pages without wrapping the parser's error.
                value, error = None, DecodeError(f"answer is not JSON: {exc}", error=exc)
            self._settle(key, value, error)

    def _give_up(self) -> None:
        # Running requests cannot be interrupted; their own retry policy stops them at the deadline
        # and their results are ignored.
        abandoned = list(self._futures.items())
        self._futures.clear()
        for future, key in abandoned:
            future.cancel()
            self._settle(key, None, CollectionTimeout("the overall timeout ran out before ARM answered"))

    def _settle(self, key: Hashable, value: Any, error: AzureError | None) -> None:
        self._outcomes[key] = value
        on_error = self._on_error.pop(key)
        if error is not None:
            on_error(error)
        self.completed += 1
        for then in self._waiters.pop(key):
            then(value)
        self._on_progress(self.completed, len(self._futures))
