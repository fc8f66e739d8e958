"""What to collect: subscriptions, a resource group, workspaces, or a whole tenant or management group."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import click

from auditor.arm import subscription_of

T = TypeVar("T")


def _is_resource_id(value: str) -> bool:
    return value.lower().startswith("/subscriptions/")


def _subscription_id(value: str) -> str:
    """Accepts a bare subscription GUID or its `/subscriptions/<guid>` id."""
    value = value.strip()
    return subscription_of(value) or value


@dataclass(frozen=True)
class Scope:
    """The workspaces to audit. Everything else collected is what their rules read.

    `workspaces` holds names or full ARM ids. Without it every workspace of the subscriptions
    (or tenant, or management group) is audited; `resource_group` narrows which workspaces are
    audited, never where their network lives. `resource_graph` reads the subscriptions named through
    Resource Graph, as tenant and management-group scans always do.
    """

    subscriptions: tuple[str, ...] = ()
    resource_group: str | None = None
    workspaces: tuple[str, ...] = ()
    all_subscriptions: bool = False
    management_group: str | None = None
    resource_graph: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "subscriptions", tuple(_subscription_id(s) for s in self.subscriptions))
        if self.all_subscriptions and self.management_group:
            raise ValueError("--all-subscriptions and --management-group exclude each other")
        tenant_scale = self.all_subscriptions or self.management_group is not None
        if tenant_scale and self.subscriptions:
            raise ValueError("--subscription cannot be combined with --all-subscriptions or --management-group")
        if self.resource_graph and not (self.subscriptions or tenant_scale):
            raise ValueError("--resource-graph needs --subscription (tenant and management-group scans use it anyway)")
        named_subscriptions = bool(self.subscriptions) or tenant_scale
        if self.workspace_names and not named_subscriptions:
            raise ValueError(
                "a workspace given by name needs --subscription, --all-subscriptions or --management-group"
            )
        if not named_subscriptions and not self.workspace_ids:
            raise ValueError(
                "nothing to collect: give --subscription, --all-subscriptions, --management-group "
                "or --workspace with a full resource id"
            )

    @property
    def uses_resource_graph(self) -> bool:
        return self.resource_graph or self.all_subscriptions or self.management_group is not None

    @property
    def workspace_ids(self) -> tuple[str, ...]:
        return tuple(w for w in self.workspaces if _is_resource_id(w))

    @property
    def workspace_names(self) -> tuple[str, ...]:
        return tuple(w for w in self.workspaces if not _is_resource_id(w))


# By option name, so that `amlaudit scan` can share all but `--workspace` (which it already has).
SCOPE_OPTIONS: dict[str, Callable[[Any], Any]] = {
    "subscription": click.option(
        "--subscription", "subscriptions", multiple=True, metavar="ID", help="Subscription to audit (repeatable)."
    ),
    "resource-group": click.option(
        "--resource-group", default=None, metavar="RG", help="Audit only the workspaces of this group."
    ),
    "workspace": click.option(
        "--workspace", "workspaces", multiple=True, metavar="NAME|ID", help="Audit only this workspace (repeatable)."
    ),
    "all-subscriptions": click.option(
        "--all-subscriptions",
        is_flag=True,
        default=False,
        help="Every subscription the identity can read, through Resource Graph.",
    ),
    "management-group": click.option(
        "--management-group",
        default=None,
        metavar="ID",
        help="Every subscription under this management group, through Resource Graph.",
    ),
    "resource-graph": click.option(
        "--resource-graph",
        is_flag=True,
        default=False,
        help="Read the --subscription scopes through Resource Graph too: fewer ARM reads per workspace.",
    ),
}


def scope_options(command: Callable[..., T]) -> Callable[..., T]:
    """Adds the scope options to a click command, which then receives `scope: Scope`."""

    @functools.wraps(command)
    def wrapper(
        *args: Any,
        subscriptions: tuple[str, ...],
        resource_group: str | None,
        workspaces: tuple[str, ...],
        all_subscriptions: bool,
        management_group: str | None,
        resource_graph: bool,
        **kwargs: Any,
    ) -> T:
        try:
            scope = Scope(
                subscriptions=subscriptions,
                resource_group=resource_group,
                workspaces=workspaces,
                all_subscriptions=all_subscriptions,
                management_group=management_group,
                resource_graph=resource_graph,
            )
        except ValueError as exc:
            raise click.UsageError(str(exc)) from exc
        return command(*args, scope=scope, **kwargs)

    decorated: Callable[..., T] = wrapper
    for option in reversed(list(SCOPE_OPTIONS.values())):
        decorated = option(decorated)
    return decorated
