"""Why a read failed, in a few words a user can act on.

azure-core wraps transport failures several layers deep (ServiceRequestError → requests' error →
urllib3's MaxRetryError → the socket or TLS error), and its own text for them is either a repr a
line and a half long or, for some, nothing at all ("None ServiceResponseError"). The root cause
sits at the bottom of that chain, so it is looked for there.
"""

from __future__ import annotations

import socket
import ssl
from collections.abc import Iterator
from dataclasses import dataclass

from azure.core.exceptions import DecodeError, HttpResponseError, IncompleteReadError


@dataclass(frozen=True)
class Cause:
    """A failure's short code (an ARM error code, or one of ours for transport failures) and message."""

    code: str
    message: str


def chain(exc: BaseException) -> Iterator[BaseException]:
    """`exc` and every exception it wraps, outermost first, each once."""
    seen: set[int] = set()
    pending: list[BaseException] = [exc]
    while pending:
        current = pending.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        wrapped = [
            current.__cause__,
            current.__context__,
            getattr(current, "inner_exception", None),
            getattr(current, "reason", None),  # urllib3's MaxRetryError
            *current.args,
        ]
        pending.extend(e for e in wrapped if isinstance(e, BaseException))


def transport_cause(exc: BaseException, endpoint: str) -> Cause | None:
    """The cause of a failure below HTTP (TLS, connect, DNS, read timeout), or None."""
    for inner in chain(exc):
        if isinstance(inner, ssl.SSLCertVerificationError):
            detail = inner.verify_message or "certificate verify failed"
            return Cause(
                "CERTIFICATE_VERIFY_FAILED",
                f"CERTIFICATE_VERIFY_FAILED: {detail} for {endpoint}"
                " (a TLS-inspecting proxy needs its CA in --ca-bundle)",
            )
        if isinstance(inner, ConnectionRefusedError):
            return Cause("ConnectionRefused", f"connection refused to {endpoint}")
        if isinstance(inner, socket.gaierror):
            return Cause("NameResolutionFailed", f"cannot resolve the host of {endpoint}: {inner.strerror or inner}")
        if isinstance(inner, ssl.SSLError):
            return Cause("TLSError", f"TLS failed with {endpoint}: {inner.reason or inner}")
    for inner in chain(exc):
        name = type(inner).__name__
        if isinstance(inner, TimeoutError) or name in {"ReadTimeoutError", "ReadTimeout", "ConnectTimeoutError"}:
            return Cause("Timeout", f"no answer from {endpoint} within the read timeout")
        if isinstance(inner, ConnectionError) or name in {"ProtocolError", "IncompleteRead", "IncompleteReadError"}:
            return Cause("ConnectionBroken", f"the connection to {endpoint} broke: {_first_line(inner) or name}")
    return None


def cause_of(exc: BaseException, endpoint: str) -> Cause:
    """What went wrong, never empty: ARM's own error code and message when it answered with one."""
    if isinstance(exc, IncompleteReadError):
        return Cause("IncompleteRead", f"the answer from {endpoint} was cut short: {_short(exc)}")
    if isinstance(exc, DecodeError):
        # An answer that is not JSON (a proxy's HTML page, a cut body): say so, with the parser's words.
        parser = next((e for e in chain(exc) if isinstance(e, ValueError)), None)
        status = f"HTTP {exc.status_code} " if exc.status_code else ""
        detail = _first_line(parser) if parser else _first_line(exc)
        return Cause("InvalidJson", f"{status}answer is not JSON: {detail}".strip())
    if isinstance(exc, HttpResponseError) and exc.status_code is not None:
        if exc.error is not None and exc.error.code:
            return Cause(exc.error.code, exc.error.message or exc.error.code)
        return Cause(exc.reason or type(exc).__name__, _first_line(exc) or f"HTTP {exc.status_code}")
    found = transport_cause(exc, endpoint)
    if found is not None:
        return found
    name = type(exc).__name__
    # azure-core sometimes wraps a cause without a message of its own: say the inner one.
    said = next((_first_line(e) for e in chain(exc) if _first_line(e)), "")
    return Cause(name, said or name)


def _short(exc: BaseException) -> str:
    """urllib3's IncompleteRead says how many bytes came and how many were announced."""
    found = next((e for e in chain(exc) if type(e).__name__ == "IncompleteRead"), None)
    return str(found) if found is not None else _first_line(exc)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    if text in {"", "None"}:
        return ""
    return text.splitlines()[0]
