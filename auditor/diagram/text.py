"""Inventory strings made safe to place in a diagram of any format.

Names come from the inventory, so they may hold anything: quotes, brackets, `<script>`, newlines,
control characters. Every renderer first passes text through `clean` (one line, only characters
XML 1.0 allows), then applies its own escaping.
"""

from __future__ import annotations

import re

# C0/C1 controls, surrogates and the two XML non-characters; tab and newline become spaces too.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
CAP = 300


def clean(value: object) -> str:
    """`value` as one line of printable text, cut at `CAP` characters."""
    text = _UNSAFE.sub(" ", str(value))
    return text if len(text) <= CAP else text[: CAP - 1] + "…"
