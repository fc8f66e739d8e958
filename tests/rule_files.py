"""Custom rule files for `--rules-dir` tests: one rule whose check body (and module prelude) is given."""

from __future__ import annotations

import textwrap
from pathlib import Path

_TEMPLATE = '''\
from auditor.rulekit import FAIL, Severity, rule

{prelude}


@rule(
    id="{rule_id}",
    title="House rule {rule_id}",
    severity=Severity.HIGH,
    family="custom",
    rationale="Because.",
    remediation="Ask the platform team.",
    source="house policy",
    help_uri="https://example.org/house",
    reads=("Microsoft.MachineLearningServices/workspaces",),
)
def check(ctx):
{body}
'''


def write_rule_file(
    directory: Path, rule_id: str, body: str, prelude: str = "", name: str | None = None
) -> Path:
    """A rules folder holding one module with rule `rule_id`; `body` is the check's code."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{name or rule_id.lower().replace('-', '_')}.py"
    source = _TEMPLATE.format(
        prelude=textwrap.dedent(prelude), rule_id=rule_id, body=textwrap.indent(textwrap.dedent(body), "    ")
    )
    path.write_text(source, encoding="utf-8")
    return directory
