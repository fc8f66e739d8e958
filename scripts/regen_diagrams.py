"""Regenerate the README's network pictures: the sample tenant, and a fixture that breaks a relation.

    python scripts/regen_diagrams.py [--out DIR]

Each is `amlaudit graph --format svg` of one inventory; tests/test_diagram_readme.py checks that
docs/ holds what this writes.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# File in docs/ → the inventory it draws.
PICTURES = {
    "network-sample-tenant.svg": "fixtures/sample-tenant",
    # The storage account is reachable only through a service endpoint of another VNet (AML-ST-003).
    "network-storage-other-vnet.svg": "fixtures/cases/storage-service-endpoint-other-vnet.json",
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs", help="folder to write (default docs/)")
    out = parser.parse_args().out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    for name, inventory in PICTURES.items():
        command = [sys.executable, "-m", "auditor", "graph", "--inventory", inventory, "--format", "svg"]
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            sys.stderr.write(done.stderr)
            return done.returncode
        (out / name).write_text(done.stdout, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
