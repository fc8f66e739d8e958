"""Every report format of every fixture is byte-for-byte what tests/data/report-digests.json records.

This guards the writers' speed work (streaming, orjson, grouping by workspace): none of it may
change a byte. When a report is meant to change (a rule, a message, an escape, a new section),
look at the new reports, then run `python scripts/regen_report_digests.py` and commit the digests.
"""

from __future__ import annotations

import json

from scripts.regen_report_digests import DIGESTS, current_digests

REGENERATE = "if the change is intended, run: python scripts/regen_report_digests.py"


def test_every_format_of_every_fixture_is_unchanged() -> None:
    recorded = json.loads(DIGESTS.read_text(encoding="utf-8"))
    current = current_digests()

    assert sorted(current) == sorted(recorded), f"the fixtures changed; {REGENERATE}"
    changed = [
        f"{run}: {fmt}"
        for run, formats in current.items()
        for fmt, digest in formats.items()
        if recorded[run].get(fmt) != digest
    ]
    assert not changed, f"{len(changed)} report(s) changed, e.g. {changed[:5]}; {REGENERATE}"
