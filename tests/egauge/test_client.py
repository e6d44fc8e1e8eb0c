"""The HA-free eGauge client against the simulated meter."""

from __future__ import annotations

import json
import time
from typing import Any

import aiohttp
from freezegun.api import FrozenDateTimeFactory
import pytest

from custom_components.energy_hub.api.egauge import (
    REGISTER_QUERY,
    EgaugeClient,
    EgaugePermissionError,
    digest_hash,
    parse_registers,
)
from custom_components.energy_hub.api.errors import (
    EnergyHubAuthError,
    EnergyHubConnectionError,
    EnergyHubRequestError,
    EnergyHubResponseError,
    EnergyHubUnavailableError,
)
from custom_components.energy_hub.api.http import HttpResponse
from simulators.egauge import EgaugeSimulator

from ..conftest import StartSimulator


@pytest.fixture
async def sim(start_simulator: StartSimulator) -> EgaugeSimulator:
    """A running meter."""
    return await start_simulator(EgaugeSimulator())


@pytest.fixture
async def session() -> Any:
    """A plain aiohttp session."""
    async with aiohttp.ClientSession() as session:
        yield session


def _client(
    session: aiohttp.ClientSession, sim: EgaugeSimulator, pwd: str = "secret"
) -> EgaugeClient:
    return EgaugeClient(session, sim.url, "owner", pwd)


def test_digest_hash_vector() -> None:
    """The research report's test vector."""
    assert (
        digest_hash(
            "owner",
            "eGauge Administration",
            "secret",
            "abc123servernonce",
            "0123456789abcdef0123456789abcdef",
        )
        == "418d3fc57655f697469cf54b2137fbc4"
    )


async def test_login_and_one_request_per_poll(
    sim: EgaugeSimulator, session: aiohttp.ClientSession
) -> None:
    """Digest login once, then exactly one /register request per poll."""
    client = _client(session, sim)
    data = await client.async_get_registers()
    assert [r.path for r in sim.log] == [
        "/api/auth/unauthorized",
        "/api/auth/login",
        "/api/register",
    ]
    login = sim.requests("/api/auth/login")[0]
    assert set(json.loads(login.body)) == {"rlm", "usr", "nnc", "cnnc", "hash"}
    sim.clear_log()
    await client.async_get_registers()
    await client.async_get_registers()
    assert [(r.method, r.path, r.query_string) for r in sim.log] == [
        ("GET", "/api/register", REGISTER_QUERY)
    ] * 2
    assert client.tokens.login_count == 1
    grid = data.registers["reg0"]
    assert grid.name == "Grid"
    assert grid.type_code == "P"
    assert grid.rate == 1798.0
    assert grid.total is not None
    assert grid.total > 0
    solar = data.registers["reg1"]
    assert solar.rate == -2500.0
    assert solar.total is not None
    assert solar.total < 0
    use = data.registers["virt_use"]
    assert use.virtual
    assert use.did is None
    assert use.rate == pytest.approx(1798.0 - 2500.0)
    assert use.cumulative == grid.cumulative + solar.cumulative  # type: ignore[operator]
    mystery = data.registers["reg11"]
    assert mystery.type is None
    assert mystery.total is None
    volts = data.registers["reg4"]
    assert volts.rate == 121.5
    assert volts.total is None
    assert data.ts is not None
    assert abs(data.ts - time.time()) < 60


async def test_wrong_password(sim: EgaugeSimulator, session: aiohttp.ClientSession) -> None:
    """A refused login is an auth error, whether 200+error or 401."""
    with pytest.raises(EnergyHubAuthError):
        await _client(session, sim, "wrong").async_get_registers()
    sim.login_failure_status = 401
    with pytest.raises(EnergyHubAuthError):
        await _client(session, sim, "wrong").async_get_registers()


