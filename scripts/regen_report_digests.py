"""Regenerate tests/data/report-digests.json: the SHA-256 of every report format for every fixture.

    python scripts/regen_report_digests.py [--check]

tests/test_report_digests.py renders the same reports and fails when one byte differs, so that
work on the writers' speed (streaming, orjson, grouping) is proven to change no report. A change
to what a report says (a rule, a message, an escape, a new section) changes digests on purpose:
check the new reports by eye, then run this script and commit the digests with the change.

Every fixture (the sample tenant and fixtures/cases/*) is scanned twice, with the time pinned as in
scripts/regen_reports.py: once with the example waivers, once with them and the sample tenant's
own JSON report as a baseline plus `--sarif-include-passing`, so that the waiver, baseline and
passing-result paths of every writer are covered.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DIGESTS = ROOT / "tests" / "data" / "report-digests.json"
PINNED_EPOCH = "1767225600"  # as scripts/regen_reports.py
AS_OF = "2026-01-01"
WAIVERS = "examples/waivers.yaml"
SAMPLE_TENANT = "fixtures/sample-tenant"


def fixtures() -> list[str]:
    """Inventory paths relative to the repository, as a user types them (reports echo them)."""
    cases = sorted(path.relative_to(ROOT).as_posix() for path in (ROOT / "fixtures" / "cases").glob("*.json"))
    return [SAMPLE_TENANT, *cases]


@contextmanager
def _pinned() -> Iterator[None]:
    """The repository as working directory and the pinned scan time, restored afterwards."""
    previous_dir, previous_epoch = Path.cwd(), os.environ.get("SOURCE_DATE_EPOCH")
    os.chdir(ROOT)
    os.environ["SOURCE_DATE_EPOCH"] = PINNED_EPOCH
    try:
        yield
    finally:
        os.chdir(previous_dir)
        if previous_epoch is None:
            os.environ.pop("SOURCE_DATE_EPOCH", None)
        else:
            os.environ["SOURCE_DATE_EPOCH"] = previous_epoch


def _scan(arguments: list[str], out: Path) -> dict[str, str]:
    """Run `amlaudit scan` in-process into `out`; the digest of each file written, by format."""
    from click.testing import CliRunner

    from auditor.cli import cli
    from auditor.reporters import FORMATS

    command = ["scan", *arguments, "--fail-on", "never", "--as-of", AS_OF]
    command += ["--format", ",".join(FORMATS), "--output-dir", str(out)]
    outcome = CliRunner().invoke(cli, command, catch_exceptions=False)
    if outcome.exit_code != 0:
        raise RuntimeError(f"amlaudit {' '.join(command)} exited {outcome.exit_code}: {outcome.output}")
    return {name: hashlib.sha256((out / fmt.filename).read_bytes()).hexdigest() for name, fmt in FORMATS.items()}


def current_digests() -> dict[str, dict[str, str]]:
    """`{"<fixture> <variant>": {format: sha256}}` for the code as it is now."""
    digests: dict[str, dict[str, str]] = {}
    with _pinned(), tempfile.TemporaryDirectory() as temp:
        work = Path(temp)
        baseline = work / "baseline"
        _scan(["--inventory", SAMPLE_TENANT, "--waivers", WAIVERS], baseline)
        for index, fixture in enumerate(fixtures()):
            plain = ["--inventory", fixture, "--waivers", WAIVERS]
            digests[f"{fixture} waivers"] = _scan(plain, work / f"{index}-w")
            extra = ["--baseline", str(baseline / "amlaudit.json"), "--sarif-include-passing"]
            digests[f"{fixture} waivers+baseline+passing"] = _scan(plain + extra, work / f"{index}-b")
    return digests


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare only; exit 1 when a digest differs")
    check = parser.parse_args(argv).check
    sys.path.insert(0, str(ROOT))
    digests = current_digests()
    text = json.dumps(digests, indent=1, sort_keys=True) + "\n"
    if check:
        same = DIGESTS.is_file() and DIGESTS.read_text(encoding="utf-8") == text
        print("report digests are current" if same else f"report digests differ from {DIGESTS}")
        return 0 if same else 1
    DIGESTS.write_text(text, encoding="utf-8")
    print(f"wrote {len(digests)} fixture runs × {len(next(iter(digests.values())))} formats to {DIGESTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
