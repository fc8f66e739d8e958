"""Read one plan file: an ARM what-if result or a Terraform plan in JSON, told apart by shape."""

from __future__ import annotations

from auditor.errors import InputError
from auditor.inventory import _parse, _read_text
from auditor.plan.model import Plan
from auditor.plan.terraform import is_terraform_plan, read_terraform_plan
from auditor.plan.whatif import is_whatif, read_whatif


def load_plan(path: str) -> Plan:
    """The plan in `path`; raises `InputError` (one line) on anything amlaudit cannot judge."""
    document = _parse(_read_text(path), path)
    if is_terraform_plan(document):
        return read_terraform_plan(document, path)
    if is_whatif(document):
        return read_whatif(document, path)
    raise InputError(
        "not a plan: expected an ARM what-if result (changes[]) or a Terraform plan "
        "(terraform show -json: format_version, resource_changes)",
        path,
    )
