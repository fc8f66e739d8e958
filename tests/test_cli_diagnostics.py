"""One line, no traceback: missing credentials, `--verbose`'s request log, the SDKs' own logging."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from azure.core.exceptions import ClientAuthenticationError
from azure.identity import AzureCliCredential, ChainedTokenCredential, CredentialUnavailableError
from fakearm.harness import FAKE_TOKEN
from fakearm.server import FakeArm
from fakearm.tenant import sample_tenant
from live_cli import ROOT, amlaudit, fake_args

from auditor.collect.credentials import LOGIN_HINT, no_token_message
from auditor.collect.progress import Progress


def test_no_credentials_message_from_a_real_chain(monkeypatch: pytest.MonkeyPatch) -> None:
    # A chain of one credential that is certainly unavailable here, and probes no network.
    chain = ChainedTokenCredential(AzureCliCredential(process_timeout=1))
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(ClientAuthenticationError) as caught:
        chain.get_token("https://management.azure.com/.default")
    message = no_token_message(caught.value)
    assert "\n" not in message
    assert message.startswith("no Azure credentials found (tried AMLAUDIT_ACCESS_TOKEN (unset), Azure CLI)")
    assert message.endswith(LOGIN_HINT) and "az login" in message and "AZURE_CLIENT_SECRET" in message


def test_a_single_unavailable_credential_is_one_line_too() -> None:
    message = no_token_message(CredentialUnavailableError("no token\nsecond line"))
    assert message == f"no ARM token could be obtained: no token; {LOGIN_HINT}"


def _no_credential_env(tmp_path: Path) -> dict[str, str]:
    """No token, no service principal, no az on PATH, a fresh HOME; developer credentials only, so
    that the chain holds no managed identity; and a guard that kills the process on any probe."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AZURE_", "AMLAUDIT_", "MSI_", "IDENTITY_"))}
    env.update(
        HOME=str(tmp_path),
        PATH=str(Path(sys.executable).parent),
        AZURE_TOKEN_CREDENTIALS="dev",
        PYTHONPATH=str(ROOT / "tests" / "netguard"),
    )
    return env


@pytest.mark.parametrize("verbose", [False, True])
def test_no_credentials_is_one_line_and_probes_nothing(fake_arm: FakeArm, tmp_path: Path, verbose: bool) -> None:
    args = fake_args(fake_arm, "--quiet", *(["--verbose"] if verbose else []))
    done = amlaudit("scan", *args, env=_no_credential_env(tmp_path))

    assert "NETGUARD" not in done.stderr
    assert done.returncode == 2, done.stderr
    lines = done.stderr.splitlines()
    assert lines[-1].startswith("amlaudit: error: no Azure credentials found (tried AMLAUDIT_ACCESS_TOKEN (unset), ")
    assert "Azure CLI" in lines[-1] and "az login" in lines[-1]
    if verbose:
        assert any(line.startswith("amlaudit: azure-identity: ") for line in lines[:-1])
    else:
        assert len(lines) == 1
    assert fake_arm.requests == []


def test_verbose_logs_requests_but_never_secrets(fake_arm: FakeArm, tmp_path: Path) -> None:
    fake_arm.load(sample_tenant())
    fake_arm.page_size = 2  # nextLinks with $skiptoken

    done = amlaudit("collect", *fake_args(fake_arm, "--verbose", "--output", str(tmp_path / "s.json")))

    assert done.returncode == 0, done.stderr
    log = [line for line in done.stderr.splitlines() if line.startswith("amlaudit: GET ")]
    assert len(log) == len(fake_arm.requests)
    assert any(
        line.startswith("amlaudit: GET /subscriptions/") and "?api-version=" in line and " 200 " in line
        for line in log
    )
    assert all(line.endswith("s") for line in log)
    assert FAKE_TOKEN not in done.stderr and "Bearer" not in done.stderr and "skiptoken" not in done.stderr.lower()
    assert "Authorization" not in done.stderr


def test_sdk_logging_stays_off_the_terminal_unless_verbose(fake_arm: FakeArm, tmp_path: Path) -> None:
    fake_arm.load(sample_tenant())
    fake_arm.fault(r"/providers/Microsoft\.Storage/storageAccounts$", 200, truncate=True)
    quiet = amlaudit("scan", *fake_args(fake_arm, "--quiet", "--format", "json", "--allow-partial"))
    fake_arm.reset()
    fake_arm.load(sample_tenant())
    fake_arm.fault(r"/providers/Microsoft\.Storage/storageAccounts$", 200, truncate=True)
    verbose = amlaudit("scan", *fake_args(fake_arm, "--verbose", "--format", "json", "--allow-partial"))

    assert "Incomplete download" not in quiet.stderr
    assert quiet.stderr.splitlines()[0] == "amlaudit: collected 55 resources, 1 read error (1 type)"
    assert "amlaudit: azure.core.pipeline.transport._requests_basic: Incomplete download." in verbose.stderr


def test_progress_line_pluralises() -> None:
    shown: list[str] = []
    progress = Progress(False)
    progress._update = shown.append  # the live display itself needs a terminal
    progress.report(1, 0, 1)
    progress.report(2, 3, 0)
    assert shown == [
        "Collecting: 1 request answered, 0 in flight, 1 resource",
        "Collecting: 2 requests answered, 3 in flight, 0 resources",
    ]
