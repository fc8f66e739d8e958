"""Studio and data labelling rules (catalogue §4, "Studio and data labelling")."""

from __future__ import annotations

import re
from collections.abc import Iterable

from auditor.arm import Resource, dig, eq, name_of, props
from auditor.checks import secured_or_unknown
from auditor.model import DOC_STUDIO, DOC_WORKSPACE
from auditor.rulekit import FAIL, NOT_APPLICABLE, PASS, UNKNOWN, Finding, Severity, WorkspaceContext, rule
from auditor.topology import DATA_VERSION_TYPE, DATASTORE_TYPE, LABELING_JOB_TYPE, STORAGE_TYPE, WORKSPACE_TYPE

LABEL = "default storage"

# Account of a data URI: https://<account>.blob|dfs..., wasbs://<container>@<account>.blob...,
# abfss://<fs>@<account>.dfs...; azureml://[...]/datastores/<ds>/paths/... names a datastore.
_HTTPS = re.compile(r"^https?://([^./@]+)\.(?:blob|dfs)\.", re.IGNORECASE)
_CONTAINER = re.compile(r"^(?:wasbs?|abfss?)://[^@/]+@([^./]+)\.(?:blob|dfs)\.", re.IGNORECASE)
_DATASTORE = re.compile(r"^azureml://(?:.*/)?datastores/([^/]+)/paths(?:/|$)", re.IGNORECASE)


def _storage_name(ctx: WorkspaceContext) -> str | None:
    return name_of(ctx.storage_id).lower() if ctx.storage_id else None


def _datastore_named(ctx: WorkspaceContext, name: str) -> Resource | None:
    return next((d for d in ctx.topo.datastores_of(ctx.id) if eq(d.get("name"), name)), None)


@rule(
    id="AML-STU-001",
    title="Studio can reach data behind the VNet",
    applies_when="the default storage is VNet-secured (`unknown` when the inventory holds no datastore of WS: "
    "every workspace has system datastores)",
    fails_when="a datastore of WS on the default storage (`accountName` = its name) has "
    "`serviceDataAccessAuthIdentity` `None` or absent",
    severity=Severity.MEDIUM,
    family="studio",
    rationale="The studio reads data behind a VNet with the workspace managed identity; a datastore on the "
    "secured default storage without it breaks data preview, labelling and AutoML in the studio.",
    remediation="Use the workspace managed identity for the datastore: `az ml datastore update ... "
    "--set service_data_access_auth_identity=WorkspaceSystemAssignedIdentity` (or in the studio: "
    '"Use workspace managed identity for data preview and profiling").',
    source='"Optional: enable studio functionality"',
    help_uri=DOC_STUDIO,
    reads=(WORKSPACE_TYPE, STORAGE_TYPE, DATASTORE_TYPE),
)
def studio_reaches_data(ctx: WorkspaceContext) -> Iterable[Finding]:
    secured, unknown = secured_or_unknown(ctx, ctx.storage_id, STORAGE_TYPE, LABEL)
    if secured is False:
        yield ctx.finding(NOT_APPLICABLE, ctx.id, f"The default storage of {ctx.name} is not VNet-secured.")
        return
    if unknown:
        yield ctx.finding(UNKNOWN, ctx.id, unknown.message, **unknown.evidence)
        return
    datastores = ctx.topo.datastores_of(ctx.id)
    gap = ctx.topo.gap(DATASTORE_TYPE, ctx.id)
    if not datastores:
        reason = gap or f"the inventory holds no datastore of {ctx.name} (every workspace has system datastores)"
        yield ctx.finding(UNKNOWN, ctx.id, f"Datastores of {ctx.name} unknown: {reason}.", missing=reason)
        return
    storage = _storage_name(ctx)
    on_default = [d for d in datastores if str(props(d).get("accountName", "")).lower() == storage]
    lacking = [
        str(d.get("name"))
        for d in on_default
        if props(d).get("serviceDataAccessAuthIdentity") is None
        or eq(props(d).get("serviceDataAccessAuthIdentity"), "None")
    ]
    evidence = {
        "datastores_on_default_storage": {
            str(d.get("name")): props(d).get("serviceDataAccessAuthIdentity") for d in on_default
        },
    }
    if lacking:
        yield ctx.finding(
            FAIL,
            ctx.id,
            f"Datastores {', '.join(sorted(lacking))} of {ctx.name} do not use the "
            "workspace managed identity for the secured default storage.",
            **evidence,
        )
    elif gap:
        yield ctx.finding(UNKNOWN, ctx.id, f"Datastores of {ctx.name} unknown: {gap}.", missing=gap, **evidence)
    else:
        yield ctx.finding(
            PASS,
            ctx.id,
            f"Every datastore of {ctx.name} on the default storage uses the workspace managed identity.",
            **evidence,
        )


