"""How a report says that it judges a planned state, in `inputs` and in its first warning."""

from __future__ import annotations

from collections.abc import Sequence

from auditor.plan.model import Plan

_FORMATS = {"arm-what-if": "ARM what-if", "terraform": "Terraform plan"}


def plan_label(plan: Plan) -> str:
    """`planned: <path> (ARM what-if)`: a report's input that is a plan."""
    return f"planned: {plan.path} ({_FORMATS.get(plan.format, plan.format)})"


def planned_state_note(plans: Sequence[Plan], on_current: bool) -> str:
    counts = {action: sum(p.describe()["changes"][action] for p in plans) for action in ("put", "delete", "unknown")}
    base = "the current state with" if on_current else "nothing but"
    changed = f"{counts['put']} resources created or changed, {counts['delete']} deleted"
    return (
        f"this report judges a PLANNED state: {base} {len(plans)} plan(s) applied ({changed}, "
        f"{counts['unknown']} unpredictable); read-only fields are assumed and values known only after apply "
        "are unknown (README: Plans)"
    )
