"""One Markdown section per rule, from the registry: what `docs/rules.md` holds and
`amlaudit rules show --format markdown` prints."""

from __future__ import annotations

from collections.abc import Sequence

from auditor.model import Rule


def rule_markdown(rule: Rule) -> str:
    deprecated = " (deprecated)" if rule.deprecated else ""
    lines = [
        f"## {rule.id}: {rule.title}{deprecated}",
        "",
        f"**Severity** {rule.severity.value} · **Family** {rule.family} · **Reads** "
        + ", ".join(f"`{t}`" for t in rule.reads),
        "",
    ]
    if rule.applies_when:
        lines += [f"**Applies when:** {rule.applies_when}", ""]
    if rule.fails_when:
        lines += [f"**Fails when:** {rule.fails_when}", ""]
    lines += [
        f"**Why:** {rule.rationale}",
        "",
        f"**Fix:** {rule.remediation}",
        "",
        f"**Source:** {rule.source} — [{rule.help_uri}]({rule.help_uri})",
        "",
    ]
    return "\n".join(lines)


def reference_markdown(rules: Sequence[Rule]) -> str:
    """The whole rule reference, in registry order."""
    head = [
        "# amlaudit rules",
        "",
        "Generated from the registry by `amlaudit rules list --format docs` (a test keeps it current).",
        "Statuses, subjects and the order of judgement are those of the rule catalogue: a rule that",
        "needs data the inventory lacks is `unknown`, never `pass`.",
        "",
    ]
    return "\n".join(head) + "\n" + "\n".join(rule_markdown(rule) for rule in rules)
