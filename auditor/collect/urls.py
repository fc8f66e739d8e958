"""Comparing ARM URLs by where they lead."""

from __future__ import annotations

from urllib.parse import urlsplit


def origin(url: str) -> tuple[str, str, int | None]:
    """Scheme, host and port of a URL, the port made explicit for https and http."""
    parts = urlsplit(url)
    default = {"https": 443, "http": 80}.get(parts.scheme.lower())
    try:
        port = parts.port or default
    except ValueError:
        port = None
    return parts.scheme.lower(), (parts.hostname or "").lower(), port
