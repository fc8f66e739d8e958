"""Baselines: compare a scan with an earlier report, so that CI can fail on new findings only.

Results are matched by fingerprint (catalogue §5), which stays the same across runs and between
pass and fail. Waived results never count as failing, on either side: apply waivers first.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from auditor.arm import lid
from auditor.model import Status
from auditor.reportfile import check_report
from auditor.summary import sort_key

NEW = "new"
UNCHANGED = "unchanged"


def apply_baseline(
    report: Mapping[str, Any], previous: Mapping[str, Any], include_unknown: bool = False
) -> dict[str, Any]:
    """A copy of `report` whose tracked results carry `baseline`: `new` or `unchanged`.

    Tracked are failing results, and unknown ones too with `include_unknown`; a result is
    `unchanged` when its fingerprint was tracked in `previous`. Fingerprints tracked before and not
    now are listed in the top-level `fixed`, each with the status it has now (None: no longer
    reported). A malformed `previous` is an InputError; a `previous` that shares no workspace with
    `report` adds a warning to the report's `warnings`.
    """
    check_report(previous, "baseline report")
    tracked = {Status.FAIL.value, Status.UNKNOWN.value} if include_unknown else {Status.FAIL.value}
    before = {r["fingerprint"].lower(): r for r in previous["results"] if r["status"] in tracked}
    out = copy.deepcopy(dict(report))
    now: dict[str, str] = {}
    for result in out["results"]:
        fingerprint = result["fingerprint"].lower()
        now[fingerprint] = result["status"]
        # Re-marking from scratch keeps a second baseline pass from inheriting the first one's marks.
        result.pop("baseline", None)
        if result["status"] in tracked:
            result["baseline"] = UNCHANGED if fingerprint in before else NEW
    fixed = [
        {
            "fingerprint": old["fingerprint"],
            "rule_id": old["rule_id"],
            "resource_id": old["resource_id"],
            "workspace_id": old["workspace_id"],
            "status": now.get(fingerprint),
        }
        for fingerprint, old in before.items()
        if now.get(fingerprint) not in tracked
    ]
    out["fixed"] = sorted(fixed, key=sort_key)
    note = _scope_note(report, previous)
    if note:
        out["warnings"] = [*out.get("warnings", []), note]
    return out


def _scope_note(report: Mapping[str, Any], previous: Mapping[str, Any]) -> str | None:
    """A warning when the baseline covers none of the scanned workspaces: another tenant or scope."""
    before = {lid(workspace["id"]) for workspace in previous["workspaces"]}
    now = {lid(workspace["id"]) for workspace in report["workspaces"]}
    if not before or before & now:
        return None
    return (
        f"the baseline report has none of the {len(now)} workspace(s) scanned (its {len(before)} are of another "
        "tenant or scope?): every failure counts as new"
    )


def counts_toward_exit(result: Mapping[str, Any]) -> bool:
    """Whether a result may fail the build: with a baseline only new ones do.

    Results the baseline did not judge (no `baseline` mark: no baseline given, or unknown results
    without `include_unknown`) count as they would without one.
    """
    return result.get("baseline") != UNCHANGED
