"""The benchmark scripts still run: a tiny tenant through the generator, the engine and the bench."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from auditor.engine import ScanResult, load_rules, scan_inventory
from auditor.inventory import load_inventory
from benchmarks.generate_tenant import SAMPLE_TENANT, load_baseline, main, write_tenant

RULES = load_rules()
CLONES = 3


def _generate(tmp_path: Path, workspaces: int, vary_every: int) -> Path:
    path = tmp_path / f"tenant-{workspaces}.json"
    with open(path, "w", encoding="utf-8") as out:
        write_tenant(out, workspaces, vary_every, load_baseline())
    return path


def _scan(path: Path) -> ScanResult:
    return scan_inventory(load_inventory([str(path)]), RULES)


def _outcomes(result: ScanResult) -> Counter[tuple[str, str]]:
    return Counter((r.rule_id, r.status.value) for r in result.results)


def test_clones_scan_like_the_sample_tenant_times_n(tmp_path: Path) -> None:
    one = _scan(SAMPLE_TENANT)
    many = _scan(_generate(tmp_path, CLONES, vary_every=0))

    assert len(one.workspaces) == 1
    assert len(many.workspaces) == CLONES
    assert len({w["id"].lower() for w in many.workspaces}) == CLONES
    assert len(many.results) == CLONES * len(one.results)
    # Same outcome rule by rule: cloning renamed ids without cutting a reference between them.
    assert _outcomes(many) == Counter({key: CLONES * n for key, n in _outcomes(one).items()})
    for workspace in many.workspaces:
        assert workspace["scenario"] == one.workspaces[0]["scenario"]
        assert _verdicts(workspace["posture"]) == _verdicts(one.workspaces[0]["posture"])


def _verdicts(posture: dict[str, object]) -> dict[str, object]:
    # Ids differ from clone to clone by design; the verdicts must not.
    return {key: value for key, value in posture.items() if not (isinstance(value, str) and value.startswith("/"))}


def test_clones_sharing_a_hub_scan_like_clones_with_a_hub_each(tmp_path: Path) -> None:
    alone, shared = tmp_path / "alone.json", tmp_path / "shared.json"
    with open(alone, "w", encoding="utf-8") as out:
        write_tenant(out, 4, 0, load_baseline())
    with open(shared, "w", encoding="utf-8") as out:
        write_tenant(out, 4, 0, load_baseline(), subscriptions=("s-one", "s-two"), per_hub=2)

    inventory = load_inventory([str(shared)])
    firewalls = [r for r in inventory.resources if r["type"].lower() == "microsoft.network/azurefirewalls"]
    hubs = [r for r in inventory.resources if r["name"].lower().startswith("vnet-hub-egress")]
    # Clones 0 and 2 in s-one share clone 0's hub, clones 1 and 3 in s-two clone 1's.
    assert sorted(f["id"].split("/")[2] for f in firewalls) == ["s-one", "s-two"]
    assert sorted(len(h["properties"]["virtualNetworkPeerings"]) for h in hubs) == [2, 2]
    spokes = {
        p["properties"]["remoteVirtualNetwork"]["id"].lower()
        for h in hubs
        for p in h["properties"]["virtualNetworkPeerings"]
    }
    assert len(spokes) == 4
    # Every workspace still routes through a firewall, and every rule judges it as before.
    assert _outcomes(scan_inventory(inventory, RULES)) == _outcomes(_scan(alone))


def test_varied_clones_fail_what_they_break(tmp_path: Path) -> None:
    # vary_every=1: clone 0 gets a public storage, clone 1 a missing DNS zone link.
    result = _scan(_generate(tmp_path, 2, vary_every=1))
    failing = {(r.workspace_id.lower(), r.rule_id) for r in result.results if r.status.value == "fail"}
    ws0, ws1 = sorted(w["id"].lower() for w in result.workspaces)
    assert (ws0, "AML-ST-001") in failing and (ws1, "AML-ST-001") not in failing
    assert (ws1, "AML-NET-001") in failing and (ws0, "AML-NET-001") not in failing


def test_generator_cli_writes_compact_snapshot(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "tenant.json"
    assert main(["--workspaces", "2", "--output", str(path)]) == 0
    text = path.read_text(encoding="utf-8")
    assert text.startswith('{"resources":[{') and "\n" not in text
    resources = json.loads(text)["resources"]
    assert len(resources) == 2 * len(load_baseline())
    assert f"{len(resources)} resources" in capsys.readouterr().err


def test_bench_runs_end_to_end(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from benchmarks.scan_bench import main as bench

    figures = tmp_path / "figures.json"
    arguments = ["--sizes", "1,2", "--formats", "json,console", "--repeat", "1", "--startup-repeat", "1"]
    assert bench([*arguments, "--workdir", str(tmp_path), "--json", str(figures)]) == 0
    payload = json.loads(figures.read_text(encoding="utf-8"))
    assert [r["workspaces"] for r in payload["results"]] == [1, 2]
    assert all(r["scans"][fmt]["runs"][0]["peak_kib"] > 0 for r in payload["results"] for fmt in ("json", "console"))
    assert sorted(payload["startup"]) == ["--version", "rules list", "scan sample tenant"]
    out = capsys.readouterr().out
    assert "scan console (x parse)" in out and "start-up --version: cpu" in out and "load average at end" in out


def test_plan_bench_runs_on_a_tiny_tenant(capsys: pytest.CaptureFixture[str]) -> None:
    from benchmarks.plan_bench import main as plan_bench

    assert plan_bench(["--sizes", "1,2", "--repeat", "1"]) == 0
    rows = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert [(r["workspaces"], r["resources"]) for r in rows] == [(1, 58), (2, 116)]


def test_collect_bench_runs_end_to_end(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from benchmarks.collect_bench import main as collect_bench

    # Tiny and fast: the throttling fake in its own process, a bucket refilled 40 times faster.
    collect_bench(
        ["--workspaces", "4", "--subscriptions", "2", "--time-scale", "40", "--latency", "0.001",
         "--latency-max", "0.002", "--concurrency", "4", "--workdir", str(tmp_path)]
    )  # fmt: skip

    out = capsys.readouterr().out
    runs = [line for line in out.splitlines() if line.startswith("resource-graph, ")]
    assert [line.split(",")[1].strip() for line in runs] == ["2 sub"]
    # Two workspaces per subscription share a hub: 11 reads each, plus 2 rule collection group lists per hub.
    assert all(" 12.00/ws " in line and " 429s    0 " in line and "errors 0" in line for line in runs)
    assert "no 429 received: yes" in out
    assert "at most 12 ARM reads per workspace with Resource Graph: yes" in out
