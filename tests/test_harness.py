"""The simulator harness and the shared HTTP/token helpers, against a real server."""

from __future__ import annotations

import asyncio
import time

import aiohttp
import jwt
import pytest

from custom_components.energy_hub.api.errors import (
    EnergyHubAuthError,
    EnergyHubConnectionError,
    EnergyHubResponseError,
)
from custom_components.energy_hub.api.http import HttpClient, expect_dict, expect_list
from custom_components.energy_hub.api.tokens import TokenManager, token_expiry
from simulators.base import Faults, TokenStore

from .conftest import StartSimulator
from .demo_vendor import DemoClient, DemoSimulator


async def test_request_log_and_control_endpoint(start_simulator: StartSimulator) -> None:
    """Requests are logged with their query; /_sim/ control requests are not."""
    sim = await start_simulator(DemoSimulator())
    async with aiohttp.ClientSession() as session:
        client = DemoClient(session, sim.url, "demo", "secret")
        await client.status()
        await client.status()
        async with session.post(f"{sim.url}/_sim/faults", json={"status": 503}) as resp:
            assert (await resp.json())["status"] == 503
        async with session.get(f"{sim.url}/_sim/faults") as resp:
            assert (await resp.json())["status"] == 503
        async with session.get(f"{sim.url}/status?x=1&y=a+b") as resp:
            assert resp.status == 503
        async with session.post(f"{sim.url}/_sim/faults", json={"reset": True}) as resp:
            assert (await resp.json())["status"] is None
        async with session.post(f"{sim.url}/_sim/faults", data="nope") as resp:
            assert resp.status == 400
        async with session.post(f"{sim.url}/_sim/faults", json=[1]) as resp:
            assert resp.status == 400
        async with session.get(f"{sim.url}/_sim/log") as resp:
            log = await resp.json()
    assert [r["path"] for r in log] == ["/login", "/status", "/status", "/status"]
    assert sim.requests("/status")[-1].query == {"x": "1", "y": "a b"}
    assert len(sim.requests("/login", "POST")) == 1
    # one login for both reads: the token was reused
    assert client.tokens.login_count == 1
    sim.clear_log()
    assert sim.log == []


async def test_fault_switches(start_simulator: StartSimulator) -> None:
    """Each fault switch changes what a real client sees."""
    sim = await start_simulator(DemoSimulator())
    async with aiohttp.ClientSession() as session:
        client = DemoClient(session, sim.url, "demo", "secret")
        await client.status()

        sim.faults.status = 500
        with pytest.raises(EnergyHubResponseError):
            await client.status()

        sim.faults.reset()
        sim.faults.malformed_json = True
        with pytest.raises(EnergyHubResponseError, match="Malformed JSON"):
            await client.status()

        sim.faults.reset()
        sim.faults.close_connection = True
        with pytest.raises(EnergyHubConnectionError):
            await client.status()

        sim.faults.reset()
        sim.faults.offline = True  # the base simulator drops the connection while offline
        with pytest.raises(EnergyHubConnectionError):
            await client.status()

        sim.faults.reset()
        sim.faults.latency = 1.0
        fast = DemoClient(session, sim.url, "demo", "secret")
        fast._timeout = aiohttp.ClientTimeout(total=0.2)
        with pytest.raises(EnergyHubConnectionError, match="Timeout"):
            await fast.status()

        # faults limited to some paths and to a number of requests
        sim.faults.reset()
        sim.faults.status = 500
        sim.faults.paths = ("/nothing",)
        await client.status()
        sim.faults.paths = None
        sim.faults.remaining = 1
        with pytest.raises(EnergyHubResponseError):
            await client.status()
        await client.status()
        assert sim.faults.remaining == 0


