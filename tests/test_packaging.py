"""The wheel ships every subpackage of `auditor` and the rule pack, and no top-level `rules`."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_subpackage_and_the_rule_pack_are_packaged() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    on_disk = {
        ".".join(init.parent.relative_to(ROOT).parts) for init in (ROOT / "auditor").rglob("__init__.py")
    }
    assert on_disk <= set(config["packages"])
    assert config["package-dir"] == {"auditor.builtin_rules": "rules"}
    assert "rules" not in config["packages"]
