"""Benchmark: how a whole `--format json` scan compares with parsing its inventory, as tenants grow.

For each size N, a synthetic tenant of N workspaces (benchmarks/generate_tenant.py) is measured in
fresh subprocesses, each run `--repeat` times (median wall time, highest peak RSS):

- parse: `json.loads(open(f).read())` and nothing else, the floor any scanner pays;
- load: `auditor.inventory.load_inventory`, the scanner's own reading and validation;
- scan: `python -m auditor scan --inventory F --format json --output OUT --fail-on never`.

Goals (issue #2): at the largest size the scan takes at most 3x the parse time and 2x its peak
memory, and scan time grows linearly (at most 1.1x the size ratio). POSIX only (`os.wait4`).

    python benchmarks/scan_bench.py --sizes 200,2000
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate_tenant import load_baseline, write_tenant  # noqa: E402

TIME_GOAL = 3.0
MEMORY_GOAL = 2.0
# Linear growth, with 10% of slack for noise and the fixed costs that do not scale.
GROWTH_SLACK = 1.1

# Each child reports the time of its own work, which leaves interpreter start-up out.
_PARSE = """
import json, sys, time
start = time.perf_counter()
with open(sys.argv[1], encoding="utf-8") as f:
    document = json.loads(f.read())
print(json.dumps({"work": time.perf_counter() - start, "items": len(document["resources"])}))
"""
_LOAD = """
import json, sys, time
start = time.perf_counter()
from auditor.inventory import load_inventory
inventory = load_inventory([sys.argv[1]])
print(json.dumps({"work": time.perf_counter() - start, "items": len(inventory.resources)}))
"""


@dataclass
class Run:
    wall: float  # seconds, the whole child process
    peak_kib: int  # the child's max RSS
    work: float | None = None  # seconds, as timed by the child itself


@dataclass
class Measure:
    runs: list[Run] = field(default_factory=list)

    @property
    def wall(self) -> float:
        return statistics.median(r.wall for r in self.runs)

    @property
    def work(self) -> float | None:
        works = [r.work for r in self.runs if r.work is not None]
        return statistics.median(works) if works else None

    @property
    def peak_kib(self) -> int:
        return max(r.peak_kib for r in self.runs)


@dataclass
class SizeResult:
    workspaces: int
    resources: int
    bytes: int
    parse: Measure
    load: Measure
    scan: Measure
    report_bytes: int

    @property
    def time_ratio(self) -> float:
        return self.scan.wall / self.parse.wall

    @property
    def memory_ratio(self) -> float:
        return self.scan.peak_kib / self.parse.peak_kib


def _max_rss_kib(ru_maxrss: int) -> int:
    # Linux reports KiB, macOS bytes.
    return ru_maxrss // 1024 if sys.platform == "darwin" else ru_maxrss


def run_child(argv: Sequence[str], env: dict[str, str] | None = None) -> tuple[Run, str]:
    """Run one fresh process; its wall time from outside, its peak memory from the kernel."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        child = subprocess.Popen(argv, stdout=out, stderr=err, cwd=ROOT, env=env)
        # wait4 rather than Popen.wait: it reaps the child and hands back that child's own rusage.
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - start
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode(errors="replace")
    if child.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} exited {child.returncode}: {stderr[-2000:]}")
    return Run(wall=wall, peak_kib=_max_rss_kib(usage.ru_maxrss)), stdout


def _child_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    return env


def measure_script(python: str, script: str, tenant: Path, repeat: int) -> tuple[Measure, int]:
    measure, items = Measure(), 0
    for _ in range(repeat):
        run, out = run_child([python, "-c", script, str(tenant)], _child_env())
        answer = json.loads(out)
        run.work, items = answer["work"], answer["items"]
        measure.runs.append(run)
    return measure, items


def measure_scan(python: str, tenant: Path, report: Path, repeat: int) -> Measure:
    measure = Measure()
    argv = [python, "-m", "auditor", "scan", "--inventory", str(tenant)]
    argv += ["--format", "json", "--output", str(report), "--fail-on", "never"]
    for _ in range(repeat):
        run, _ = run_child(argv, _child_env())
        measure.runs.append(run)
    return measure


def bench_size(workspaces: int, workdir: Path, python: str, repeat: int, vary_every: int) -> SizeResult:
    tenant = workdir / f"tenant-{workspaces}.json"
    report = workdir / f"report-{workspaces}.json"
    with open(tenant, "w", encoding="utf-8") as out:
        resources = write_tenant(out, workspaces, vary_every, load_baseline())
    parse, parsed = measure_script(python, _PARSE, tenant, repeat)
    load, loaded = measure_script(python, _LOAD, tenant, repeat)
    if parsed != resources or loaded != resources:
        raise RuntimeError(f"{tenant}: wrote {resources} resources, parsed {parsed}, loaded {loaded}")
    scan = measure_scan(python, tenant, report, repeat)
    return SizeResult(
        workspaces=workspaces,
        resources=resources,
        bytes=tenant.stat().st_size,
        parse=parse,
        load=load,
        scan=scan,
        report_bytes=report.stat().st_size,
    )


