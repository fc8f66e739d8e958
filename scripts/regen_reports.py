"""Regenerate the example reports in reports/: the sample tenant's scan in every report format.

    python scripts/regen_reports.py [--out DIR]

The scan time is pinned through SOURCE_DATE_EPOCH so that the files change only when a rule, a
reporter or the sample tenant does; tests/test_cli.py::test_example_reports_current checks that.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_TENANT = "fixtures/sample-tenant"  # relative, as a user would type it: reports echo inputs
PINNED_EPOCH = "1767225600"  # 2026-01-01T00:00:00Z
AS_OF = "2026-01-01"  # the day waivers are judged on, so expiry never makes the reports stale
WAIVERS = "examples/waivers.yaml"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "reports", help="folder to write (default reports/)")
    out = parser.parse_args().out.resolve()
    # Imported here so that --help works before the package's dependencies are installed.
    sys.path.insert(0, str(ROOT))
    from auditor.reporters import FORMATS

    command = [sys.executable, "-m", "auditor", "scan", "--inventory", SAMPLE_TENANT, "--fail-on", "never"]
    command += ["--waivers", WAIVERS, "--as-of", AS_OF]
    command += ["--format", ",".join(FORMATS), "--output-dir", str(out)]
    done = subprocess.run(command, cwd=ROOT, env={**os.environ, "SOURCE_DATE_EPOCH": PINNED_EPOCH}, check=False)
    return done.returncode


if __name__ == "__main__":
    sys.exit(main())
