"""Offline commands start without the Azure SDKs: they are imported on the live path only."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "fixtures" / "sample-tenant"


def imported_modules(*args: str | Path, cwd: Path = ROOT) -> set[str]:
    """The modules a real `python -m auditor ARGS` process imports, from `-X importtime`."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "auditor", *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode in (0, 1), done.stderr[-2000:]
    return {line.rsplit("|", 1)[1].strip() for line in done.stderr.splitlines() if line.startswith("import time:")}


def azure_modules(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if m == "azure" or m.startswith("azure."))


@pytest.mark.parametrize(
    "args",
    [
        ("--version",),
        ("--help",),
        ("rules", "list"),
        ("rules", "show", "AML-WS-001"),
        ("scan", "--inventory", SAMPLE, "--format", "json"),
    ],
    ids=["version", "help", "rules-list", "rules-show", "scan-inventory"],
)
def test_offline_commands_import_no_azure_module(args: tuple[str | Path, ...]) -> None:
    modules = imported_modules(*args)
    assert "auditor.cli" in modules  # the probe sees the CLI's own imports
    assert azure_modules(modules) == []


def test_merge_imports_no_azure_module(tmp_path: Path) -> None:
    report = tmp_path / "shard.json"
    imported_modules("scan", "--inventory", SAMPLE, "--format", "json", "--output", report)
    assert azure_modules(imported_modules("merge", report, "--format", "json")) == []


def test_the_live_path_does_import_the_sdks() -> None:
    # The probe can see them: the collector imports the SDK clients.
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import auditor.collect.collector"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "azure.mgmt.network" in done.stderr


def test_the_spelt_out_authorities_are_azure_identitys() -> None:
    from azure.identity import AzureAuthorityHosts

    from auditor.collect.settings import CLOUDS

    assert {name: cloud.authority for name, cloud in CLOUDS.items()} == {
        "AzureCloud": AzureAuthorityHosts.AZURE_PUBLIC_CLOUD,
        "AzureUSGovernment": AzureAuthorityHosts.AZURE_GOVERNMENT,
        "AzureChinaCloud": AzureAuthorityHosts.AZURE_CHINA,
    }
