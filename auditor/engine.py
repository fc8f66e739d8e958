"""The rule engine: load the rule pack by path, judge every rule for every workspace."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from auditor.arm import Resource, eq, lid, name_of, props
from auditor.context import WorkspaceContext
from auditor.errors import InputError
from auditor.inventory import Inventory, gc_paused
from auditor.model import Finding, Result, Rule, Status
from auditor.plan.pending import mentions_placeholder, pending_values
from auditor.posture import posture_of, scenario_of
from auditor.topology import Topology

FAMILY_ORDER = ("workspace", "storage", "keyvault", "registry", "compute", "inference", "studio", "network", "egress")
_MODULE_PREFIX = "amlaudit_rulepack"


@dataclass
class ScanResult:
    workspaces: list[dict[str, Any]]
    results: list[Result]
    rules: list[Rule]
    collection_errors: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    cloud: str = "AzureCloud"
    # Kept only when asked (`keep_topology`): reports that draw network diagrams need it.
    topology: Topology | None = field(default=None, repr=False)


def builtin_rules_dir() -> Path:
    """The pack ships inside the wheel as `auditor/builtin_rules`; in a checkout it is `rules/`."""
    packaged = Path(__file__).parent / "builtin_rules"
    return packaged if packaged.is_dir() else Path(__file__).resolve().parent.parent / "rules"


def _load_module(path: Path, index: int) -> ModuleType:
    # A private module name, so the pack never shadows or is shadowed by an importable `rules`.
    name = f"{_MODULE_PREFIX}{index}_{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise InputError(f"{path}: cannot load rule module")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except (Exception, SystemExit) as exc:
        # A broken custom rule file is an input error, not a crash; nor, calling sys.exit, a silent
        # end of the scan with no report.
        sys.modules.pop(name, None)
        raise InputError(f"{path}: cannot load rule module: {exception_line(exc)}") from None
    return module


def exception_line(exc: BaseException) -> str:
    """An exception in one line: its type and the first line of its message."""
    if isinstance(exc, SystemExit):
        return f"SystemExit: the code called sys.exit({exc.code!r})"
    lines = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {lines[0]}" if lines else type(exc).__name__


def load_rules(extra_dirs: Sequence[Path | str] = ()) -> list[Rule]:
    """The built-in pack plus custom rule directories, in catalogue order."""
    dirs = [builtin_rules_dir(), *(Path(d) for d in extra_dirs)]
    rules: dict[str, Rule] = {}
    index = 0
    for directory in dirs:
        if not directory.is_dir():
            raise InputError(f"{directory}: rules directory not found")
        for path in sorted(directory.glob("*.py")):
            if path.name.startswith("_"):
                continue
            index += 1
            module = _load_module(path, index)
            for value in vars(module).values():
                if isinstance(value, Rule):
                    if value.id in rules and rules[value.id] is not value:
                        raise InputError(f"{path}: rule id {value.id} is defined twice")
                    rules[value.id] = value
    return sorted(rules.values(), key=_rule_order)


def _rule_order(rule: Rule) -> tuple[int, str]:
    family = FAMILY_ORDER.index(rule.family) if rule.family in FAMILY_ORDER else len(FAMILY_ORDER)
    return family, rule.id


def is_project(ws: Resource) -> bool:
    return eq(ws.get("kind"), "Project") or bool(props(ws).get("hubResourceId"))


def hub_id_of(ws: Resource) -> str | None:
    hub = props(ws).get("hubResourceId")
    return hub if isinstance(hub, str) and hub else None


def select_workspaces(topo: Topology, filters: Sequence[str]) -> list[Resource]:
    """Workspaces matching any filter by name or id (case-insensitive); all when no filter."""
    workspaces = sorted(topo.workspaces(), key=lambda w: lid(w["id"]))
    if not filters:
        return workspaces
    chosen: dict[str, Resource] = {}
    for wanted in filters:
        matches = [w for w in workspaces if lid(w["id"]) == lid(wanted) or eq(w.get("name"), wanted)]
        if not matches:
            raise InputError(f"--workspace {wanted}: no workspace of that name or id in the inventory")
        for ws in matches:
            chosen[lid(ws["id"])] = ws
    return sorted(chosen.values(), key=lambda w: lid(w["id"]))


def _result(rule: Rule, ws_id: str, finding: Finding) -> Result:
    return Result(
        rule_id=rule.id,
        status=finding.status,
        severity=rule.severity,
        title=rule.title,
        workspace_id=ws_id,
        resource_id=finding.resource_id,
        message=finding.message,
        evidence=finding.evidence,
        remediation=rule.remediation,
    )


def judge(rule: Rule, ctx: WorkspaceContext) -> list[Result]:
    """Every result of one rule for one workspace (at least one, catalogue §2)."""
    return _judged(rule, ctx)[0]


def _judged(rule: Rule, ctx: WorkspaceContext) -> tuple[list[Result], str | None]:
    """The results, and the exception in one line when the rule raised (its results are then unknown)."""
    failure = None
    try:
        findings = list(rule.check(ctx))
    except (Exception, SystemExit) as exc:  # malformed data or a broken rule must not end the whole scan
        failure = exception_line(exc)
        findings = [
            ctx.finding(
                Status.UNKNOWN,
                ctx.id,
                f"{rule.id} could not be evaluated for {ctx.name}: {failure}.",
                error=failure,
            )
        ]
    pending = pending_values(ctx.topo, ctx.topo.errors)
    if pending:
        findings = [_unsettled(f, pending) for f in findings]
    if not findings:
        gap = next((g for t in rule.reads if (g := ctx.topo.gap(t, ctx.id))), None)
        if gap:
            findings = [
                ctx.finding(Status.UNKNOWN, ctx.id, f"The subjects of this rule are unknown: {gap}.", missing=gap)
            ]
        else:
            findings = [ctx.finding(Status.NOT_APPLICABLE, ctx.id, f"{ctx.name} has no subject for this rule.")]
    return [_result(rule, ctx.id, f) for f in findings], failure


def _unsettled(finding: Finding, pending: dict[str, list[str]]) -> Finding:
    """A pass on a planned resource with values known only after apply is `unknown`, and so is a fail
    that rests on an id known only after apply (catalogue §2: missing data is never a pass)."""
    missing = pending.get(lid(finding.resource_id))
    if not missing or not (
        finding.status == Status.PASS or finding.status == Status.FAIL and mentions_placeholder(finding.evidence)
    ):
        return finding
    message = f"Undecided until apply ({'; '.join(missing)}); on the known values: {finding.message}"
    return Finding(Status.UNKNOWN, finding.resource_id, message, {**finding.evidence, "missing": missing})


def judge_project(rule: Rule, ws: Resource, hub: Resource | None, hub_id: str | None) -> Result:
    """A Project inherits its hub's isolation: every rule once, not applicable (catalogue §2)."""
    name = str(ws.get("name") or name_of(ws["id"]))
    if hub is None:
        status = Status.UNKNOWN
        message = f"Project {name} inherits the network isolation of hub {hub_id}, which is absent from the inventory."
    else:
        status = Status.NOT_APPLICABLE
        message = f"Project {name} inherits the network isolation of its hub {hub['name']}; the hub is audited."
    finding = Finding(status, ws["id"], message, {"properties.hubResourceId": hub_id, "kind": ws.get("kind")})
    return _result(rule, ws["id"], finding)


