"""One fake ARM per test process, and collecting any inventory through it with the real SDK clients."""

from __future__ import annotations

import atexit
from collections.abc import Callable
from typing import Any

from auditor.collect import ConnectionSettings, Scope, collect_snapshot
from auditor.collect.credentials import StaticTokenCredential

from .server import FakeArm

FAKE_TOKEN = "fake-token"
_shared: FakeArm | None = None


def shared_fake() -> FakeArm:
    """The process's fake ARM, started on first use (about 0.1 s: a CA and a certificate)."""
    global _shared
    if _shared is None:
        _shared = FakeArm()
        _shared.start()
        atexit.register(_shared.stop)
    return _shared


def fake_settings(fake: FakeArm, **overrides: Any) -> ConnectionSettings:
    """Settings that reach `fake` with a static token and retries fast enough for a test suite."""
    values: dict[str, Any] = {
        "arm_endpoint": fake.base_url,
        "ca_bundle": fake.ca_path,
        "credential": StaticTokenCredential(FAKE_TOKEN),
        "retry_backoff_factor": 0.01,
        "retry_backoff_max": 0.05,
        "concurrency": 4,
    }
    values.update(overrides)
    return ConnectionSettings(**values)


def collect_inventory_via_fake(
    resources: list[dict[str, Any]],
    scope: Scope | None = None,
    prepare: Callable[[], None] = lambda: None,
    **settings: Any,
) -> dict[str, Any]:
    """Serve `resources` from the fake (after resetting it) and collect them as `collect` would.

    Without `scope`, every subscription the inventory mentions is audited, so that endpoints and
    zones in any of them are found as a scan of the same inventory would find them. `prepare` runs
    once the fake is loaded, to inject faults say.
    """
    fake = shared_fake()
    fake.reset()
    fake.load(resources)
    prepare()
    scope = scope or Scope(subscriptions=tuple(fake.store.subscriptions()))
    return collect_snapshot(scope, fake_settings(fake, **settings), progress=False)
