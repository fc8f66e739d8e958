"""Waivers: failures a team has accepted, each with a justification and an expiry date.

The file is YAML: a mapping whose `waivers` list holds entries of `rule` (id or glob), `resource`
(ARM id or glob; a regular expression when prefixed `re:`), optional `workspace` (name, id or glob),
`justification`, `expires` (a date, valid through the end of that day UTC) and optional `owner`.
Globs and expressions match the whole string, case-insensitively (ARM ids are), and a glob's `*`
crosses `/`. Unknown keys are errors: a misspelt `expiry:` must not leave a waiver without an end.
"""

from __future__ import annotations

import copy
import fnmatch
import os
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import yaml

from auditor.arm import name_of
from auditor.errors import InputError
from auditor.model import Status
from auditor.summary import summary_of

DEFAULT_WAIVERS_FILE = ".amlaudit-waivers.yaml"
REGEX_PREFIX = "re:"
REQUIRED_KEYS = ("rule", "resource", "justification", "expires")
OPTIONAL_KEYS = ("workspace", "owner")
# The report's `waivers` object: every waiver of the file lands in exactly one of these.
SECTIONS = ("applied", "expired", "stale")


class _Loader(yaml.SafeLoader):
    """SafeLoader reading dates as text, so that a bad one (2026-13-01) is reported with its entry."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@dataclass(frozen=True)
class Waiver:
    index: int  # position in the file's `waivers` list, as error messages and reports name it
    rule: str
    resource: str
    justification: str
    expires: date
    workspace: str | None = None
    owner: str | None = None
    _rule: re.Pattern[str] = field(init=False, repr=False, compare=False)
    _resource: re.Pattern[str] = field(init=False, repr=False, compare=False)
    _workspace: re.Pattern[str] | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # re.error escapes only from the resource expression; load_waivers reports it.
        object.__setattr__(self, "_rule", _glob(self.rule))
        object.__setattr__(self, "_resource", _resource_pattern(self.resource))
        object.__setattr__(self, "_workspace", _glob(self.workspace) if self.workspace is not None else None)

    def is_active(self, as_of: date) -> bool:
        return as_of <= self.expires

    def covers(self, result: Mapping[str, Any]) -> bool:
        """Whether this waiver names the result's rule, resource and (when given) workspace."""
        if not self._rule.fullmatch(result["rule_id"]) or not self._resource.fullmatch(result["resource_id"]):
            return False
        workspace_id = result["workspace_id"]
        return self._workspace is None or any(
            self._workspace.fullmatch(candidate) for candidate in (workspace_id, name_of(workspace_id))
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "rule": self.rule,
            "resource": self.resource,
            "workspace": self.workspace,
            "justification": self.justification,
            "expires": self.expires.isoformat(),
            "owner": self.owner,
        }


def utc_today() -> date:
    """ "Today" for expiry when `--as-of` is not given: waivers run through the end of their day UTC."""
    return datetime.now(UTC).date()


def load_waivers(path: str | os.PathLike[str], rule_ids: Collection[str]) -> list[Waiver]:
    """The waivers in `path`; `rule_ids` are the known rules, which every `rule` pattern must match.

    Any problem is an InputError of one line naming the file and, for an entry, its index.
    """
    try:
        with open(path, encoding="utf-8") as handle:
            document = yaml.load(handle, Loader=_Loader)  # _Loader is a SafeLoader: no objects built
    except OSError as exc:
        raise InputError(f"cannot read the waivers file: {exc.strerror or exc}", path) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        raise InputError(f"invalid YAML: {exc.problem or exc.context}{where}", path) from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise InputError(f"invalid YAML: {exc}", path) from None
    if document is None:
        return []
    if not isinstance(document, dict) or set(document) != {"waivers"}:
        raise InputError("expected a mapping with one key, 'waivers', holding a list", path)
    entries = document["waivers"] or []
    if not isinstance(entries, list):
        raise InputError("'waivers' must be a list", path)
    waivers = []
    for index, entry in enumerate(entries):
        try:
            waivers.append(_waiver(index, entry, rule_ids))
        except ValueError as exc:
            raise InputError(f"waivers[{index}]: {exc}", path) from None
    return waivers


