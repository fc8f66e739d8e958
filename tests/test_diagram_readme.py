"""The README's network pictures are what `scripts/regen_diagrams.py` draws today."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "regen_diagrams.py"


def test_the_readme_pictures_are_current(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, str(SCRIPT), "--out", str(tmp_path)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    drawn = sorted(tmp_path.iterdir())
    assert len(drawn) == 2
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for picture in drawn:
        assert f"](docs/{picture.name})" in readme
        assert (ROOT / "docs" / picture.name).read_bytes() == picture.read_bytes(), (
            f"docs/{picture.name} is stale: run python scripts/regen_diagrams.py"
        )
    assert "AML-ST-003" in (tmp_path / "network-storage-other-vnet.svg").read_text(encoding="utf-8")