def workspace_summary(ws: Resource, ctx: WorkspaceContext | None, hub_id: str | None) -> dict[str, Any]:
    """The `workspaces[]` entry of a report; a Project's scenario and posture are its hub's."""
    unknown_posture = dict.fromkeys(
        ("workspace", "storage", "key_vault", "container_registry", "training_compute", "inference_compute"),
        "unknown",
    )
    return {
        "id": ws["id"],
        "name": str(ws.get("name") or name_of(ws["id"])),
        "location": ws.get("location"),
        "kind": ws.get("kind"),
        "scenario": scenario_of(ctx) if ctx else "unknown",
        "isolation_mode": ctx.isolation_mode if ctx else "unknown",
        "hub_id": hub_id,
        "posture": posture_of(ctx) if ctx else unknown_posture,
    }


def scan_topology(
    topo: Topology, rules: Sequence[Rule], workspaces: Sequence[Resource], cloud: str
) -> tuple[list[dict[str, Any]], list[Result], list[str]]:
    """Workspace summaries, results, and one warning per rule that raised (with its first failure)."""
    summaries: list[dict[str, Any]] = []
    results: list[Result] = []
    broken: dict[str, tuple[str, str]] = {}
    for ws in workspaces:
        if is_project(ws):
            hub_id = hub_id_of(ws)
            hub = topo.get(hub_id)
            hub_ctx = WorkspaceContext(hub, topo, cloud) if hub else None
            summaries.append(workspace_summary(ws, hub_ctx, hub_id))
            results.extend(judge_project(rule, ws, hub, hub_id) for rule in rules)
            continue
        ctx = WorkspaceContext(ws, topo, cloud)
        summaries.append(workspace_summary(ws, ctx, None))
        for rule in rules:
            judged, failure = _judged(rule, ctx)
            results.extend(judged)
            if failure is not None and rule.id not in broken:
                broken[rule.id] = (failure, str(ws.get("name") or ws["id"]))
    # The same order as `summary.sort_key`, so merged shards list results exactly as one scan would.
    results.sort(key=_order_key())
    warnings = [
        f"rule {rule_id} raised {failure} (first in workspace {where}); its results are unknown"
        for rule_id, (failure, where) in broken.items()
    ]
    return summaries, results, warnings


def _order_key() -> Callable[[Result], tuple[str, str, str]]:
    """`(workspace, rule, resource)` compared lower-cased, each workspace id lower-cased once."""
    workspace_keys: dict[str, str] = {}

    def key(result: Result) -> tuple[str, str, str]:
        workspace = workspace_keys.get(result.workspace_id)
        if workspace is None:
            workspace = workspace_keys[result.workspace_id] = lid(result.workspace_id)
        return workspace, result.rule_id, lid(result.resource_id)

    return key


def scan_inventory(
    inventory: Inventory,
    rules: Sequence[Rule] | None = None,
    workspace_filters: Sequence[str] = (),
    cloud: str | None = None,
    keep_topology: bool = False,
) -> ScanResult:
    """Judge every rule for every selected workspace of an inventory."""
    rule_list = list(rules) if rules is not None else load_rules()
    chosen_cloud = str(inventory.meta.get("cloud") or cloud or "AzureCloud")
    with gc_paused():
        topo = Topology(inventory.resources, inventory.errors)
        workspaces = select_workspaces(topo, workspace_filters)
        summaries, results, rule_warnings = scan_topology(topo, rule_list, workspaces, chosen_cloud)
    return ScanResult(
        workspaces=summaries,
        results=results,
        rules=rule_list,
        collection_errors=list(inventory.errors),
        warnings=[*inventory.warnings, *rule_warnings],
        cloud=chosen_cloud,
        topology=topo if keep_topology else None,
    )
