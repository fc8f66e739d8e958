"""Generate a synthetic tenant: N clones of the sample tenant's workspace and its whole topology.

Each clone lives in its own resource group `rg-ml-<i>` and suffixes the name of every top-level
resource, so that ids stay unique and every reference inside properties still resolves within its
clone. The rewrite is textual, on the baseline's JSON, because ids also hide inside properties,
host names and node resource groups, in whatever casing the collector gave them.

Every `--vary-every`th clone carries a defect, so that results are not N identical copies: in turn,
a public workspace storage account, then a missing private DNS zone link.

    python benchmarks/generate_tenant.py --workspaces 2000 --output /tmp/tenant-2000.json
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TextIO

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from auditor.arm import lid, props, resource_group_of, segments  # noqa: E402
from auditor.inventory import load_inventory  # noqa: E402
from auditor.topology import DNS_LINK, DNS_ZONE, WORKSPACE  # noqa: E402

SAMPLE_TENANT = ROOT / "fixtures" / "sample-tenant"
COMPACT = (",", ":")
# Private DNS zone names are fixed by Azure (privatelink.*): every clone keeps them, so a big
# tenant holds N zones of each name, as a tenant with per-team zones does.
_KEEP_NAME_TYPES = {DNS_ZONE}
# The zone whose link to the workspace VNet the "missing DNS link" variant drops.
_DROPPED_LINK_ZONE = "privatelink.api.azureml.ms"

Resource = dict[str, Any]


def load_baseline(paths: Sequence[str | Path] = (SAMPLE_TENANT,)) -> list[Resource]:
    return load_inventory([str(p) for p in paths]).resources


def _top_level_names(resources: Sequence[Resource]) -> set[str]:
    """Names of resources directly under a provider (not children), lower-cased."""
    names = set()
    for resource in resources:
        parts = segments(resource["id"])
        lower = [p.lower() for p in parts]
        if "providers" not in lower or str(resource.get("type", "")).lower() in _KEEP_NAME_TYPES:
            continue
        after = parts[len(lower) - lower[::-1].index("providers") :]
        if len(after) == 3:  # namespace / type / name
            names.add(after[2].lower())
    return names


class CloneWriter:
    """Rewrites the baseline's JSON text into clone i; compiled once for all clones."""

    def __init__(self, baseline: Sequence[Resource]) -> None:
        groups = {g.lower() for r in baseline if (g := resource_group_of(r["id"]))}
        if len(groups) != 1:
            raise ValueError(f"the baseline must sit in exactly one resource group, found {sorted(groups)}")
        self.group = groups.pop()
        self.names = _top_level_names(baseline)
        self.size = len(baseline)
        tokens = sorted({self.group, *self.names}, key=lambda t: (-len(t), t))
        # Longest first so that "pe-mlw-prod" wins over its substring "mlw-prod"; the look-arounds
        # keep a token from matching inside a longer word.
        alternation = "|".join(re.escape(t) for t in tokens)
        self._pattern = re.compile(rf"(?<![A-Za-z0-9])(?:{alternation})(?![A-Za-z0-9])", re.IGNORECASE)
        self._text = json.dumps(list(baseline), separators=COMPACT, ensure_ascii=False)

    def clone_text(self, index: int) -> str:
        """Clone `index` as the compact JSON array text of its resources."""
        number = f"{index:04d}"

        def rename(match: re.Match[str]) -> str:
            token = match.group(0)
            if token.lower() == self.group:
                return f"rg-ml-{number}"
            # Storage and registry names allow no hyphen: suffix in the name's own style.
            return f"{token}-{number}" if "-" in token else f"{token}{number}"

        return self._pattern.sub(rename, self._text)

    def clone(self, index: int) -> list[Resource]:
        resources: list[Resource] = json.loads(self.clone_text(index))
        return resources


def public_storage(resources: list[Resource]) -> list[Resource]:
    """The workspace's default storage account opens to the internet."""
    for ws in _workspaces(resources):
        target = lid(str(props(ws).get("storageAccount") or ""))
        for resource in resources:
            if lid(resource["id"]) == target:
                p = resource.setdefault("properties", {})
                p["publicNetworkAccess"] = "Enabled"
                p.setdefault("networkAcls", {})["defaultAction"] = "Allow"
    return resources


def missing_dns_link(resources: list[Resource]) -> list[Resource]:
    """The workspace zone (privatelink.api.azureml.ms) loses its VNet links."""
    zones = {
        lid(r["id"])
        for r in resources
        if str(r.get("type", "")).lower() == DNS_ZONE and str(r.get("name", "")).lower() == _DROPPED_LINK_ZONE
    }
    kept = []
    for resource in resources:
        rtype = str(resource.get("type", "")).lower()
        if rtype == DNS_LINK and lid(resource["id"]).rsplit("/virtualnetworklinks/", 1)[0] in zones:
            continue
        if lid(resource["id"]) in zones:
            for holder in (resource, props(resource)):
                holder.pop("virtualNetworkLinks", None)
        kept.append(resource)
    return kept


def _workspaces(resources: list[Resource]) -> list[Resource]:
    return [r for r in resources if str(r.get("type", "")).lower() == WORKSPACE]


Variant = Callable[[list[Resource]], list[Resource]]
# Taken in turn by the varied clones: every Kth is varied, the first with a public storage, the
# next with a missing DNS link, and so on.
VARIANTS: tuple[Variant, ...] = (public_storage, missing_dns_link)


def variant_of(index: int, vary_every: int) -> Variant | None:
    if vary_every <= 0 or (index + 1) % vary_every:
        return None
    return VARIANTS[(index // vary_every) % len(VARIANTS)]


def write_tenant(out: TextIO, workspaces: int, vary_every: int = 10, baseline: Sequence[Resource] | None = None) -> int:
    """Write `{"resources": [...]}` for `workspaces` clones; return the number of resources."""
    writer = CloneWriter(baseline if baseline is not None else load_baseline())
    out.write('{"resources":[')
    count = 0
    for index in range(workspaces):
        variant = variant_of(index, vary_every)
        if variant is None:
            text = writer.clone_text(index)
            count += writer.size
        else:
            resources = variant(writer.clone(index))
            text = json.dumps(resources, separators=COMPACT, ensure_ascii=False)
            count += len(resources)
        # Streamed clone by clone, so that generating 2,000 workspaces never holds them all.
        out.write(("," if index else "") + text[1:-1])
    out.write("]}")
    return count


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--workspaces", type=int, required=True, metavar="N", help="number of workspace clones")
    parser.add_argument("--output", type=Path, required=True, metavar="PATH", help="JSON file to write")
    parser.add_argument(
        "--vary-every", type=int, default=10, metavar="K", help="give every Kth clones a defect (0: none; default 10)"
    )
    parser.add_argument(
        "--baseline", type=Path, action="append", metavar="PATH", help="baseline inventory (default: the sample tenant)"
    )
    args = parser.parse_args(argv)
    if args.workspaces < 1:
        parser.error("--workspaces must be at least 1")
    baseline = load_baseline(args.baseline or (SAMPLE_TENANT,))
    with open(args.output, "w", encoding="utf-8") as out:
        count = write_tenant(out, args.workspaces, args.vary_every, baseline)
    size = args.output.stat().st_size
    print(f"{args.output}: {args.workspaces} workspaces, {count} resources, {size} bytes", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
