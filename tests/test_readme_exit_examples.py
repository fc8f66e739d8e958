"""The README's error examples are what amlaudit prints: each line matches a real line of stderr,
its `<placeholders>` standing for what varies (ports, ids, paths, the machine's CA store)."""

from __future__ import annotations

import os
import re
import socket
import sys
from pathlib import Path

from click.testing import CliRunner
from fakearm.server import FakeArm
from fakearm.tenant import sample_tenant
from live_cli import ROOT, SUB, TOKEN_ENV, amlaudit, fake_args, live_args

from auditor.cli import cli

README = (ROOT / "README.md").read_text(encoding="utf-8")


def readme_examples() -> list[str]:
    block = README.split("<!-- exit-examples:begin -->", 1)[1].split("<!-- exit-examples:end -->", 1)[0]
    return [line for line in block.splitlines() if line.startswith("amlaudit: ")]


def pattern(example: str) -> re.Pattern[str]:
    parts = re.split(r"<[^>]+>", example)
    return re.compile(".+".join(re.escape(part) for part in parts) + "$")


def stderr_of(*args: str) -> list[str]:
    return CliRunner().invoke(cli, list(args), env=TOKEN_ENV, prog_name="amlaudit").stderr.splitlines()


def test_every_readme_example_is_real_output(fake_arm: FakeArm, tmp_path: Path) -> None:
    fake_arm.load(sample_tenant())
    seen: list[str] = []
    fake_arm.fault(r"/providers/Microsoft\.Network/privateEndpoints$", 403)
    seen += stderr_of("scan", *fake_args(fake_arm, "--quiet", "--format", "json"))
    fake_arm.reset()
    fake_arm.load(sample_tenant())
    fake_arm.fault(r"/providers/Microsoft\.Storage/storageAccounts$", 403)
    seen += stderr_of("collect", *fake_args(fake_arm, "--quiet", "--output", str(tmp_path / "s.json")))
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = f"https://127.0.0.1:{sock.getsockname()[1]}"
    seen += stderr_of("scan", *live_args(closed, fake_arm.ca_path, "--quiet"))
    seen += stderr_of("scan", "--subscription", SUB, "--arm-endpoint", fake_arm.base_url, "--quiet")
    fake_arm.expected_token = "another"
    seen += stderr_of("scan", *fake_args(fake_arm, "--quiet"))
    seen += stderr_of("scan", *live_args(fake_arm.base_url.replace("https", "http"), fake_arm.ca_path))
    (tmp_path / "empty.pem").write_text("", encoding="utf-8")
    seen += stderr_of("scan", *live_args(fake_arm.base_url, str(tmp_path / "empty.pem")))
    # No credential at all: in a process of its own, with developer credentials only (no
    # managed-identity probe) and a guard that kills it on any connection off this machine.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AZURE_", "AMLAUDIT_"))}
    env.update(
        HOME=str(tmp_path),
        PATH=str(Path(sys.executable).parent),
        AZURE_TOKEN_CREDENTIALS="dev",
        PYTHONPATH=str(ROOT / "tests" / "netguard"),
    )
    seen += amlaudit("scan", *fake_args(fake_arm, "--quiet"), env=env).stderr.splitlines()

    examples = readme_examples()
    assert len(examples) == 9
    for example in examples:
        assert any(pattern(example).match(line) for line in seen), f"README example not printed: {example}\n{seen}"
