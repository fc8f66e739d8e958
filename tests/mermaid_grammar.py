"""A checker for the part of Mermaid's flowchart grammar that amlaudit emits.

No Mermaid parser installs with pip (the real one is JavaScript), so the tests hold the emitted text
to this grammar, written from Mermaid's flowchart syntax reference: a header, `subgraph ID["…"]` …
`end` blocks that balance, `ID["…"]` nodes declared once, links `A --> B`, `A -.-> B`, `A ==> B`
with an optional `|"…"|` label between declared ids, `classDef NAME style`, `class IDS NAME` and
`linkStyle INDEXES style` with indexes that exist. Inside quotes only plain characters, `#<code>;`
entities and `<br/>` may appear: nothing that could end the string or open markup.
"""

from __future__ import annotations

import re

ID = r"n\d+"
LABEL = r'"(?:[A-Za-z0-9 .\-_/:,()]|#\d+;|<br/>)*"'
STYLE = r"[a-z-]+:[#A-Za-z0-9. ]+(?:,[a-z-]+:[#A-Za-z0-9. ]+)*"
LINE_FORMS = {
    "subgraph": re.compile(rf"^subgraph ({ID})\[{LABEL}\]$"),
    "end": re.compile(r"^end$"),
    "node": re.compile(rf"^({ID})\[{LABEL}\]$"),
    "link": re.compile(rf"^({ID}) (?:-->|-\.->|==>)(?:\|{LABEL}\|)? ({ID})$"),
    "classDef": re.compile(rf"^classDef ([a-z]+) {STYLE}$"),
    "class": re.compile(rf"^class ({ID}(?:,{ID})*) ([a-z]+)$"),
    "linkStyle": re.compile(rf"^linkStyle (\d+(?:,\d+)*) {STYLE}$"),
}


def check_flowchart(text: str) -> list[str]:
    """Every way `text` departs from the grammar above; empty when it conforms."""
    lines = text.rstrip("\n").split("\n")
    problems = []
    if lines[0] != "flowchart LR":
        problems.append(f"header: {lines[0]!r}")
    declared: set[str] = set()
    classes: set[str] = set()
    depth = 0
    links = 0
    for number, raw in enumerate(lines[1:], start=2):
        line = raw.strip()
        form = next((name for name, pattern in LINE_FORMS.items() if pattern.match(line)), None)
        if form is None:
            problems.append(f"line {number}: not in the grammar: {line!r}")
            continue
        match = LINE_FORMS[form].match(line)
        assert match is not None
        if form in ("subgraph", "node"):
            if match.group(1) in declared:
                problems.append(f"line {number}: {match.group(1)} declared twice")
            declared.add(match.group(1))
            depth += form == "subgraph"
        elif form == "end":
            depth -= 1
            if depth < 0:
                problems.append(f"line {number}: end without subgraph")
        elif form == "link":
            links += 1
            for node in (match.group(1), match.group(2)):
                if node not in declared:
                    problems.append(f"line {number}: link to undeclared {node}")
        elif form == "classDef":
            classes.add(match.group(1))
        elif form == "class":
            if match.group(2) not in classes:
                problems.append(f"line {number}: class {match.group(2)} used before classDef")
            problems += [
                f"line {number}: class on undeclared {n}" for n in match.group(1).split(",") if n not in declared
            ]
        elif form == "linkStyle":
            problems += [f"line {number}: no link {i}" for i in match.group(1).split(",") if int(i) >= links]
    if depth != 0:
        problems.append(f"{depth} subgraph(s) not closed")
    return problems
