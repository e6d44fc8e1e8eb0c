"""The shared HTTP layer: one host-to-URL normaliser and one certificate-error test."""

from __future__ import annotations

import json
import ssl
import threading
from typing import Any

import aiohttp
import pytest

from custom_components.energy_hub.api.errors import (
    EnergyHubCertificateError,
    EnergyHubConnectionError,
    EnergyHubResponseError,
)
from custom_components.energy_hub.api.http import (
    EXECUTOR_PARSE_BYTES,
    HttpResponse,
    InvalidHostError,
    is_certificate_error,
    normalize_base_url,
)


@pytest.mark.parametrize(
    ("typed", "default_scheme", "expected"),
    [
        (" meter.local ", "http", "http://meter.local"),
        ("meter.local", "https", "https://meter.local"),
        ("HTTPS://Meter.Local/api/", "http", "https://meter.local"),
        ("http://10.0.0.2:8080", "http", "http://10.0.0.2:8080"),
        ("10.0.0.5/", "https", "https://10.0.0.5"),
        ("::1", "http", "http://[::1]"),
        ("[::1]", "http", "http://[::1]"),
        ("[fe80::1]:8443", "https", "https://[fe80::1]:8443"),
        ("http://[2001:db8::1]/", "http", "http://[2001:db8::1]"),
        ("gateway_1.lan", "http", "http://gateway_1.lan"),
    ],
)
def test_normalize_base_url(typed: str, default_scheme: str, expected: str) -> None:
    """Host names, IPv4, IPv6 (bracketed or not), scheme and port become one base URL."""
    assert normalize_base_url(typed, default_scheme=default_scheme) == expected


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "   ",
        "http://a@host",
        "http://user:pw@meter.local",
        "meter.local/some/path",
        "meter.local?x=1",
        "javascript:alert(1)",
        "ftp://meter.local",
        "meter.local\r\nX-Injected: 1",
        "meter\tlocal",
        "host;cmd",
        "host$(reboot)",
        "host`id`",
        "meter.local:0",
        "meter.local:70000",
        "meter.local:abc",
        "[::1",
        "[::1]x",
        "[not-v6]",
        "1:2:3",
        "999.1.1.1",
        "-bad-.local",
    ],
)
def test_invalid_hosts_are_refused(typed: str) -> None:
    """Anything that is not a host with optional scheme and port is an InvalidHostError."""
    with pytest.raises(InvalidHostError):
        normalize_base_url(typed)


def test_certificate_error_detection() -> None:
    """A certificate failure is recognised anywhere in the exception chain, nothing else."""
    assert is_certificate_error(EnergyHubCertificateError("x"))
    wrapped = EnergyHubConnectionError("wrapped")
    wrapped.__cause__ = ssl.SSLCertVerificationError("self-signed")
    assert is_certificate_error(wrapped)
    assert not is_certificate_error(EnergyHubConnectionError("refused"))
    assert not is_certificate_error(aiohttp.ClientConnectionError("reset"))


async def test_large_bodies_parse_off_the_event_loop() -> None:
    """A body of EXECUTOR_PARSE_BYTES or more is parsed on a worker thread, a small one inline."""
    threads: set[str] = set()

    class Probe(HttpResponse):
        __slots__ = ()

        def json(self) -> Any:
            threads.add(threading.current_thread().name)
            return super().json()

    small = Probe(200, {}, '{"a": 1}')
    assert await small.async_json() == {"a": 1}
    assert threads == {threading.current_thread().name}
    threads.clear()
    entries = {str(uid): {"uid": uid, "v": 1.5} for uid in range(EXECUTOR_PARSE_BYTES // 20)}
    large = Probe(200, {}, json.dumps(entries))
    assert len(large.text) >= EXECUTOR_PARSE_BYTES
    assert await large.async_json() == entries
    assert threads
    assert threading.current_thread().name not in threads
    with pytest.raises(EnergyHubResponseError, match="Malformed JSON"):
        await Probe(200, {}, "[" * 10 + "x" * EXECUTOR_PARSE_BYTES).async_json()