async def test_nonce_expired_is_retried_once(
    sim: EgaugeSimulator, session: aiohttp.ClientSession
) -> None:
    """'Nonce expired.' fetches a fresh nonce once; twice in a row is the meter's clock.

    The password was never checked, so it is not an auth error (that would ask the
    user to sign in again) but the translated unavailable reason ``egauge_clock``.
    """
    sim.clock_broken = True  # every nonce has expired by the time it is used
    client = _client(session, sim)
    with pytest.raises(EnergyHubUnavailableError) as caught:
        await client.async_get_registers()
    assert not isinstance(caught.value, EnergyHubAuthError)
    assert caught.value.reason == "egauge_clock"
    assert [r.path for r in sim.log] == [
        "/api/auth/unauthorized",
        "/api/auth/login",
        "/api/auth/unauthorized",
        "/api/auth/login",
    ]
    sim.clear_log()
    sim.clock_broken = False
    # expire exactly one nonce: the first login sees "Nonce expired.", the retry succeeds
    original = sim._nonces
    calls = 0

    class OneShot(dict[str, float]):
        def pop(self, key: str, default: Any = None) -> Any:
            nonlocal calls
            calls += 1
            value = dict.pop(self, key, default)
            return 0.0 if calls == 1 else value

    sim._nonces = OneShot(original)
    await client.async_get_registers()
    assert [r.path for r in sim.log] == [
        "/api/auth/unauthorized",
        "/api/auth/login",
        "/api/auth/unauthorized",
        "/api/auth/login",
        "/api/register",
    ]


async def test_401_relogin_uses_the_nonce_of_the_401(
    sim: EgaugeSimulator, session: aiohttp.ClientSession
) -> None:
    """A revoked token: log in with the 401's nonce (no extra round trip), retry once."""
    client = _client(session, sim)
    await client.async_get_registers()
    sim.generation += 1  # every token revoked
    sim.clear_log()
    await client.async_get_registers()
    assert [r.path for r in sim.log] == ["/api/register", "/api/auth/login", "/api/register"]
    assert client.tokens.login_count == 2


async def test_token_refreshed_before_expiry(
    sim: EgaugeSimulator, session: aiohttp.ClientSession, freezer: FrozenDateTimeFactory
) -> None:
    """After ~9 minutes the client logs in before the token runs out: no failed request."""
    client = _client(session, sim)
    await client.async_get_registers()
    sim.clear_log()
    freezer.tick(500)
    await client.async_get_registers()
    assert [r.path for r in sim.log] == ["/api/register"]
    freezer.tick(45)  # 545 s: inside the 60 s margin of the 600 s lifetime
    sim.clear_log()
    await client.async_get_registers()
    paths = [r.path for r in sim.log]
    assert paths == ["/api/auth/unauthorized", "/api/auth/login", "/api/register"]
    assert sim.tokens_issued == 2


async def test_permission_error(sim: EgaugeSimulator, session: aiohttp.ClientSession) -> None:
    """A user without view_settings gets a permission error for /sys, not 'wrong password'."""
    sim.users["viewer"] = {"pwd": "view", "rights": set()}
    client = EgaugeClient(session, sim.url, "viewer", "view")
    await client.async_get_registers()
    with pytest.raises(EgaugePermissionError):
        await client.async_get_meter_info()
    with pytest.raises(EgaugePermissionError):
        await client.async_reboot()


async def test_credentials_revoked_mid_session(
    sim: EgaugeSimulator, session: aiohttp.ClientSession
) -> None:
    """Password changed on the meter: the re-login fails with an auth error."""
    client = _client(session, sim)
    await client.async_get_registers()
    sim.users["owner"]["pwd"] = "changed"
    sim.generation += 1
    with pytest.raises(EnergyHubAuthError):
        await client.async_get_registers()


