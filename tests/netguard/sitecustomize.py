"""Loaded by a child Python through PYTHONPATH: any connect beyond loopback ends the process
loudly, so that a test can prove a command probed nothing (no managed-identity endpoint, no Entra)."""

import os
import socket

_real_connect = socket.socket.connect


def _guarded(self, address):  # type: ignore[no-untyped-def]
    host = str(address[0]) if isinstance(address, tuple) else ""
    if isinstance(address, tuple) and host not in {"127.0.0.1", "::1", "localhost"}:
        os.write(2, f"NETGUARD: refused connect to {address!r}\n".encode())
        os._exit(99)
    return _real_connect(self, address)


socket.socket.connect = _guarded  # type: ignore[method-assign]
