"""Running amlaudit on a real pseudo-terminal, the way people see its console report."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys


def run_on_terminal(args: list[str], columns: int) -> str:
    """What `python -m amlaudit ARGS` writes to a terminal `columns` wide, escape sequences and all."""
    leader, follower = pty.openpty()
    env = {**os.environ, "COLUMNS": str(columns), "LINES": "50", "TERM": "xterm-256color"}
    process = subprocess.Popen([sys.executable, "-m", "auditor", *args], stdout=follower, env=env)
    os.close(follower)
    output = b""
    while select.select([leader], [], [], 60)[0]:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the process closed the terminal
            break
        if not chunk:
            break
        output += chunk
    process.wait(timeout=60)
    os.close(leader)
    return output.decode("utf-8")