def machine() -> dict[str, str]:
    info = {
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "platform": platform.platform(),
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "cpus": str(os.cpu_count()),
    }
    cpu = _proc_field("/proc/cpuinfo", "model name")
    if cpu:
        info["cpu"] = cpu
    memory = _proc_field("/proc/meminfo", "MemTotal")
    if memory:
        info["memory"] = f"{int(memory.split()[0]) / 1024**2:.1f} GiB"
    return info


def _proc_field(path: str, name: str) -> str | None:
    try:
        with open(path, encoding="utf-8") as f:
            for line in f:
                key, _, value = line.partition(":")
                if key.strip() == name:
                    return value.strip()
    except OSError:
        pass
    return None


def _mib(kib: int) -> str:
    return f"{kib / 1024:,.0f} MiB"


def _mb(size: int) -> str:
    return f"{size / 1e6:,.1f} MB"


def table(results: Sequence[SizeResult]) -> str:
    rows = [
        ("workspaces", lambda r: f"{r.workspaces:,}"),
        ("resources", lambda r: f"{r.resources:,}"),
        ("inventory size", lambda r: f"{_mb(r.bytes)} ({r.bytes:,} B)"),
        ("parse time (json.loads)", lambda r: f"{r.parse.wall:.2f} s (work {r.parse.work:.2f} s)"),
        ("parse peak RSS", lambda r: _mib(r.parse.peak_kib)),
        ("load_inventory time", lambda r: f"{r.load.wall:.2f} s (work {r.load.work:.2f} s)"),
        ("load_inventory peak RSS", lambda r: _mib(r.load.peak_kib)),
        ("scan --format json time", lambda r: f"{r.scan.wall:.2f} s"),
        ("scan peak RSS", lambda r: _mib(r.scan.peak_kib)),
        ("report size", lambda r: _mb(r.report_bytes)),
        (f"scan/parse time (goal <= {TIME_GOAL:g})", lambda r: f"{r.time_ratio:.2f}x"),
        (f"scan/parse memory (goal <= {MEMORY_GOAL:g})", lambda r: f"{r.memory_ratio:.2f}x"),
    ]
    cells = [[label, *(render(r) for r in results)] for label, render in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(cells[0]))]
    lines = [
        "  ".join(cell.ljust(widths[i]) if i == 0 else cell.rjust(widths[i]) for i, cell in enumerate(row))
        for row in cells
    ]
    return "\n".join(lines)


def verdicts(results: Sequence[SizeResult]) -> list[tuple[str, bool]]:
    largest, smallest = results[-1], results[0]
    checks = [
        (
            f"N={largest.workspaces:,}: scan time {largest.time_ratio:.2f}x parse <= {TIME_GOAL:g}x",
            largest.time_ratio <= TIME_GOAL,
        ),
        (
            f"N={largest.workspaces:,}: scan peak {largest.memory_ratio:.2f}x parse <= {MEMORY_GOAL:g}x",
            largest.memory_ratio <= MEMORY_GOAL,
        ),
    ]
    if len(results) > 1:
        size_ratio = largest.workspaces / smallest.workspaces
        growth = largest.scan.wall / smallest.scan.wall
        limit = size_ratio * GROWTH_SLACK
        checks.append(
            (
                f"scan time grows {growth:.2f}x from N={smallest.workspaces:,} to N={largest.workspaces:,} "
                f"<= {limit:g}x",
                growth <= limit,
            )
        )
    return checks


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sizes", default="200,2000", help="workspace counts, comma-separated (default 200,2000)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement (default 3; median time)")
    parser.add_argument("--vary-every", type=int, default=10, help="every Kth clone has a defect (default 10)")
    parser.add_argument("--workdir", type=Path, help="keep tenants and reports here (default: a temp dir)")
    parser.add_argument("--python", default=sys.executable, help="interpreter for the children")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the figures as JSON")
    args = parser.parse_args(argv)
    sizes = sorted({int(s) for s in args.sizes.split(",") if s.strip()})
    if not sizes or sizes[0] < 1 or args.repeat < 1:
        parser.error("--sizes needs positive counts and --repeat at least 1")

    info = machine()
    print("\n".join(f"{key}: {value}" for key, value in info.items()), flush=True)
    results = []
    with tempfile.TemporaryDirectory(prefix="amlaudit-bench-") as temp:
        workdir = args.workdir or Path(temp)
        workdir.mkdir(parents=True, exist_ok=True)
        for size in sizes:
            print(f"N={size:,}: measuring ({args.repeat} runs each)...", file=sys.stderr, flush=True)
            results.append(bench_size(size, workdir, args.python, args.repeat, args.vary_every))
    print()
    print(table(results))
    print()
    checks = verdicts(results)
    for text, ok in checks:
        print(f"{'met   ' if ok else 'MISSED'}  {text}")
    if args.json:
        payload = {
            "machine": info,
            "results": [{**asdict(r), "time_ratio": r.time_ratio, "memory_ratio": r.memory_ratio} for r in results],
            "goals": [{"goal": text, "met": ok} for text, ok in checks],
        }
        args.json.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
