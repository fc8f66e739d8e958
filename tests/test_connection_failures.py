"""Why a connection failed, in one line; settings that could only fail are usage errors before any request."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from fakearm.server import FakeArm
from fakearm.tenant import sample_tenant
from live_cli import SUB, amlaudit, fake_args, live_args


@pytest.fixture
def served(fake_arm: FakeArm) -> FakeArm:
    fake_arm.load(sample_tenant())
    return fake_arm


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize("command", ["scan", "collect"])
def test_untrusted_certificate_is_named(served: FakeArm, tmp_path: Path, command: str) -> None:
    # No --ca-bundle: the fake's throwaway CA is not trusted.
    args = ["--subscription", SUB, "--arm-endpoint", served.base_url, "--quiet"]
    args += ["--output", str(tmp_path / "s.json")] if command == "collect" else []
    done = amlaudit(command, *args)
    assert done.returncode == 3, done.stderr
    last = done.stderr.splitlines()[-1]
    assert last.startswith("amlaudit: error: nothing could be read: CERTIFICATE_VERIFY_FAILED: ")
    assert served.base_url in last and "--ca-bundle" in last


def test_refused_connection_is_named(tmp_path: Path, served: FakeArm) -> None:
    endpoint = f"https://127.0.0.1:{_closed_port()}"
    done = amlaudit("scan", *live_args(endpoint, served.ca_path, "--quiet"))
    assert done.returncode == 3, done.stderr
    assert done.stderr.splitlines()[-1] == (
        f"amlaudit: error: nothing could be read: connection refused to {endpoint} (at /subscriptions/{SUB})"
    )


@pytest.mark.parametrize(
    ("endpoint", "says"),
    [
        ("http://127.0.0.1:9", "is plain http: amlaudit sends its bearer token over https only"),
        ("127.0.0.1:9", "malformed --arm-endpoint"),
        ("https://", "malformed --arm-endpoint"),
        ("https://127.0.0.1:99999", "malformed --arm-endpoint"),
        ("https://u:p@127.0.0.1", "malformed --arm-endpoint"),
    ],
)
@pytest.mark.parametrize("command", ["scan", "collect"])
def test_unusable_endpoint_is_a_usage_error_before_any_request(
    served: FakeArm, tmp_path: Path, endpoint: str, says: str, command: str
) -> None:
    extra = ["--output", str(tmp_path / "s.json")] if command == "collect" else []
    done = amlaudit(command, *live_args(endpoint, served.ca_path, *extra))
    assert done.returncode == 2, done.stderr
    assert len(done.stderr.splitlines()) == 1 and says in done.stderr
    assert served.requests == []


@pytest.mark.parametrize(
    "content", [b"", b"not a certificate\n", b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"]
)
def test_bad_ca_bundle_is_a_usage_error_before_any_request(served: FakeArm, tmp_path: Path, content: bytes) -> None:
    bundle = tmp_path / "ca.pem"
    bundle.write_bytes(content)
    done = amlaudit("scan", *live_args(served.base_url, str(bundle)))
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith(f"amlaudit: error: --ca-bundle {bundle}: not a readable PEM file of CA certificates")
    assert len(done.stderr.splitlines()) == 1
    assert served.requests == []


def test_warnings_keep_their_cause(served: FakeArm, tmp_path: Path) -> None:
    served.fault(r"/providers/Microsoft\.Storage/storageAccounts$", 200, body=b"<html>proxy login</html>")
    served.fault(r"/providers/Microsoft\.KeyVault/vaults$", 200, truncate=True)
    done = amlaudit("collect", *fake_args(served, "--quiet", "--output", str(tmp_path / "s.json")))
    assert done.returncode == 3
    assert "Microsoft.Storage/storageAccounts at /subscriptions/" in done.stderr
    assert "InvalidJson: answer is not JSON: Expecting value: line 1 column 1 (char 0)" in done.stderr
    assert "IncompleteRead: the answer from https://127.0.0.1:" in done.stderr
    assert "bytes read" in done.stderr and " None " not in done.stderr and "200 OK" not in done.stderr
    # azure-core's own "Incomplete download." lines stay off the terminal.
    assert "Incomplete download" not in done.stderr


def test_a_failure_without_a_message_says_the_inner_one() -> None:
    from azure.core.exceptions import ServiceResponseError

    from auditor.collect.causes import cause_of

    try:
        try:
            raise RuntimeError("the proxy hung up")
        except RuntimeError as inner:
            raise ServiceResponseError(None, error=inner) from inner
    except ServiceResponseError as outer:
        cause = cause_of(outer, "https://arm.example")
    assert cause.code == "ServiceResponseError"
    assert cause.message == "the proxy hung up"
