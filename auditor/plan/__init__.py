"""Planned changes (ARM what-if results, Terraform plan JSON) as one more source of raw ARM resources.

A plan is read into `Change`s on ARM ids; `apply_plans` overlays them, in order, on the current
inventory (or on nothing, for a plan of a whole environment) and gives back an `Inventory` that the
topology, rules and reports use unchanged.
"""

from auditor.plan.load import load_plan
from auditor.plan.model import Change, Plan
from auditor.plan.overlay import apply_plans

__all__ = ["Change", "Plan", "apply_plans", "load_plan"]
