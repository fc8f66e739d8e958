"""ARM what-if results: `az deployment ... what-if --result-format FullResourcePayloads --no-pretty-print`
(top-level `changes[]`) and the REST WhatIfOperationResult (`properties.changes[]`).

`Create`, `Modify`, `Deploy` and `NoChange` give the predicted body (`after`); `Delete` removes the
resource; `Ignore` leaves the current one as it is; `Unsupported`, and a what-if that did not
succeed, make the resources concerned missing data, so the rules that read them are `unknown`.
"""

from __future__ import annotations

from typing import Any

from auditor.arm import dig, name_of, provider_type_of, subscription_of
from auditor.errors import InputError
from auditor.plan.model import Change, Plan, missing_data
from auditor.plan.types import is_read

_BODY_CHANGES = {"create", "modify", "deploy", "nochange"}
_KNOWN_CHANGES = _BODY_CHANGES | {"delete", "ignore", "unsupported"}


def is_whatif(document: Any) -> bool:
    return isinstance(document, dict) and (
        isinstance(document.get("changes"), list)
        or isinstance(dig(document, "properties", "changes"), list)
        or ("status" in document and "error" in document)
    )


def read_whatif(document: dict[str, Any], path: str) -> Plan:
    plan = Plan(path=path, format="arm-what-if")
    changes = document.get("changes")
    if not isinstance(changes, list):
        changes = dig(document, "properties", "changes")
    error = document.get("error") or dig(document, "properties", "error")
    status = document.get("status")
    if status is not None and (not isinstance(status, str) or status.lower() != "succeeded"):
        plan.errors.append(missing_data(None, [], "WhatIfFailed", _failure(status, error)))
        plan.warnings.append(f"{path}: what-if status {status!r}: every rule reading planned resources is unknown")
    if changes is None:
        changes = []
    if not isinstance(changes, list):
        raise InputError('"changes" must be an array', path)
    for index, change in enumerate(changes):
        _read_change(change, f"change #{index}", path, plan)
    _read_potential(document.get("potentialChanges") or dig(document, "properties", "potentialChanges"), path, plan)
    if not plan.changes and not plan.errors and not plan.ignored:
        raise InputError("what-if result without changes", path)
    return plan


def _read_change(change: Any, where: str, path: str, plan: Plan) -> None:
    if not isinstance(change, dict):
        raise InputError(f"{where}: must be an object", path)
    resource_id, kind = change.get("resourceId"), change.get("changeType")
    if not isinstance(resource_id, str) or not resource_id:
        raise InputError(f'{where}: no "resourceId"', path)
    if not isinstance(kind, str) or kind.lower() not in _KNOWN_CHANGES:
        raise InputError(f"{where}: unknown changeType {kind!r}", path)
    kind = kind.lower()
    after = change.get("after")
    if kind in _BODY_CHANGES and after is None:
        raise InputError(
            f"{where}: no predicted body (a ResourceIdOnly what-if?); run what-if with "
            "--result-format FullResourcePayloads",
            path,
        )
    if after is not None and not isinstance(after, dict):
        raise InputError(f'{where}: "after" must be an object', path)
    body_type = (after or {}).get("type") or dig(change, "before", "type")
    resource_type = str(body_type or provider_type_of(resource_id) or "")
    if not is_read(resource_type):
        plan.ignored[resource_type or "(no type)"] += 1
        return
    if kind in _BODY_CHANGES:
        body = {**(after or {}), "id": (after or {}).get("id") or resource_id, "type": resource_type}
        if "/" in str(body.get("name") or ""):
            # A child declared in a template is named `parent/child` there; ARM names it `child`.
            body["name"] = name_of(resource_id)
        plan.changes.append(Change(resource_id, resource_type, "put", body=body))
    elif kind == "delete":
        plan.changes.append(Change(resource_id, resource_type, "delete"))
    elif kind == "ignore":
        plan.changes.append(Change(resource_id, resource_type, "keep"))
    else:
        reason = change.get("unsupportedReason") or "what-if cannot predict this resource"
        plan.changes.append(Change(resource_id, resource_type, "unknown", reason=str(reason)))
        plan.errors.append(
            missing_data(
                _subscription_scope(resource_id),
                [resource_type],
                "WhatIfUnsupported",
                f"what-if cannot predict {resource_id}: {reason}",
            )
        )


def _read_potential(potential: Any, path: str, plan: Plan) -> None:
    """Changes what-if says may happen (newer api-versions): neither applied nor ignored, unknown."""
    unsure = [c for c in potential if isinstance(c, dict)] if isinstance(potential, list) else []
    for change in unsure:
        resource_id = change.get("resourceId")
        if not isinstance(resource_id, str) or not resource_id:
            continue
        resource_type = str(dig(change, "after", "type") or provider_type_of(resource_id) or "")
        if not is_read(resource_type):
            continue
        message = f"what-if cannot tell whether {resource_id} changes ({change.get('changeType')}: a potential change)"
        plan.errors.append(
            missing_data(_subscription_scope(resource_id), [resource_type], "WhatIfPotentialChange", message)
        )
    if unsure:
        plan.warnings.append(f"{path}: {len(unsure)} potential changes: the rules reading their types are unknown")


def _subscription_scope(resource_id: str) -> str | None:
    # A resource hidden from a plan hides it from every question about its subscription, as a
    # failed list would: a private endpoint may serve any resource there.
    subscription = subscription_of(resource_id)
    return f"/subscriptions/{subscription}" if subscription else None


def _failure(status: Any, error: Any) -> str:
    text = f"what-if status {status}"
    if isinstance(error, dict):
        code, message = error.get("code"), error.get("message")
        text += "".join(f": {part}" for part in (code, message) if part)
    return text
