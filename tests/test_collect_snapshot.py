"""Collecting through the fake ARM with the real SDK clients: what a snapshot holds and how it is read."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fakearm.harness import fake_settings
from fakearm.server import FakeArm
from fakearm.tenant import SAMPLE_SUBSCRIPTION, sample_tenant

from auditor import __version__
from auditor.arm import lid
from auditor.collect import Scope, collect_snapshot, write_snapshot
from auditor.collect import resource_types as rt
from auditor.collect.redact import redact
from auditor.inventory import load_inventory

SCOPE = Scope(subscriptions=(SAMPLE_SUBSCRIPTION,))


def collect(fake: FakeArm, scope: Scope = SCOPE, **settings: Any) -> dict[str, Any]:
    return collect_snapshot(scope, fake_settings(fake, **settings), progress=False)


def requested_type(path: str) -> str:
    """The resource type a GET path reads or lists, as spelled in the request."""
    parts = [p for p in path.split("/") if p]
    at = [p.lower() for p in parts].index("providers")
    namespace, *rest = parts[at + 1 :]
    return "/".join([namespace, *rest[0::2]])


@pytest.fixture
def sample(fake_arm: FakeArm) -> list[dict[str, Any]]:
    resources = sample_tenant()
    fake_arm.load(resources)
    return resources


def test_snapshot_envelope(fake_arm: FakeArm, sample: list[dict[str, Any]]) -> None:
    snapshot = collect(fake_arm)

    assert snapshot["schema_version"] == 1
    assert snapshot["tool"] == {"name": "amlaudit", "version": __version__}
    assert snapshot["cloud"] == "AzureCloud"
    assert snapshot["subscriptions"] == [SAMPLE_SUBSCRIPTION]
    assert snapshot["collected_at"].endswith("Z")
    assert snapshot["api_versions"][rt.WORKSPACES] == "2025-12-01"
    assert snapshot["api_versions"][rt.LABELING_JOBS] == "2024-04-01-preview"
    assert snapshot["errors"] == []


def test_resources_are_the_arm_bodies(fake_arm: FakeArm, sample: list[dict[str, Any]]) -> None:
    snapshot = collect(fake_arm)
    collected = {lid(r["id"]): r for r in snapshot["resources"]}

    # Every resource a rule of the sample workspace reads, as ARM answered it (SDK models turned
    # back into JSON included) less its secrets; children ARM embeds in their parent (subnets, agent
    # pools) arrive embedded, and the one storage account no workspace references is not read at all.
    for key, body in collected.items():
        assert body == redact(fake_arm.store.get(key))
    missing = {lid(r["id"]) for r in sample} - set(collected)
    embedded = {key for key in missing if "/subnets/" in key or "/agentpools/" in key}
    assert {key.rsplit("/", 1)[1] for key in missing - embedded} == {"stlabeldatawe01"}
    assert sorted(snapshot["resources"], key=lambda r: lid(r["id"])) == snapshot["resources"]


def test_every_request_uses_the_pinned_api_version(fake_arm: FakeArm, sample: list[dict[str, Any]]) -> None:
    collect(fake_arm)

    assert fake_arm.requests
    for request in fake_arm.requests:
        resource_type = rt.canonical_type(requested_type(request.path))
        assert resource_type is not None, request.path
        assert request.api_version == rt.API_VERSIONS[resource_type], request.path


def test_paging_keeps_every_item(fake_arm: FakeArm, sample: list[dict[str, Any]]) -> None:
    whole = collect(fake_arm)
    fake_arm.reset()
    fake_arm.load(sample)
    fake_arm.page_size = 2

    paged = collect(fake_arm)

    assert paged["resources"] == whole["resources"]
    follow_ups = [r for r in fake_arm.requests if "$skiptoken" in r.query]
    assert follow_ups, "no list needed a second page"
    assert all(r.api_version for r in follow_ups)


def test_written_snapshot_is_an_inventory(fake_arm: FakeArm, sample: list[dict[str, Any]], tmp_path: Path) -> None:
    snapshot = collect(fake_arm)
    path = tmp_path / "snapshot.json"
    path.write_text("previous")

    write_snapshot(snapshot, path)

    assert [p.name for p in tmp_path.iterdir()] == ["snapshot.json"]
    assert json.loads(path.read_text()) == snapshot
    inventory = load_inventory([str(path)])
    assert len(inventory.resources) == len(snapshot["resources"])
    assert inventory.meta["subscriptions"] == [SAMPLE_SUBSCRIPTION]


def test_progress_goes_to_stderr(
    fake_arm: FakeArm, sample: list[dict[str, Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    snapshot = collect_snapshot(SCOPE, fake_settings(fake_arm), progress=True)

    assert snapshot["resources"]
    assert capsys.readouterr().out == ""
