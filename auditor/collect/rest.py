"""Raw ARM GETs and nextLink paging through the collector's authenticated pipeline."""

from __future__ import annotations

from typing import Any

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
        # A bare PipelineClient sends URLs as given: relative paths are joined to the ARM endpoint
        # here (the generated clients' send_request does the same), absolute ones pass through.
        target = self._client.format_url(url)
        request = HttpRequest("GET", target, params={"api-version": api_version} if api_version else None)
        response = self._client.send_request(request)
        if response.status_code != 200:
            error = ResourceNotFoundError if response.status_code == 404 else HttpResponseError
            raise error(response=response, error_format=ARMErrorFormat)
        try:
            body = response.json()
        except ValueError as exc:
            raise DecodeError(f"ARM answered GET {url} with a body that is not JSON", response=response) from exc
        if not isinstance(body, dict):
            raise DecodeError(f"ARM answered GET {url} with JSON that is not an object", response=response)
        return body

    def list(self, url: str, api_version: str) -> list[Json]:
        """Every item of an ARM list, following nextLink page after page."""
        body = self.get(url, api_version)
        items = list(body.get("value") or [])
        while next_link := body.get("nextLink"):
            body = self.get(next_link)
            items.extend(body.get("value") or [])
        return items
