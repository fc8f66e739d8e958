"""Removes secret-looking values from collected resources before anything is written."""

from __future__ import annotations

import functools
import re
from typing import Any

REDACTED = "<redacted>"

# Property names whose values are secrets: accountKey, primaryKey, adminUserPassword, clientSecret,
# connectionString, sasToken, accessToken... Matched on the end of the name, so keyVault, keySource,
# keyVaultProperties, sasPolicy or adminUserName stay.
_SECRET_NAME = re.compile(r"(keys?|secrets?|passwords?|connectionstrings?|sas|tokens?)$")
# Maps keyed by user-chosen names (rule names, identity ids), not by property names.
_NAME_KEYED_MAPS = {"outboundrules", "userassignedidentities"}
# The signature of a SAS URL or query string; the rest of the URL (account, container) is kept.
_SAS_SIGNATURE = re.compile(r"(?i)(?<![a-z0-9])(sig=)[^&#\s\"']+")
# `Key=value` secrets inside connection strings.
_CONNECTION_SECRET = re.compile(
    r"(?i)((?:AccountKey|SharedAccessKey|SharedAccessSignature|Password|Pwd)=)([^;]+)"
)


@functools.cache
def _secret_name(name: str) -> bool:
    return bool(_SECRET_NAME.search(re.sub(r"[^a-z0-9]", "", name.lower())))


def _scrub(text: str) -> str:
    # Both patterns need an "=": most strings (ids, names, enums) are let through without a regex.
    if "=" not in text:
        return text
    return _CONNECTION_SECRET.sub(rf"\1{REDACTED}", _SAS_SIGNATURE.sub(rf"\1{REDACTED}", text))


def redact(value: Any, secret: bool = False) -> Any:
    """A copy of `value` with every string under a secret-named property replaced, and SAS
    signatures and connection-string keys cut out of every other string."""
    if isinstance(value, dict):
        return {key: _redact_member(key, item, secret) for key, item in value.items()}
    if isinstance(value, list):
        return [redact(item, secret) for item in value]
    if isinstance(value, str):
        return REDACTED if secret and value else _scrub(value)
    return value


def _redact_member(name: str, item: Any, secret: bool) -> Any:
    if name.lower() in _NAME_KEYED_MAPS and isinstance(item, dict):
        return {entry: redact(value, secret) for entry, value in item.items()}
    return redact(item, secret or _secret_name(name))
