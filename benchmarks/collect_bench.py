"""Benchmark live collection against the fake ARM server, run in its own process with per-request latency.

    python -m benchmarks.collect_bench [--workspaces 200] [--latency 0.05] [--concurrency 8]

Serves a synthetic tenant (clones of the sample tenant, one resource group per workspace, one
subscription) and collects it three ways: the whole subscription through ARM lists, the whole tenant
through Resource Graph, and one workspace by id. Prints ARM requests per workspace, wall time, the
floor a perfect scheduler could reach (requests x latency / concurrency) and the ratio to it; then
checks that collecting one workspace costs as many requests in a tenant of N workspaces as in one of
N/10. Not run in CI: it takes about a minute.
"""

from __future__ import annotations

import argparse
import json
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from auditor.collect import ConnectionSettings, Scope, collect_snapshot  # noqa: E402
from auditor.collect.credentials import StaticTokenCredential  # noqa: E402
from benchmarks.generate_tenant import write_tenant  # noqa: E402
from tests.fakearm.server import STATS_PATH  # noqa: E402
from tests.fakearm.tenant import SAMPLE_SUBSCRIPTION, workspace_id  # noqa: E402


@dataclass(frozen=True)
class Server:
    base_url: str
    ca: str

    def requests(self) -> int:
        context = ssl.create_default_context(cafile=self.ca)
        with urllib.request.urlopen(self.base_url + STATS_PATH, context=context) as answer:  # noqa: S310
            return int(json.load(answer)["requests"])


@contextmanager
def fake_arm(inventory: Path, latency: float) -> Iterator[Server]:
    """The fake in a process of its own, so that its threads do not share our interpreter lock."""
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.fakearm.server", "--inventory", str(inventory), "--latency", str(latency)],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        started = json.loads(process.stdout.readline())
        yield Server(started["base_url"], started["ca"])
    finally:
        assert process.stdin is not None
        process.stdin.close()  # the server stops when its standard input closes
        process.wait(timeout=30)


def tenant(workspaces: int, folder: Path) -> Path:
    path = folder / f"tenant-{workspaces}.json"
    with path.open("w", encoding="utf-8") as out:
        write_tenant(out, workspaces, vary_every=0)
    return path


def measure(server: Server, scope: Scope, concurrency: int) -> tuple[int, float, dict[str, Any]]:
    settings = ConnectionSettings(
        arm_endpoint=server.base_url,
        ca_bundle=server.ca,
        credential=StaticTokenCredential("benchmark"),
        concurrency=concurrency,
    )
    before = server.requests()
    started = time.perf_counter()
    snapshot = collect_snapshot(scope, settings, progress=False)
    elapsed = time.perf_counter() - started
    return server.requests() - before, elapsed, snapshot


def report(label: str, workspaces: int, requests: int, elapsed: float, latency: float, concurrency: int) -> float:
    floor = requests * latency / concurrency
    ratio = elapsed / floor
    print(
        f"{label:<28} {requests:>6} requests  {requests / workspaces:6.2f}/workspace  "
        f"wall {elapsed:6.2f} s  floor {floor:6.2f} s  ratio {ratio:4.2f}"
    )
    return ratio


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--workspaces", type=int, default=200)
    parser.add_argument("--latency", type=float, default=0.05, help="seconds the fake adds to every request")
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args(argv)
    n, latency, concurrency = args.workspaces, args.latency, args.concurrency
    small = max(n // 10, 2)

    with tempfile.TemporaryDirectory(prefix="collect-bench-") as folder:
        big_tenant, small_tenant = tenant(n, Path(folder)), tenant(small, Path(folder))
        one = Scope(workspaces=(workspace_id(0),))
        print(f"{n} workspaces, {latency * 1000:.0f} ms per request, concurrency {concurrency}")
        with fake_arm(big_tenant, latency) as server:
            requests, elapsed, snapshot = measure(server, Scope(subscriptions=(SAMPLE_SUBSCRIPTION,)), concurrency)
            assert not snapshot["errors"], snapshot["errors"][:3]
            ratios = [report("subscription (ARM lists)", n, requests, elapsed, latency, concurrency)]
            requests, elapsed, _ = measure(server, Scope(all_subscriptions=True), concurrency)
            ratios.append(report("tenant (Resource Graph)", n, requests, elapsed, latency, concurrency))
            one_in_big, elapsed, _ = measure(server, one, concurrency)
            report("one workspace, by id", 1, one_in_big, elapsed, latency, concurrency)
        with fake_arm(small_tenant, latency) as server:
            one_in_small, _, _ = measure(server, one, concurrency)
    print(f"one workspace costs {one_in_small} requests among {small} workspaces, {one_in_big} among {n}")
    steady = one_in_small == one_in_big
    fast = max(ratios) <= 1.5
    print(f"requests per workspace independent of workspace count: {'yes' if steady else 'NO'}")
    print(f"wall time within 1.5x the floor: {'yes' if fast else 'NO'}")
    return 0 if steady and fast else 1


if __name__ == "__main__":
    raise SystemExit(main())
