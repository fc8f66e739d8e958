"""docs/terraform.md, generated from the azurerm mapping table (`python -m auditor.plan.docs`)."""

from __future__ import annotations

import sys
from pathlib import Path

from auditor.plan.azurerm import ID_ONLY, MAPPINGS
from auditor.plan.mapping import CONVERSIONS, Block, F, Mapping

DOC = Path(__file__).resolve().parents[2] / "docs" / "terraform.md"

_HEAD = """# Terraform plans: how azurerm resources become ARM resources

Generated from `auditor/plan/azurerm.py` by `python -m auditor.plan.docs`; a test keeps it current.

`amlaudit scan --plan tfplan.json` reads `terraform show -json tfplan` (format 1.x). Each managed
resource change of an `azurerm` type below becomes the ARM resource (or the part of one) shown;
`azapi_resource` bodies are ARM bodies already (`type` = `<resource type>@<api-version>`, id from
`parent_id` and `name`; `body` an object or, in azapi v1, a JSON string); `azapi_update_resource`
merges its body into the resource it names. Data sources of `prior_state` are existing resources.

- Actions: `create`, `update`, `no-op` and replacements give the planned body; `delete` removes the
  resource (an association's delete unsets what it set); `read` and `forget` change nothing. An
  in-place `update` or `no-op` merges the mapped attributes into the current resource (objects key
  by key, lists replaced), so that what the table does not read stays as it is.
- A value unknown at plan time is resolved through the `references` of its configuration
  expression: `azurerm_subnet.training.id` becomes the id built from that subnet's own name,
  resource group and VNet (row "id" of its table), `var.x` in a child module the expression the
  module call passes, `data.T.N.attr` the data source's value. Only an expression that is a single
  reference is resolved; what stays unknown is missing data: an id becomes
  `/known-after-apply/<address>/<path>`, which names no resource, any other value is left out, and
  in both cases the rules that pass on that resource report `unknown` ("Undecided until apply").
- A resource whose name is unknown (`random_string`) is named `<its address>`.
- The subscription of built ids is `data.azurerm_client_config` / `azurerm_subscription`'s
  `subscription_id`, else the provider's `subscription_id`, else that of any id the plan knows.
- `ARM path` is dotted; a Terraform path `a.b` reads the first `a` block. Unlisted attributes are
  not read.
"""


def _rows(fields: tuple[F | Block, ...], arm_prefix: str = "", tf_prefix: str = "") -> list[str]:
    rows = []
    for field in fields:
        arm, tf = f"{arm_prefix}{field.arm}", f"{tf_prefix}{field.tf}"
        if isinstance(field, F):
            how = CONVERSIONS[field.conv][1] if field.conv else ""
            rows.append(f"| `{tf}` | `{arm}` | {how} |")
            continue
        notes = [f"one entry per `{field.tf}` block"]
        if field.where:
            notes.append(f"where `{field.where[0]}` = `{str(field.where[1]).lower()}`")
        notes += [f"`{path}` = `{value}`" for path, value in field.const]
        if field.children_elsewhere:
            notes.append("unknown: left to the separate child resources")
        rows.append(f"| `{tf}[]` | `{arm}[]` | {'; '.join(notes)} |")
        rows += _rows(field.item, f"{arm}[].", f"{tf}[].")
    return rows


def _section(mapping: Mapping) -> list[str]:
    lines = [f"### `{mapping.tf_type}`", ""]
    if mapping.patch:
        path, mode = mapping.patch
        verb = "sets" if mode == "set" else "adds an entry to"
        lines.append(f"{verb.capitalize()} `{path}` of the `{mapping.arm_type}` whose id is `{mapping.id}`.")
    else:
        lines.append(f"`{mapping.arm_type}`, id `{mapping.id}`.")
    if mapping.about:
        lines += ["", mapping.about]
    lines += ["", "| Terraform | ARM path | how |", "|---|---|---|"]
    lines += [f"| (constant) | `{path}` | `{value}` |" for path, value in mapping.const]
    lines += _rows(mapping.fields)
    return [*lines, ""]


def terraform_markdown() -> str:
    lines = [_HEAD, "## Mapped types", ""]
    lines += [f"- [`{m.tf_type}`](#{m.tf_type}) → `{m.arm_type}`" for m in MAPPINGS]
    lines += ["", "`{rg}` stands for `/subscriptions/<subscription>/resourceGroups/<resource_group_name>`.", ""]
    for mapping in MAPPINGS:
        lines += _section(mapping)
    lines += ["## Types mapped for their ids only", ""]
    lines += [f"- `{m.tf_type}` → `{m.arm_type}`, id `{m.id}` (not read by the rules)" for m in ID_ONLY]
    return "\n".join(lines).rstrip() + "\n"


if __name__ == "__main__":
    DOC.write_text(terraform_markdown(), encoding="utf-8")
    sys.exit(0)