async def test_meter_info_and_logout(sim: EgaugeSimulator, session: aiohttp.ClientSession) -> None:
    """Serial, model, firmware and hostname; logout revokes the token."""
    client = _client(session, sim)
    info = await client.async_get_meter_info()
    assert (info.serial, info.model, info.firmware, info.hostname) == (
        "G10400",
        "EG4030",
        "4.6.2",
        "egauge-sim",
    )
    assert sim.requests("/api/sys")[0].query == {"filter": "{sn,model,version}"}
    await client.async_logout()
    assert len(sim.requests("/api/auth/logout")) == 1
    await client.async_logout()  # nothing to revoke: no request
    assert len(sim.requests("/api/auth/logout")) == 1
    assert "secret" not in repr(client)


async def test_reboot_revokes_and_recovers(
    sim: EgaugeSimulator, session: aiohttp.ClientSession, freezer: FrozenDateTimeFactory
) -> None:
    """Reboot: connections drop for a while, then a fresh login works."""
    client = _client(session, sim)
    await client.async_reboot()
    assert sim.reboots == 1
    with pytest.raises(EnergyHubConnectionError):
        await client.async_get_registers()
    freezer.tick(sim.reboot_duration + 1)
    sim.clear_log()
    data = await client.async_get_registers()
    assert data.registers
    assert [r.path for r in sim.log] == [
        "/api/auth/unauthorized",
        "/api/auth/login",
        "/api/register",
    ]


async def test_error_replies(sim: EgaugeSimulator, session: aiohttp.ClientSession) -> None:
    """HTTP errors, malformed JSON and error members become clear client errors."""
    client = _client(session, sim)
    await client.async_get_registers()
    sim.faults.status = 503
    with pytest.raises(EnergyHubConnectionError):
        await client.async_get_registers()
    sim.faults.status = 500
    with pytest.raises(EnergyHubResponseError):
        await client.async_get_registers()
    sim.faults.reset()
    sim.faults.malformed_json = True
    with pytest.raises(EnergyHubResponseError):
        await client.async_get_registers()
    sim.faults.reset()
    with pytest.raises(EnergyHubRequestError) as err:
        await client._call("GET", "/api/register", query_string="time=bogus")
    assert "bogus" in err.value.detail
    # the login challenge itself misbehaving
    fresh = _client(session, sim)
    sim.faults.status = 500
    sim.faults.paths = ("/api/auth/unauthorized",)
    with pytest.raises(EnergyHubResponseError):
        await fresh.async_get_registers()
    sim.faults.reset()
    sim.faults.status = 500
    sim.faults.paths = ("/api/auth/login",)
    with pytest.raises(EnergyHubResponseError):
        await fresh.async_get_registers()
    sim.faults.reset()
    sim.faults.close_connection = True
    await fresh.async_logout()  # no token yet: nothing sent
    with pytest.raises(EnergyHubConnectionError):
        await fresh.async_get_registers()


async def test_logout_tolerates_a_gone_meter(
    sim: EgaugeSimulator, session: aiohttp.ClientSession
) -> None:
    """Logout on unload never raises."""
    client = _client(session, sim)
    await client.async_get_registers()
    sim.faults.close_connection = True
    await client.async_logout()


async def test_sys_without_serial(sim: EgaugeSimulator, session: aiohttp.ClientSession) -> None:
    """A /sys reply without a serial (or without a result) is an invalid response."""
    client = _client(session, sim)
    sim.serial = ""
    with pytest.raises(EnergyHubResponseError):
        await client.async_get_meter_info()
    sim.serial = "G1"
    sim.hostname = ""
    sim.model = None  # type: ignore[assignment]
    info = await client.async_get_meter_info()
    assert info.hostname is None
    assert info.model is None


@pytest.mark.parametrize(
    "payload",
    [[], {"error": "Invalid time."}, {"ts": "1"}, {"registers": {}}],
)
def test_parse_unusable(payload: Any) -> None:
    """Replies that carry no register list are invalid responses."""
    with pytest.raises(EnergyHubResponseError):
        parse_registers(payload)