def _ml_assisted(job: Resource) -> bool:
    config = props(job).get("mlAssistConfiguration")
    return eq(dig(config, "mlAssist"), "Enabled") or dig(config, "mlAssistEnabled") is True


def data_account(ctx: WorkspaceContext, job: Resource) -> tuple[str | None, dict[str, object], str | None]:
    """The storage account name a labelling job's data lives on, its evidence, or why it is unknown."""
    data_id = dig(props(job), "dataConfiguration", "dataId")
    evidence: dict[str, object] = {"properties.dataConfiguration.dataId": data_id}
    if not isinstance(data_id, str) or not data_id:
        return None, evidence, "the job has no dataConfiguration.dataId (legacy dataset)"
    version = ctx.topo.get(data_id)
    if version is None:
        reason = ctx.topo.gap(DATA_VERSION_TYPE, data_id) or f"data asset version {data_id} is absent"
        return None, evidence, reason
    uri = props(version).get("dataUri")
    evidence["dataUri"] = uri
    if not isinstance(uri, str):
        return None, evidence, f"data asset version {data_id} has no dataUri"
    for pattern in (_HTTPS, _CONTAINER):
        match = pattern.match(uri)
        if match:
            return match.group(1).lower(), evidence, None
    match = _DATASTORE.match(uri)
    if not match:
        return None, evidence, f"dataUri {uri} names no storage account"
    datastore = _datastore_named(ctx, match.group(1))
    if datastore is None:
        return None, evidence, f"datastore {match.group(1)} is absent"
    account = props(datastore).get("accountName")
    evidence["datastore"] = datastore["id"]
    evidence["accountName"] = account
    if not isinstance(account, str) or not account:
        return None, evidence, f"datastore {match.group(1)} has no accountName"
    return account.lower(), evidence, None


@rule(
    id="AML-STU-002",
    title="ML-assisted labelling off the default storage",
    applies_when="each labelling job of WS with `mlAssistConfiguration.mlAssist` `Enabled` (older previews: "
    "`mlAssistEnabled` true)",
    fails_when="its data is on the default storage while that storage is VNet-secured. Data: "
    "`dataConfiguration.dataId` → the data asset version "
    "(`.../workspaces/<ws>/data/<name>/versions/<v>`) → `properties.dataUri`, one of "
    "`azureml://[...]/datastores/<ds>/paths/...` (→ datastore `<ds>` → `accountName`), "
    "`https://<account>.blob.core.windows.net/...`, `https://<account>.dfs.core.windows.net/...`, "
    "`wasbs://<container>@<account>.blob.core.windows.net/...`, "
    "`abfss://<fs>@<account>.dfs.core.windows.net/...`; `unknown` when the chain cannot be resolved",
    severity=Severity.HIGH,
    family="studio",
    rationale="ML-assisted data labelling does not support a default storage account behind a VNet.",
    remediation="Keep the labelling data on a storage account other than the workspace's default storage, or "
    "turn ML assist off for the project.",
    source='"Limits: ML-assisted data labelling does not support default storage accounts behind a VNet"',
    help_uri=DOC_WORKSPACE,
    reads=(LABELING_JOB_TYPE, DATA_VERSION_TYPE, DATASTORE_TYPE, STORAGE_TYPE),
)
def labelling_off_default_storage(ctx: WorkspaceContext) -> Iterable[Finding]:
    for job in ctx.topo.labeling_jobs_of(ctx.id):
        name = job.get("name")
        if not _ml_assisted(job):
            yield ctx.finding(NOT_APPLICABLE, job["id"], f"Labelling job {name} does not use ML assist.")
            continue
        account, evidence, why = data_account(ctx, job)
        evidence["default_storage"] = ctx.storage_id
        if why:
            yield ctx.finding(
                UNKNOWN, job["id"], f"Data of labelling job {name} unresolved: {why}.", missing=why, **evidence
            )
            continue
        if account != _storage_name(ctx):
            yield ctx.finding(
                PASS, job["id"], f"Labelling job {name} reads data from {account}, not the default storage.", **evidence
            )
            continue
        secured, unknown = secured_or_unknown(ctx, ctx.storage_id, STORAGE_TYPE, LABEL)
        if unknown:
            yield ctx.finding(UNKNOWN, job["id"], unknown.message, **unknown.evidence, **evidence)
        elif secured:
            yield ctx.finding(
                FAIL,
                job["id"],
                f"ML-assisted labelling job {name} reads data from the VNet-secured default storage.",
                **evidence,
            )
        else:
            yield ctx.finding(
                PASS,
                job["id"],
                f"Labelling job {name} reads the default storage, which is not behind a VNet.",
                **evidence,
            )