def apply_waivers(report: Mapping[str, Any], waivers: Sequence[Waiver], as_of: date) -> dict[str, Any]:
    """A copy of `report` with active waivers applied as of `as_of` and a `waivers` section.

    The first active waiver (file order) covering a failing result turns it `waived`. The section
    sorts every waiver into `applied`, `expired` (past its date: applies to nothing, lists what it
    would cover) or `stale` (active, covers no failing result), each with the fingerprints it
    covers. Waivers already in the report are undone first, so applying is repeatable.
    """
    out = copy.deepcopy(dict(report))
    results = out["results"]
    for result in results:
        if result["status"] == Status.WAIVED:
            result["status"] = Status.FAIL.value
            result.pop("waiver", None)
    covered: list[list[str]] = [[] for _ in waivers]
    for result in results:
        if result["status"] != Status.FAIL:
            continue
        covering = [position for position, waiver in enumerate(waivers) if waiver.covers(result)]
        for position in covering:
            covered[position].append(result["fingerprint"])
        active = next((waivers[p] for p in covering if waivers[p].is_active(as_of)), None)
        if active is not None:
            result["status"] = Status.WAIVED.value
            result["waiver"] = {
                "justification": active.justification,
                "expires": active.expires.isoformat(),
                "owner": active.owner,
            }
    sections: dict[str, list[dict[str, Any]]] = {section: [] for section in SECTIONS}
    for waiver, fingerprints in zip(waivers, covered, strict=True):
        section = "expired" if not waiver.is_active(as_of) else "applied" if fingerprints else "stale"
        sections[section].append({**waiver.to_dict(), "fingerprints": fingerprints})
    out["waivers"] = sections
    out["summary"] = summary_of(results)
    return out


def _waiver(index: int, entry: object, known_rules: Collection[str]) -> Waiver:
    if not isinstance(entry, dict):
        raise ValueError("expected a mapping of rule, resource, justification, expires")
    unknown = sorted(str(key) for key in entry if key not in REQUIRED_KEYS + OPTIONAL_KEYS)
    if unknown:
        allowed = ", ".join(REQUIRED_KEYS + OPTIONAL_KEYS)
        raise ValueError(f"unknown key(s) {', '.join(unknown)} (allowed: {allowed})")
    missing = [key for key in REQUIRED_KEYS if entry.get(key) in (None, "")]
    if missing:
        raise ValueError(f"missing required {', '.join(missing)}")
    rule = _text(entry["rule"], "rule")
    if not any(_glob(rule).fullmatch(rule_id) for rule_id in known_rules):
        raise ValueError(f"rule {rule!r} matches no known rule id")
    optional = {key: _text(entry[key], key) if entry.get(key) is not None else None for key in OPTIONAL_KEYS}
    try:
        return Waiver(
            index=index,
            rule=rule,
            resource=_text(entry["resource"], "resource"),
            justification=_text(entry["justification"], "justification"),
            expires=_date(entry["expires"]),
            workspace=optional["workspace"],
            owner=optional["owner"],
        )
    except re.error as exc:
        raise ValueError(f"resource: invalid regular expression: {exc}") from None


def _text(value: object, key: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{key} must be a non-empty string")
    return value.strip()


def _date(value: object) -> date:
    # A timestamp is refused rather than truncated: the day is the unit of expiry.
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ValueError(f"expires must be a date (YYYY-MM-DD), got {value!r}")


def _glob(pattern: str) -> re.Pattern[str]:
    return re.compile(fnmatch.translate(pattern), re.IGNORECASE)


def _resource_pattern(pattern: str) -> re.Pattern[str]:
    if pattern.startswith(REGEX_PREFIX):
        return re.compile(pattern[len(REGEX_PREFIX) :], re.IGNORECASE)
    return _glob(pattern)
