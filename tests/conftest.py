"""Suite-wide guards and shared fixtures."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from fakearm.server import FakeArm


class NetworkBlocked(RuntimeError):
    """A test tried to reach an address outside loopback."""


def _loopback(address: Any) -> bool:
    if not isinstance(address, tuple):
        return True  # an AF_UNIX path
    host = str(address[0]).split("%", 1)[0]
    if host == "localhost":
        return True
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return False
    mapped = getattr(ip, "ipv4_mapped", None)
    return ip.is_loopback or bool(mapped and mapped.is_loopback)


@pytest.fixture(scope="session", autouse=True)
def loopback_only() -> Iterator[None]:
    """No test reaches anything but this machine: not Azure, not the managed-identity endpoint
    (169.254.169.254) that a DefaultAzureCredential chain would probe."""
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex

    def connect(self: socket.socket, address: Any) -> None:
        if not _loopback(address):
            raise NetworkBlocked(f"tests may only connect to loopback, not {address!r}")
        real_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> int:
        if not _loopback(address):
            raise NetworkBlocked(f"tests may only connect to loopback, not {address!r}")
        return real_connect_ex(self, address)

    socket.socket.connect = connect  # type: ignore[method-assign, assignment]
    socket.socket.connect_ex = connect_ex  # type: ignore[method-assign, assignment]
    try:
        yield
    finally:
        socket.socket.connect = real_connect  # type: ignore[method-assign, assignment]
        socket.socket.connect_ex = real_connect_ex  # type: ignore[method-assign, assignment]


@pytest.fixture(scope="session")
def fake_arm_server() -> FakeArm:
    """The fake ARM server of the session (HTTPS on 127.0.0.1, a throwaway CA)."""
    # Imported here: the harness brings in every Azure SDK, which tests without the fake don't need.
    from fakearm.harness import shared_fake

    return shared_fake()


@pytest.fixture
def fake_arm(fake_arm_server: FakeArm) -> FakeArm:
    """The session's fake ARM server, emptied and with default knobs for this test."""
    fake_arm_server.reset()
    return fake_arm_server
