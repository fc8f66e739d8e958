"""Benchmark: a scan in every report format against parsing its inventory, as tenants grow; start-up.

For each size N, a synthetic tenant of N workspaces (benchmarks/generate_tenant.py) is measured in
fresh subprocesses, each run `--repeat` times (median wall time, highest peak RSS):

- parse: `json.loads(open(f).read())` and nothing else, the floor any scanner pays;
- load: `auditor.inventory.load_inventory`, the scanner's own reading and validation;
- scan FORMAT: `python -m auditor scan --inventory F --format FORMAT --output OUT --fail-on never`,
  for every format.

Then start-up: `--version`, `rules list` and a scan of the sample tenant, each timed as a whole
process (after one warm-up run, with bytecode caching allowed, as an installed package has it).

Goals (issue #12): at every size of 1,000 workspaces or more, every format within 2x the parse
time and 1.5x its peak memory; every row linear, at most 3.3x from 1,000 to 3,000 workspaces;
start-up at most 0.2 s. The verdicts compare CPU time (user + system, from the kernel's rusage of
each child): on a shared machine wall time measures the neighbours too; wall times are printed
beside. The figures are printed, never asserted: CI runs a tiny version
(tests/test_benchmarks_smoke.py). POSIX only (`os.wait4`).

    python benchmarks/scan_bench.py --sizes 200,1000,3000
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
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate_tenant import load_baseline, write_tenant  # noqa: E402

from auditor.reporters import FORMATS  # noqa: E402

TIME_GOAL = 2.0
MEMORY_GOAL = 1.5
GOAL_FROM = 1000  # the ratio goals hold from this size up; below it, start-up dominates
GROWTH_SLACK = 1.1  # linear: 3.3x from 1,000 to 3,000 workspaces, 10% of slack for noise
STARTUP_GOAL = 0.2
STARTUP_COMMANDS: dict[str, list[str]] = {
    "--version": ["--version"],
    "rules list": ["rules", "list"],
    "scan sample tenant": ["scan", "--inventory", "fixtures/sample-tenant", "--format", "console"],
}

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
    cpu: float = 0.0  # seconds of user and system time of the child
    work: float | None = None  # seconds, as timed by the child itself


@dataclass
class Measure:
    runs: list[Run] = field(default_factory=list)

    @property
    def wall(self) -> float:
        return statistics.median(r.wall for r in self.runs)

    @property
    def cpu(self) -> float:
        return statistics.median(r.cpu for r in self.runs)

    def time(self, kind: str) -> float:
        return self.cpu if kind == "cpu" else self.wall

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
    scans: dict[str, Measure]
    report_bytes: dict[str, int]

    def time_ratio(self, fmt: str, kind: str = "cpu") -> float:
        return self.scans[fmt].time(kind) / self.parse.time(kind)

    def memory_ratio(self, fmt: str) -> float:
        return self.scans[fmt].peak_kib / self.parse.peak_kib


def _max_rss_kib(ru_maxrss: int) -> int:
    # Linux reports KiB, macOS bytes.
    return ru_maxrss // 1024 if sys.platform == "darwin" else ru_maxrss


def run_child(argv: Sequence[str], env: dict[str, str] | None = None, allow_failure: bool = False) -> tuple[Run, str]:
    """Run one fresh process; its wall time from outside, its peak memory from the kernel.

    Exit 1 (a failing result) is accepted when `allow_failure`; anything else non-zero raises."""
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
    if child.returncode != 0 and not (allow_failure and child.returncode == 1):
        raise RuntimeError(f"{' '.join(argv)} exited {child.returncode}: {stderr[-2000:]}")
    cpu = usage.ru_utime + usage.ru_stime
    return Run(wall=wall, peak_kib=_max_rss_kib(usage.ru_maxrss), cpu=cpu), stdout


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


def measure_scan(python: str, tenant: Path, fmt: str, report: Path, repeat: int) -> Measure:
    measure = Measure()
    argv = [python, "-m", "auditor", "scan", "--inventory", str(tenant)]
    argv += ["--format", fmt, "--output", str(report), "--fail-on", "never"]
    for _ in range(repeat):
        run, _ = run_child(argv, _child_env())
        measure.runs.append(run)
    return measure


def bench_size(
    workspaces: int, workdir: Path, python: str, repeat: int, vary_every: int, formats: Sequence[str]
) -> SizeResult:
    tenant = workdir / f"tenant-{workspaces}.json"
    with open(tenant, "w", encoding="utf-8") as out:
        resources = write_tenant(out, workspaces, vary_every, load_baseline())
    parse, parsed = measure_script(python, _PARSE, tenant, repeat)
    load, loaded = measure_script(python, _LOAD, tenant, repeat)
    if parsed != resources or loaded != resources:
        raise RuntimeError(f"{tenant}: wrote {resources} resources, parsed {parsed}, loaded {loaded}")
    scans, report_bytes = {}, {}
    for fmt in formats:
        report = workdir / f"report-{workspaces}.{fmt}"
        scans[fmt] = measure_scan(python, tenant, fmt, report, repeat)
        report_bytes[fmt] = report.stat().st_size
    return SizeResult(workspaces, resources, tenant.stat().st_size, parse, load, scans, report_bytes)


def measure_startup(python: str, repeat: int) -> dict[str, Measure]:
    """Each command as a whole process, after a warm-up run that lets Python cache bytecode."""
    env = _child_env()
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    measures = {}
    for label, command in STARTUP_COMMANDS.items():
        argv = [python, "-m", "auditor", *command]
        run_child(argv, env, allow_failure=True)
        measures[label] = Measure([run_child(argv, env, allow_failure=True)[0] for _ in range(repeat)])
    return measures


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


def _ratio_cell(result: SizeResult, fmt: str) -> str:
    measure = result.scans[fmt]
    return (
        f"cpu {measure.cpu:.2f} s {result.time_ratio(fmt):.2f}x, wall {measure.wall:.2f} s "
        f"{result.time_ratio(fmt, 'wall'):.2f}x, "
        f"{_mib(measure.peak_kib)} {result.memory_ratio(fmt):.2f}x"
    )


def _plain_cell(measure: Measure) -> str:
    return f"cpu {measure.cpu:.2f} s, wall {measure.wall:.2f} s, {_mib(measure.peak_kib)}"


def table(results: Sequence[SizeResult], formats: Sequence[str]) -> str:
    rows: list[tuple[str, Callable[[SizeResult], str]]] = [
        ("workspaces", lambda r: f"{r.workspaces:,}"),
        ("resources", lambda r: f"{r.resources:,}"),
        ("inventory size", lambda r: _mb(r.bytes)),
        ("parse (json.loads)", lambda r: _plain_cell(r.parse)),
        # The parse process's own clock around json.loads: no start-up, no read, no freeing at exit.
        ("  of which json.loads", lambda r: f"{r.parse.work:.2f} s" if r.parse.work is not None else "-"),
        ("load_inventory", lambda r: _plain_cell(r.load)),
    ]
    for fmt in formats:
        rows.append((f"scan {fmt} (x parse)", lambda r, fmt=fmt: _ratio_cell(r, fmt)))
        rows.append((f"  {fmt} report size", lambda r, fmt=fmt: _mb(r.report_bytes[fmt])))
    return _grid([[label, *(render(r) for r in results)] for label, render in rows])


def _grid(cells: list[list[str]]) -> str:
    widths = [max(len(row[i]) for row in cells) for i in range(len(cells[0]))]
    lines = [
        "  ".join(cell.ljust(widths[i]) if i == 0 else cell.rjust(widths[i]) for i, cell in enumerate(row))
        for row in cells
    ]
    return "\n".join(lines)


def growth(results: Sequence[SizeResult], formats: Sequence[str]) -> list[tuple[str, float, float]]:
    """(row, time growth, size growth) from the smallest size of at least GOAL_FROM to the largest."""
    eligible = [r for r in results if r.workspaces >= GOAL_FROM] or list(results)
    small, large = eligible[0], eligible[-1]
    if small is large:
        return []
    ratio = large.workspaces / small.workspaces
    rows = [("parse", large.parse.cpu / small.parse.cpu, ratio), ("load", large.load.cpu / small.load.cpu, ratio)]
    rows += [(f"scan {fmt}", large.scans[fmt].cpu / small.scans[fmt].cpu, ratio) for fmt in formats]
    return rows


def verdicts(
    results: Sequence[SizeResult], formats: Sequence[str], startup: dict[str, Measure]
) -> list[tuple[str, bool]]:
    checks = []
    for result in (r for r in results if r.workspaces >= GOAL_FROM):
        for fmt in formats:
            time_ratio, memory_ratio = result.time_ratio(fmt), result.memory_ratio(fmt)
            checks.append(
                (
                    f"N={result.workspaces:,} {fmt}: cpu time {time_ratio:.2f}x <= {TIME_GOAL:g}x, "
                    f"memory {memory_ratio:.2f}x <= {MEMORY_GOAL:g}x",
                    time_ratio <= TIME_GOAL and memory_ratio <= MEMORY_GOAL,
                )
            )
    for row, grown, ratio in growth(results, formats):
        limit = GROWTH_SLACK * ratio
        text = f"{row} cpu time grows {grown:.2f}x for {ratio:g}x the workspaces <= {limit:.2f}x"
        checks.append((text, grown <= limit))
    for label, measure in startup.items():
        checks.append(
            (f"start-up {label}: cpu {measure.cpu:.3f} s <= {STARTUP_GOAL:g} s", measure.cpu <= STARTUP_GOAL)
        )
    return checks


def load_average() -> str:
    try:
        return " ".join(f"{value:.2f}" for value in os.getloadavg())
    except OSError:
        return "unknown"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sizes", default="200,1000,3000", help="workspace counts, comma-separated")
    parser.add_argument("--formats", default=",".join(FORMATS), help="report formats to scan to (default all)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement (default 3; median time)")
    parser.add_argument("--startup-repeat", type=int, default=5, help="runs per start-up command (default 5)")
    parser.add_argument("--vary-every", type=int, default=10, help="every Kth clone has a defect (default 10)")
    parser.add_argument("--workdir", type=Path, help="keep tenants and reports here (default: a temp dir)")
    parser.add_argument("--python", default=sys.executable, help="interpreter for the children")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the figures as JSON")
    args = parser.parse_args(argv)
    sizes = sorted({int(s) for s in args.sizes.split(",") if s.strip()})
    formats = [f.strip() for f in args.formats.split(",") if f.strip()]
    if not sizes or sizes[0] < 1 or args.repeat < 1 or args.startup_repeat < 1:
        parser.error("--sizes needs positive counts, --repeat and --startup-repeat at least 1")
    if unknown := [f for f in formats if f not in FORMATS]:
        parser.error(f"unknown formats {unknown}: choose from {', '.join(FORMATS)}")

    info = {**machine(), "load average at start": load_average()}
    print("\n".join(f"{key}: {value}" for key, value in info.items()), flush=True)
    results = []
    with tempfile.TemporaryDirectory(prefix="amlaudit-bench-") as temp:
        workdir = args.workdir or Path(temp)
        workdir.mkdir(parents=True, exist_ok=True)
        for size in sizes:
            print(f"N={size:,}: measuring ({args.repeat} runs each)...", file=sys.stderr, flush=True)
            results.append(bench_size(size, workdir, args.python, args.repeat, args.vary_every, formats))
    print("start-up...", file=sys.stderr, flush=True)
    startup = measure_startup(args.python, args.startup_repeat)
    info["load average at end"] = load_average()
    print(f"load average at end: {info['load average at end']}")
    print()
    print(table(results, formats))
    print()
    print(_grid([["start-up", "cpu (median)", "wall (median)", "peak"]] + [
        [label, f"{m.cpu:.3f} s", f"{m.wall:.3f} s", _mib(m.peak_kib)] for label, m in startup.items()
    ]))
    print()
    checks = verdicts(results, formats, startup)
    for text, ok in checks:
        print(f"{'met   ' if ok else 'MISSED'}  {text}")
    if args.json:
        payload = {
            "machine": info,
            "results": [asdict(r) for r in results],
            "startup": {label: asdict(m) for label, m in startup.items()},
            "goals": [{"goal": text, "met": ok} for text, ok in checks],
        }
        args.json.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
