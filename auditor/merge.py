"""Merging the JSON reports of sharded scans (one per subscription, say) into one report."""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from typing import Any

from auditor.arm import lid
from auditor.errors import InputError
from auditor.reportfile import check_report
from auditor.summary import sort_key, summary_of
from auditor.waivers import SECTIONS


def merge_reports(
    reports: Sequence[tuple[str, dict[str, Any]]], warn: Callable[[str], None] = lambda _: None
) -> dict[str, Any]:
    """One report from `(file name, report)` pairs, in the order given.

    Results are deduplicated by fingerprint, the first file's copy kept; one fingerprint with two
    statuses is an InputError naming both files, and so are reports of different schema versions
    or whose rules differ in title or remediation (different rules under one id). Different tool
    versions, and one fingerprint with two severities, are merged (the first file's kept) with a
    warning, given to `warn` and added to the report's `warnings`. Workspaces are united by id,
    inputs, collection errors and warnings concatenated, waiver and `fixed` sections combined, the
    summary recomputed and the results re-sorted by `sort_key`.
    """
    if not reports:
        raise InputError("no reports to merge")
    _check_schema_versions(reports)
    for name, report in reports:
        check_report(report, name)
    _check_rule_metadata(reports)
    notes = [*_version_notes(reports), *_severity_notes(reports)]
    for note in notes:
        warn(note)
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
        "warnings": [*(warning for _, report in reports for warning in report.get("warnings", [])), *notes],
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


def _check_schema_versions(reports: Sequence[tuple[str, dict[str, Any]]]) -> None:
    # Only documents that look like reports: anything else gets check_report's own message.
    versions = {
        name: report["schema_version"]
        for name, report in reports
        if isinstance(report, dict) and "schema_version" in report and "results" in report
    }
    if len(set(map(repr, versions.values()))) > 1:
        listed = ", ".join(f"{name}: {version!r}" for name, version in versions.items())
        raise InputError(f"reports of different schema_version ({listed}): merge reports of one amlaudit version")


# What each result carries of its rule: one rule id must mean one rule in every report merged.
_RULE_TEXTS = ("title", "remediation")


def _check_rule_metadata(reports: Sequence[tuple[str, dict[str, Any]]]) -> None:
    seen: dict[str, tuple[str, dict[str, Any]]] = {}
    for name, report in reports:
        for result in report["results"]:
            first_name, first = seen.setdefault(result["rule_id"], (name, result))
            for key in _RULE_TEXTS:
                if first.get(key) != result.get(key):
                    raise InputError(
                        f"rule {result['rule_id']} has a different {key} in {first_name} and {name}: "
                        "merge reports scanned with the same rules (amlaudit version and --rules-dir)"
                    )


def _version_notes(reports: Sequence[tuple[str, dict[str, Any]]]) -> list[str]:
    versions = {name: str(report["tool"].get("version")) for name, report in reports}
    if len(set(versions.values())) <= 1:
        return []
    listed = ", ".join(f"{name}: {version}" for name, version in versions.items())
    first = next(iter(versions.values()))
    return [f"merged reports of different amlaudit versions ({listed}); the merged report says {first}"]


def _severity_notes(reports: Sequence[tuple[str, dict[str, Any]]]) -> list[str]:
    """One note per rule and pair of files whose results of one fingerprint differ in severity."""
    first: dict[str, tuple[str, str]] = {}
    differing: dict[tuple[str, str, str, str, str], int] = {}
    for name, report in reports:
        for result in report["results"]:
            kept_name, kept = first.setdefault(result["fingerprint"].lower(), (name, result["severity"]))
            if kept != result["severity"]:
                key = (result["rule_id"], kept_name, kept, name, result["severity"])
                differing[key] = differing.get(key, 0) + 1
    return [
        f"{rule_id} is {kept} in {kept_name} but {severity} in {name} ({count} result(s)); kept {kept}"
        for (rule_id, kept_name, kept, name, severity), count in differing.items()
    ]


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