def test_parse_tolerant() -> None:
    """Malformed entries are skipped, bad values become None, unknown codes are kept."""
    data = parse_registers(
        {
            "ts": "not a number",
            "registers": [
                {"name": "A", "type": "P", "idx": 0, "did": 0, "rate": "fast"},
                "junk",
                {"name": "", "type": "P", "idx": 1, "did": 1},
                {"name": "B", "type": "P", "idx": True, "did": 2},
                {"name": "C", "type": "??", "idx": 3, "did": 3, "rate": float("inf")},
                {"name": "C2", "type": "P", "idx": 4, "did": 3},
                {"name": "D", "type": "V", "idx": 5, "did": 5, "rate": 120},
                {"name": "E", "type": "P", "idx": 6, "did": "x"},
            ],
            "ranges": [{"ts": "1", "delta": 1, "rows": [["12", "x", "1", "2", "3", 4000]]}],
        }
    )
    assert data.ts is None
    assert list(data.registers) == ["reg0", "reg3", "reg5"]
    assert data.skipped == 5
    assert data.registers["reg0"].rate is None
    assert data.registers["reg0"].cumulative == 12
    assert data.registers["reg3"].type_code == "??"
    assert data.registers["reg3"].rate is None
    assert data.registers["reg5"].cumulative is None  # beyond the row
    assert data.as_dict()["registers"][1]["known_type"] is False
    assert parse_registers({"ts": 5, "registers": [], "ranges": ["x"]}).ts == 5.0
    no_rows = parse_registers(
        {"registers": [{"name": "A", "type": "P", "idx": 0, "did": 0}], "ranges": [{}]}
    )
    assert no_rows.registers["reg0"].cumulative is None
    ints = parse_registers(
        {
            "ts": "1.5",
            "registers": [{"name": "A", "type": "P", "idx": 0, "did": 0}],
            "ranges": [{"rows": [[7]]}],
        }
    )
    assert ints.registers["reg0"].cumulative == 7
    assert ints.ts == 1.5


def test_parse_bad_counter_string() -> None:
    """A cumulative value that is no integer string becomes None."""
    data = parse_registers(
        {
            "registers": [{"name": "A", "type": "P", "idx": 0, "did": 0}],
            "ranges": [{"rows": [["12x"]]}],
        }
    )
    assert data.registers["reg0"].cumulative is None
    data = parse_registers(
        {
            "registers": [{"name": "A", "type": "P", "idx": 0, "did": 0}],
            "ranges": [{"rows": [[1.5]]}],
        }
    )
    assert data.registers["reg0"].cumulative is None
    assert data.registers["reg0"].total is None


@pytest.mark.parametrize("text", ["not json", "[1]", '{"rlm": "r"}', '{"rlm": "r", "nnc": ""}'])
def test_unusable_challenges(text: str) -> None:
    """A 401 without a usable realm and nonce gives no challenge."""
    assert EgaugeClient._parse_challenge(HttpResponse(401, {}, text)) is None


async def test_persistent_401(sim: EgaugeSimulator, session: aiohttp.ClientSession) -> None:
    """A 401 that survives a fresh login: permission error if the token is good, else auth."""
    client = _client(session, sim)
    await client.async_get_registers()
    sim.faults.status = 401
    sim.faults.paths = ("/api/register",)
    with pytest.raises(EgaugePermissionError):
        await client.async_get_registers()
    sim.faults.paths = ("/api/register", "/api/auth/rights")
    with pytest.raises(EnergyHubAuthError) as err:
        await client.async_get_registers()
    assert not isinstance(err.value, EgaugePermissionError)
    sim.faults.reset()
    sim.faults.malformed_json = True
    sim.faults.paths = ("/api/auth/unauthorized",)
    with pytest.raises(EnergyHubResponseError):
        await _client(session, sim).async_get_registers()


async def test_sys_without_result(sim: EgaugeSimulator, session: aiohttp.ClientSession) -> None:
    """A /sys result that is not an object is an invalid response."""
    sim.sys_tree = lambda: "odd"  # type: ignore[method-assign,assignment,return-value]
    with pytest.raises(EnergyHubResponseError):
        await _client(session, sim).async_get_meter_info()
