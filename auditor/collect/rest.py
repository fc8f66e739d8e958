"""Raw ARM GETs, nextLink paging and the Resource Graph query through the collector's authenticated pipeline."""

from __future__ import annotations

import json
from typing import Any

import orjson
from azure.core import PipelineClient
from azure.core.exceptions import DecodeError, HttpResponseError, ResourceNotFoundError
from azure.core.rest import HttpRequest
from azure.mgmt.core.exceptions import ARMErrorFormat

Json = dict[str, Any]


class Rest:
    """GETs ARM JSON as it is sent, for the resources whose SDK models would lose fields."""

    def __init__(self, client: PipelineClient[Any, Any]) -> None:
        self._client = client

    def get(self, url: str, api_version: str | None = None) -> Json:
        """GET a relative ARM path (with `api_version`) or an absolute nextLink (which carries its own)."""
        return self._send(HttpRequest("GET", self._target(url), params=_version(api_version)), url)

    def post(self, url: str, api_version: str, body: Json) -> Json:
        """POST a JSON body to a relative ARM path: the Resource Graph query, which reads."""
        return self._send(HttpRequest("POST", self._target(url), params=_version(api_version), json=body), url)

    def _target(self, url: str) -> str:
        # A bare PipelineClient sends URLs as given: relative paths are joined to the ARM endpoint
        # here (the generated clients' send_request does the same), absolute ones pass through.
        return str(self._client.format_url(url))

    def _send(self, request: HttpRequest, url: str) -> Json:
        response = self._client.send_request(request)
        if response.status_code != 200:
            error = ResourceNotFoundError if response.status_code == 404 else HttpResponseError
            raise error(response=response, error_format=ARMErrorFormat)
        answered = f"ARM answered {request.method} {url} with"
        try:
            body = _parsed(response.content)
        except ValueError as exc:
            raise DecodeError(f"{answered} a body that is not JSON", response=response) from exc
        if not isinstance(body, dict):
            raise DecodeError(f"{answered} JSON that is not an object", response=response)
        return body

    def list(self, url: str, api_version: str) -> list[Json]:
        """Every item of an ARM list, following nextLink page after page."""
        body = self.get(url, api_version)
        items = list(body.get("value") or [])
        while next_link := body.get("nextLink"):
            body = self.get(next_link)
            items.extend(body.get("value") or [])
        return items


def _version(api_version: str | None) -> dict[str, str] | None:
    return {"api-version": api_version} if api_version else None


def _parsed(content: bytes) -> Any:
    """JSON through orjson (a page of 1,000 Resource Graph rows parses several times faster), or the
    standard library for what orjson refuses but is JSON still (integers beyond 64 bits)."""
    try:
        return orjson.loads(content)
    except orjson.JSONDecodeError:
        return json.loads(content)
