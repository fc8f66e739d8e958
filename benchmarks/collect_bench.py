"""Benchmark live collection against the fake ARM, throttled like ARM, in a process of its own.

    python -m benchmarks.collect_bench [--workspaces 5000] [--subscriptions 1,10] [--modes resource-graph,arm]
        [--latency 0.02 --latency-max 0.05] [--concurrency 16] [--time-scale 10,1] [--workspaces-per-hub 50]

Serves N clones of the sample tenant (one resource group per workspace), dealt round-robin over S
subscriptions, K workspaces of a subscription sharing one egress hub (VNet, firewall, its policy and
parent policy, IP groups) as in a hub-and-spoke landing zone. The fake ARM server serves them with a
latency drawn for each request between --latency and --latency-max and ARM's read bucket: 250 reads
of burst, refilled at 25 a second, per subscription and principal, answering 429 with Retry-After
beyond it. Then collects them as `amlaudit collect` would, through Resource Graph
(`--subscription ... --resource-graph`) or through ARM lists.

--time-scale k runs the same algorithm on a faster clock: the fake's bucket and the collector's
pacing both refill at 25·k a second (burst unchanged), and the floor is computed with the same
factor. One value per --subscriptions entry (the last repeats): at ARM's real rate one subscription
of 5,000 workspaces is tens of minutes of waiting for the bucket, ten subscriptions are ten buckets.

For each run prints ARM reads (GETs) per workspace, Resource Graph queries, 429s received, wall time
and the floor a perfect client could reach: the larger of the busiest subscription's reads beyond its
burst ÷ its refill, and every request × the mean latency ÷ the concurrency; and the CPU seconds the
collector and the fake spent (on a shared machine, a run that needs more CPU than it gets is slower
than its floor for that reason alone). Exits 1 unless every run got no 429, took at most 1.2× its
floor, and Resource Graph runs read at most 12 times per workspace.

Resource Graph lacks firewall policies' rule collection groups, so each hub costs one ARM list per
policy (two in the sample: the policy and its parent). `--workspaces-per-hub 1` gives every
workspace a hub of its own, the worst case: 2 more reads per workspace.
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
from auditor.collect.settings import ARM_READ_BURST, ARM_READ_REFILL  # noqa: E402
from benchmarks import generate_tenant  # noqa: E402
from benchmarks.generate_tenant import load_baseline  # noqa: E402
from tests.fakearm.server import STATS_PATH  # noqa: E402
from tests.fakearm.tenant import SAMPLE_SUBSCRIPTION  # noqa: E402

GRAPH_PAGE_SIZE = 1000  # Resource Graph's largest page
MAX_RATIO = 1.2
MAX_GRAPH_READS = 12


def subscription_ids(count: int) -> tuple[str, ...]:
    return (SAMPLE_SUBSCRIPTION, *(f"{n:08x}-0000-4000-8000-00000000bec4" for n in range(1, count)))


def write_tenant(path: Path, workspaces: int, subscriptions: tuple[str, ...], per_hub: int) -> None:
    """Clone i in subscriptions[i % S], `per_hub` clones of a subscription sharing an egress hub."""
    with path.open("w", encoding="utf-8") as out:
        generate_tenant.write_tenant(out, workspaces, 0, load_baseline(), subscriptions=subscriptions, per_hub=per_hub)


@dataclass(frozen=True)
class Server:
    base_url: str
    ca: str

    def stats(self) -> dict[str, Any]:
        context = ssl.create_default_context(cafile=self.ca)
        with urllib.request.urlopen(self.base_url + STATS_PATH, context=context) as answer:  # noqa: S310
            stats: dict[str, Any] = json.load(answer)
            return stats


@contextmanager
def fake_arm(inventory: Path, latency: tuple[float, float], refill: float) -> Iterator[Server]:
    """The fake in a process of its own, so that its threads do not share our interpreter lock."""
    command = [
        sys.executable, "-m", "tests.fakearm.server", "--inventory", str(inventory),
        "--latency", str(latency[0]), "--latency-max", str(latency[1]), "--graph-page-size", str(GRAPH_PAGE_SIZE),
        "--throttle", "--read-burst", str(ARM_READ_BURST), "--read-refill", str(refill),
    ]  # fmt: skip
    process = subprocess.Popen(command, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        started = json.loads(process.stdout.readline())
        yield Server(started["base_url"], started["ca"])
    finally:
        assert process.stdin is not None
        process.stdin.close()  # the server stops when its standard input closes
        process.wait(timeout=60)


@dataclass(frozen=True)
class Run:
    label: str
    workspaces: int
    reads: int  # ARM GETs
    queries: int  # Resource Graph POSTs
    busiest: int  # GETs of the busiest subscription
    throttled: int
    wall: float
    floor: float
    errors: int
    client_cpu: float  # seconds of CPU: ours, and the fake's
    server_cpu: float

    @property
    def ratio(self) -> float:
        return self.wall / self.floor

    @property
    def per_workspace(self) -> float:
        return self.reads / self.workspaces


def measure(
    server: Server, label: str, scope: Scope, workspaces: int, refill: float, latency: float, concurrency: int
) -> Run:
    settings = ConnectionSettings(
        arm_endpoint=server.base_url,
        ca_bundle=server.ca,
        credential=StaticTokenCredential("benchmark"),
        concurrency=concurrency,
        read_burst=ARM_READ_BURST,
        read_refill=refill,
    )
    before = server.stats()
    started, cpu = time.perf_counter(), time.process_time()
    snapshot = collect_snapshot(scope, settings, progress=False)
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    after = server.stats()

    def grew(key: str, name: str) -> int:
        return int(after[key].get(name, 0)) - int(before[key].get(name, 0))

    reads, queries = grew("by_method", "GET"), grew("by_method", "POST")
    busiest = max(grew("by_subscription", s) for s in scope.subscriptions)
    bucket_floor = max(busiest - ARM_READ_BURST, 0) / refill
    latency_floor = (reads + queries) * latency / concurrency
    return Run(
        label,
        workspaces,
        reads,
        queries,
        busiest,
        after["throttled"] - before["throttled"],
        wall,
        max(bucket_floor, latency_floor),
        len(snapshot["errors"]),
        cpu,
        after["cpu_seconds"] - before["cpu_seconds"],
    )


def report(run: Run) -> None:
    print(
        f"{run.label:<34} {run.reads:>7} reads {run.per_workspace:6.2f}/ws {run.queries:>4} queries "
        f"busiest {run.busiest:>6}  429s {run.throttled:>4}  wall {run.wall:7.1f} s  floor {run.floor:7.1f} s  "
        f"ratio {run.ratio:4.2f}  errors {run.errors}  cpu {run.client_cpu:.0f}+{run.server_cpu:.0f} s",
        flush=True,
    )


def numbers(text: str, kind: type[float] | type[int]) -> list[Any]:
    return [kind(part) for part in text.split(",") if part.strip()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--workspaces", type=int, default=5000)
    parser.add_argument("--subscriptions", default="1,10", help="comma-separated: one run per count")
    parser.add_argument("--modes", default="resource-graph", help="resource-graph and/or arm, comma-separated")
    parser.add_argument("--latency", type=float, default=0.02, help="least seconds the fake adds to a request")
    parser.add_argument("--latency-max", type=float, default=0.05, help="most seconds the fake adds to a request")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--time-scale", default="10,1", help="refill speed-up per --subscriptions entry")
    parser.add_argument(
        "--workspaces-per-hub",
        type=int,
        default=50,
        metavar="K",
        help="workspaces of a subscription sharing one egress hub firewall (default 50; 1: a hub each)",
    )
    parser.add_argument("--workdir", type=Path, default=None, help="where to write tenants (default: a temp dir)")
    args = parser.parse_args(argv)
    counts, scales = numbers(args.subscriptions, int), numbers(args.time_scale, float)
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    if not counts or not scales or not set(modes) <= {"resource-graph", "arm"}:
        parser.error("--subscriptions, --time-scale and --modes each need at least one valid value")
    latency = (args.latency, max(args.latency, args.latency_max))
    mean_latency = sum(latency) / 2

    print(
        f"{args.workspaces} workspaces, {latency[0] * 1000:.0f}-{latency[1] * 1000:.0f} ms per request, "
        f"{args.workspaces_per_hub} per egress hub, concurrency {args.concurrency}, "
        f"read bucket {ARM_READ_BURST} burst / {ARM_READ_REFILL:g} per s x time scale"
    )
    runs: list[Run] = []
    with tempfile.TemporaryDirectory(prefix="collect-bench-", dir=args.workdir) as folder:
        for position, count in enumerate(counts):
            scale = scales[min(position, len(scales) - 1)]
            refill = ARM_READ_REFILL * scale
            subscriptions = subscription_ids(count)
            path = Path(folder) / f"tenant-{args.workspaces}-{count}.json"
            write_tenant(path, args.workspaces, subscriptions, args.workspaces_per_hub)
            with fake_arm(path, latency, refill) as server:
                for mode in modes:
                    scope = Scope(subscriptions=subscriptions, resource_graph=mode == "resource-graph")
                    label = f"{mode}, {count} sub, scale {scale:g}"
                    run = measure(server, label, scope, args.workspaces, refill, mean_latency, args.concurrency)
                    report(run)
                    runs.append(run)
            path.unlink()

    no_429 = all(r.throttled == 0 for r in runs)
    near_floor = all(r.ratio <= MAX_RATIO for r in runs)
    few_reads = all(r.per_workspace <= MAX_GRAPH_READS for r in runs if r.label.startswith("resource-graph"))
    clean = all(r.errors == 0 for r in runs)
    print(f"no 429 received: {'yes' if no_429 else 'NO'}")
    print(f"wall time within {MAX_RATIO}x the floor: {'yes' if near_floor else 'NO'}")
    print(f"at most {MAX_GRAPH_READS} ARM reads per workspace with Resource Graph: {'yes' if few_reads else 'NO'}")
    print(f"no collection error: {'yes' if clean else 'NO'}")
    return 0 if no_429 and near_floor and few_reads and clean else 1


if __name__ == "__main__":
    raise SystemExit(main())
