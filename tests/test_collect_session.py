"""The collector's HTTP session reads the environment's proxy and CA settings once per host, and still honours them."""

from __future__ import annotations

import pytest

from auditor.collect.clients import _session


def test_environment_settings_are_honoured_and_read_once_per_host(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    monkeypatch.setenv("NO_PROXY", "bypassed.example")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/inspecting-proxy.pem")
    session = _session(4)

    first = session.merge_environment_settings("https://arm.example/a?x=1", {}, None, True, None)
    first["proxies"]["https"] = "changed by the caller"
    monkeypatch.setenv("HTTPS_PROXY", "http://other.example:3128")  # not re-read for the same host
    again = session.merge_environment_settings("https://arm.example/b", {}, None, True, None)
    bypassed = session.merge_environment_settings("https://bypassed.example/a", {}, None, True, None)
    pinned = session.merge_environment_settings("https://arm.example/b", {}, None, "/given.pem", None)

    assert again["proxies"]["https"] == "http://proxy.example:3128"
    assert again["verify"] == "/etc/inspecting-proxy.pem"
    assert "https" not in bypassed["proxies"]
    assert pinned["verify"] == "/given.pem"  # a bundle given per request (--ca-bundle) still wins
