"""api/tls.py and the pinned HttpClient, against a simulator serving HTTPS (no Home Assistant)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import aiohttp
import pytest

from custom_components.energy_hub.api.errors import (
    EnergyHubCertificateChangedError,
    EnergyHubCertificateError,
    EnergyHubConnectionError,
)
from custom_components.energy_hub.api.http import HttpClient
from custom_components.energy_hub.api.tls import (
    async_fetch_certificate,
    describe_certificate,
    format_fingerprint,
    normalize_fingerprint,
    sha256_fingerprint,
    ssl_option,
)
from simulators.base import Simulator

from .conftest import StartSimulator

PIN = "ab" * 32


# a refused handshake is what these tests provoke: its server side is no error here
pytestmark = pytest.mark.usefixtures("refused_handshakes_are_no_errors")


@pytest.fixture
async def sim(start_simulator: StartSimulator) -> Simulator:
    simulator = Simulator()
    simulator.use_self_signed_certificate("device.local")
    return await start_simulator(simulator)


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client_session:
        yield client_session


def test_fingerprint_forms() -> None:
    """Stored as 64 lower-case hex digits; typed with colons or spaces; shown with colons."""
    shown = format_fingerprint(PIN)
    assert shown == ":".join(["AB"] * 32)
    assert normalize_fingerprint(shown) == PIN
    assert normalize_fingerprint(" AB AB " + "ab" * 30) == PIN
    for bad in ("", "ab" * 31, "zz" * 32, "ab" * 33):
        with pytest.raises(ValueError, match="SHA-256"):
            normalize_fingerprint(bad)
    assert sha256_fingerprint(b"x") == (
        "2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881"
    )


def test_ssl_option() -> None:
    """A pin wins over the verify flag; without one the flag is passed on."""
    assert ssl_option(verify=True, pin=None) is True
    assert ssl_option(verify=False, pin=None) is False
    option = ssl_option(verify=True, pin=PIN)
    assert isinstance(option, aiohttp.Fingerprint)
    assert option.fingerprint == bytes.fromhex(PIN)


def test_describe_unreadable_certificate() -> None:
    """Bytes that are no certificate still get a fingerprint, with nothing else to show."""
    cert = describe_certificate(b"not a certificate")
    assert cert.sha256 == sha256_fingerprint(b"not a certificate")
    assert (cert.subject, cert.issuer, cert.not_after) == ("", "", "")


async def test_fetch_certificate(sim: Simulator) -> None:
    """The certificate the server presents, read without trusting it; nothing is requested."""
    cert = await async_fetch_certificate(sim.url)
    assert cert.sha256 == sim.certificate_sha256
    assert cert.display_fingerprint == format_fingerprint(cert.sha256)
    assert cert.subject == "CN=device.local" == cert.issuer
    assert cert.not_after.startswith("20")
    assert sim.log == []


async def test_fetch_certificate_errors(start_simulator: StartSimulator) -> None:
    """No https address, nothing listening, no TLS: connection errors."""
    with pytest.raises(EnergyHubConnectionError, match="https"):
        await async_fetch_certificate("http://127.0.0.1:9")
    with pytest.raises(EnergyHubConnectionError, match="Cannot read"):
        await async_fetch_certificate("https://127.0.0.1:9")
    plain = await start_simulator(Simulator())  # speaks http: the handshake fails
    with pytest.raises(EnergyHubConnectionError, match="Cannot read"):
        await async_fetch_certificate(plain.url.replace("http://", "https://"))


async def test_fetch_certificate_timeout(socket_enabled: None) -> None:
    """A server that accepts but never answers the handshake: a timeout, as our error."""

    done = asyncio.Event()

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await done.wait()
        writer.close()

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        with pytest.raises(EnergyHubConnectionError, match="Timeout"):
            await async_fetch_certificate(f"https://127.0.0.1:{port}", seconds=0.2)
    finally:
        done.set()
        server.close()
        await server.wait_closed()


async def test_http_client_verify_pin_and_changed(
    sim: Simulator, session: aiohttp.ClientSession
) -> None:
    """Verification refuses the self-signed certificate; the pin accepts exactly it."""
    client = HttpClient(session, sim.url)
    with pytest.raises(EnergyHubCertificateError) as caught:
        await client.request("GET", "/_sim/faults")
    assert not isinstance(caught.value, EnergyHubCertificateChangedError)

    client.pin_certificate(sim.certificate_sha256)
    assert client.certificate_pin == sim.certificate_sha256
    assert (await client.request("GET", "/_sim/faults")).status == 200

    client.pin_certificate(PIN)  # some other certificate's fingerprint
    with pytest.raises(EnergyHubCertificateChangedError, match="another certificate"):
        await client.request("GET", "/_sim/faults")

    client.pin_certificate(None)  # back to what the client was built with: verify
    assert client.certificate_pin is None
    with pytest.raises(EnergyHubCertificateError):
        await client.request("GET", "/_sim/faults")


async def test_simulator_changes_certificate(sim: Simulator) -> None:
    """``change_certificate`` keeps the address and presents another certificate."""
    before, url = sim.certificate_sha256, sim.url
    await sim.change_certificate()
    assert sim.url == url
    assert sim.certificate_sha256 != before
    assert (await async_fetch_certificate(sim.url)).sha256 == sim.certificate_sha256
    stopped = Simulator()
    stopped.use_self_signed_certificate()
    first = stopped.certificate_sha256
    await stopped.change_certificate()  # not running: only the certificate changes
    assert stopped.certificate_sha256 != first
    assert Simulator().certificate_sha256 is None
