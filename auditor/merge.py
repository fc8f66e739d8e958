"""Merging the JSON reports of sharded scans (one per subscription, say) into one report."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

from auditor.arm import lid
from auditor.errors import InputError
from auditor.reportfile import check_report
from auditor.summary import sort_key, summary_of
from auditor.waivers import SECTIONS


def merge_reports(reports: Sequence[tuple[str, dict[str, Any]]]) -> dict[str, Any]:
    """One report from `(file name, report)` pairs, in the order given.

    Results are deduplicated by fingerprint, the first file's copy kept; one fingerprint with two
    statuses is an InputError naming both files. Workspaces are united by id, inputs, collection
    errors and warnings concatenated, waiver and `fixed` sections combined, the summary recomputed
    and the results re-sorted by `sort_key`.
    """
    if not reports:
        raise InputError("no reports to merge")
    for name, report in reports:
        check_report(report, name)
    results: dict[str, dict[str, Any]] = {}
    origin: dict[str, str] = {}
    workspaces: dict[str, dict[str, Any]] = {}
    for name, report in reports:
        for workspace in report["workspaces"]:
            workspaces.setdefault(lid(workspace["id"]), workspace)
        for result in report["results"]:
            fingerprint = result["fingerprint"].lower()
            kept = results.setdefault(fingerprint, result)
            origin.setdefault(fingerprint, name)
            if kept["status"] != result["status"]:
                raise InputError(
                    f"{result['rule_id']} on {result['resource_id']} (fingerprint {fingerprint[:12]}) is "
                    f"{kept['status']} in {origin[fingerprint]} but {result['status']} in {name}"
                )
    first = reports[0][1]
    merged: dict[str, Any] = {
        "schema_version": first["schema_version"],
        "tool": first["tool"],
        "generated_at": max(report["generated_at"] for _, report in reports),
        "inputs": list(dict.fromkeys(item for _, report in reports for item in report["inputs"])),
        "workspaces": list(workspaces.values()),
        "results": sorted(results.values(), key=sort_key),
        "collection_errors": [error for _, report in reports for error in report["collection_errors"]],
        "warnings": [warning for _, report in reports for warning in report.get("warnings", [])],
        "summary": summary_of(results.values()),
    }
    with_waivers = [report["waivers"] for _, report in reports if "waivers" in report]
    if with_waivers:
        merged["waivers"] = _merge_waivers(with_waivers)
    with_baseline = [report["fixed"] for _, report in reports if "fixed" in report]
    if with_baseline:
        # A result carries a `baseline` mark exactly when the baseline tracks it now: not fixed.
        tracked = {fingerprint for fingerprint, result in results.items() if "baseline" in result}
        fixed = {entry["fingerprint"].lower(): entry for section in with_baseline for entry in section}
        merged["fixed"] = sorted((e for fp, e in fixed.items() if fp not in tracked), key=sort_key)
    # The merged report shares no object with its inputs, so that later passes cannot alter them.
    return copy.deepcopy(merged)


def _merge_waivers(sections: Sequence[dict[str, list[dict[str, Any]]]]) -> dict[str, list[dict[str, Any]]]:
    """Shards read the same waivers file: one waiver is one entry, with the fingerprints of all shards.

    A waiver stale in one shard but applied in another was applied; stale means stale everywhere.
    """
    entries: dict[tuple[Any, ...], tuple[str, dict[str, Any]]] = {}
    for section in sections:
        for kind in SECTIONS:
            for entry in section.get(kind, []):
                key = tuple(sorted((k, str(v)) for k, v in entry.items() if k != "fingerprints"))
                previous_kind, previous = entries.get(key, (kind, {**entry, "fingerprints": []}))
                fingerprints = list(dict.fromkeys([*previous["fingerprints"], *entry.get("fingerprints", [])]))
                best = "applied" if "applied" in (kind, previous_kind) else previous_kind
                entries[key] = (best, {**previous, "fingerprints": fingerprints})
    merged: dict[str, list[dict[str, Any]]] = {kind: [] for kind in SECTIONS}
    for kind, entry in entries.values():
        merged[kind].append(entry)
    return merged
