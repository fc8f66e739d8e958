"""How overlaying a plan scales: a what-if that creates a whole synthetic tenant, and one that
deletes a tenth of its private endpoints from the current state.

    .venv/bin/python benchmarks/plan_bench.py --sizes 200,2000

For each size, in this process (median of --repeat runs): `read` builds the plan from the what-if
document already parsed, `overlay` applies it (on nothing, or on the current inventory).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from auditor.inventory import Inventory, gc_paused, load_inventory  # noqa: E402
from auditor.plan import apply_plans  # noqa: E402
from auditor.plan.whatif import read_whatif  # noqa: E402
from benchmarks.generate_tenant import load_baseline, write_tenant  # noqa: E402


def _median(action: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    # With the collector paused, as `amlaudit scan` runs (auditor.inventory.gc_paused).
    times, result = [], None
    for _ in range(repeat):
        with gc_paused():
            start = time.perf_counter()
            result = action()
            times.append(time.perf_counter() - start)
    return statistics.median(times), result


def _documents(inventory: Inventory) -> tuple[dict[str, Any], dict[str, Any]]:
    create = {
        "status": "Succeeded",
        "changes": [{"resourceId": r["id"], "changeType": "Create", "after": r} for r in inventory.resources],
    }
    endpoints = [r["id"] for r in inventory.resources if r["type"].lower() == "microsoft.network/privateendpoints"]
    delete = {"status": "Succeeded", "changes": [{"resourceId": i, "changeType": "Delete"} for i in endpoints[::10]]}
    return create, delete


def bench(workspaces: int, repeat: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "tenant.json"
        with open(path, "w", encoding="utf-8") as out:
            write_tenant(out, workspaces, 0, load_baseline())
        inventory = load_inventory([str(path)])
    create, delete = _documents(inventory)
    read_create, create_plan = _median(lambda: read_whatif(create, "create.json"), repeat)
    overlay_create, _ = _median(lambda: apply_plans(None, [create_plan]), repeat)
    delete_plan = read_whatif(delete, "delete.json")
    overlay_delete, _ = _median(lambda: apply_plans(inventory, [delete_plan]), repeat)
    return {
        "workspaces": workspaces,
        "resources": len(inventory.resources),
        "deleted": len(delete["changes"]),
        "read_create_s": round(read_create, 3),
        "overlay_create_s": round(overlay_create, 3),
        "overlay_delete_s": round(overlay_delete, 3),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sizes", default="200,2000", help="comma-separated workspace counts")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    rows = [bench(int(size), args.repeat) for size in args.sizes.split(",")]
    print("| workspaces | resources | read create | overlay create | endpoints deleted | overlay delete |")
    print("|---:|---:|---:|---:|---:|---:|")
    for row in rows:
        print(
            f"| {row['workspaces']:,} | {row['resources']:,} | {row['read_create_s']} s | {row['overlay_create_s']} s "
            f"| {row['deleted']:,} | {row['overlay_delete_s']} s |"
        )
    if len(rows) > 1:
        first, last = rows[0], rows[-1]
        growth = last["resources"] / first["resources"]
        for key in ("overlay_create_s", "overlay_delete_s"):
            ratio = last[key] / first[key] if first[key] else float("nan")
            print(f"{key}: {ratio:.2f}x for {growth:.0f}x the resources")
    print(json.dumps(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