async def test_revoked_tokens_are_replaced_once(start_simulator: StartSimulator) -> None:
    """A 401 during a read logs in again and retries once."""
    sim = await start_simulator(DemoSimulator())
    async with aiohttp.ClientSession() as session:
        client = DemoClient(session, sim.url, "demo", "secret")
        await client.status()
        sim.tokens.revoke_all()
        sim.clear_log()
        await client.status()
        assert [r.path for r in sim.log] == ["/status", "/login", "/status"]
        assert client.tokens.login_count == 2
        # a wrong password is an auth error, not a loop
        sim.tokens.revoke_all()
        sim.password = "changed"
        sim.clear_log()
        with pytest.raises(EnergyHubAuthError):
            await client.status()
        assert len(sim.log) == 2


async def test_unreachable_host(socket_enabled: None) -> None:
    """Nothing listening: a connection error (socket use limited to loopback)."""
    async with aiohttp.ClientSession() as session:
        client = HttpClient(session, "http://127.0.0.1:9", timeout=2)
        with pytest.raises(EnergyHubConnectionError):
            await client.request("GET", "/")
        assert client.request_count == 1


async def test_token_manager_reuses_until_shortly_before_exp() -> None:
    """The token is reused until ``margin`` seconds before exp, then refreshed."""
    now = [1_000_000.0]
    store = TokenStore(lifetime=600)
    calls: list[str] = []

    async def login() -> str:
        calls.append("login")
        return jwt.encode({"exp": int(now[0]) + 600}, "k", algorithm="HS256")

    manager = TokenManager(login, margin=60, clock=lambda: now[0])
    first = await manager.token()
    now[0] += 500
    assert await manager.token() == first
    assert len(calls) == 1
    now[0] += 50  # 50 s before exp: inside the margin
    second = await manager.token()
    assert len(calls) == 2
    assert second != first or now[0]  # a fresh login happened
    assert manager.expires_at == pytest.approx(now[0] + 600)
    assert "ey" not in repr(manager)
    # concurrent callers share one login
    manager.invalidate()
    await asyncio.gather(*(manager.token() for _ in range(5)))
    assert len(calls) == 3
    # a 401 for a token that was already replaced does not log in again
    current = await manager.token()
    assert await manager.refresh_after_401("stale") == current
    assert len(calls) == 3
    assert await manager.refresh_after_401(current) is not None
    assert len(calls) == 4
    assert store.check("garbage") is None


async def test_token_without_exp_uses_fallback_lifetime() -> None:
    """Opaque tokens (no JWT exp) live for the fallback lifetime."""
    assert token_expiry("not-a-jwt") is None
    assert token_expiry(jwt.encode({"sub": "x"}, "k", algorithm="HS256")) is None
    assert token_expiry(jwt.encode({"exp": 123}, "k", algorithm="HS256")) == 123.0

    async def login() -> str:
        return "opaque"

    manager = TokenManager(login, fallback_lifetime=300, margin=10)
    assert await manager.token() == "opaque"
    assert manager.expires_at == pytest.approx(time.time() + 300, abs=5)


def test_json_shape_helpers() -> None:
    """expect_dict / expect_list refuse the wrong JSON shapes."""
    assert expect_dict({"a": 1}, "x") == {"a": 1}
    assert expect_list([1], "x") == [1]
    with pytest.raises(EnergyHubResponseError):
        expect_dict([1], "x")
    with pytest.raises(EnergyHubResponseError):
        expect_list({"a": 1}, "x")


def test_faults_reset() -> None:
    """reset() switches everything off."""
    faults = Faults(latency=1, status=500, malformed_json=True, paths=("/a",), remaining=2)
    assert faults.any_active
    faults.reset()
    assert not faults.any_active
    assert faults.paths is None
    assert faults.remaining is None


async def test_query_string_and_params(start_simulator: StartSimulator) -> None:
    """A verbatim query string keeps a literal '+'; params are encoded and appended."""
    sim = await start_simulator(DemoSimulator())
    async with aiohttp.ClientSession() as session:
        client = HttpClient(session, f"{sim.url}/", timeout=5)
        assert str(client.base_url) == sim.url
        await client.request("GET", "/status", query_string="reg=a+b&rate", params={"x": "y z"})
    record = sim.requests("/status")[0]
    assert record.query_string == "reg=a+b&rate&x=y%20z"
    # the simulator reads the raw string, so a literal + stays a plus
    assert record.query["x"] == "y z"
