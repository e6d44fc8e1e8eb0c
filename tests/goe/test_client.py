"""The HA-free go-e client against the simulator (cloud front and local API)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
import itertools

import aiohttp
import pytest

from custom_components.energy_hub.api.errors import (
    EnergyHubAuthError,
    EnergyHubConnectionError,
    EnergyHubResponseError,
    EnergyHubUnavailableError,
)
from custom_components.energy_hub.api.goe import (
    UNSUPPORTED_MISSING,
    UNSUPPORTED_REFUSED,
    GoeClient,
    GoeKeySupport,
    GoeRejectedError,
    RateLimiter,
    encode_set_query,
    normalize_serial,
)
from simulators.goe import DEFAULT_TOKEN, KEYS, PROFILES, GoeSimulator

from ..conftest import StartSimulator


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    """A plain aiohttp session."""
    async with aiohttp.ClientSession() as sess:
        yield sess


def _cloud(session: aiohttp.ClientSession, sim: GoeSimulator, **kwargs: object) -> GoeClient:
    client = GoeClient.cloud(
        session,
        sim.serial,
        DEFAULT_TOKEN,
        url_template=f"{sim.url}/cloud/{{serial}}",
        **kwargs,  # type: ignore[arg-type]
    )
    client.limiter = RateLimiter(0)
    return client


def _local(session: aiohttp.ClientSession, sim: GoeSimulator) -> GoeClient:
    client = GoeClient.local(session, sim.url)
    client.limiter = RateLimiter(0)
    return client


def test_helpers() -> None:
    """Serial validation keeps leading zeros; set values are JSON, then URL-encoded."""
    assert normalize_serial(" 001234 ") == "001234"
    assert normalize_serial("12345") is None
    assert normalize_serial("1234567") is None
    assert normalize_serial("12a456") is None
    assert (
        encode_set_query({"fna": "my charger", "amp": 16, "dwo": None, "acp": True, "x": 1.5})
        == "fna=%22my%20charger%22&amp=16&dwo=null&acp=true&x=1.5"
    )
    assert encode_set_query({"ids": {"pGrid": -1200.0}}) == "ids=%7B%22pGrid%22%3A-1200.0%7D"
    assert encode_set_query({"fna": "a&b=c"}) == "fna=%22a%26b%3Dc%22"


async def test_cloud_status_one_request_with_filter_and_age(
    session: aiohttp.ClientSession, sim: GoeSimulator
) -> None:
    """A status read is one request, with the filter and age, and the token only in a header."""
    client = _cloud(session, sim, age=10)
    data = await client.status(["car", "amp", "eto", "nrg", "amp"])
    assert set(data) == {"car", "amp", "eto", "nrg"}
    assert data["amp"] == 16
    (req,) = sim.requests(f"/cloud/{sim.serial}/api/status")
    assert req.query == {"filter": "amp,car,eto,nrg", "age": "10"}
    assert req.headers["Authorization"] == f"Bearer {DEFAULT_TOKEN}"
    assert DEFAULT_TOKEN not in req.query_string
    assert client.request_count == 1
    assert "cloud" in repr(client)
    assert DEFAULT_TOKEN not in repr(client)
    # no filter = every key
    assert "sse" in await client.status()


async def test_cloud_status_errors(session: aiohttp.ClientSession, sim: GoeSimulator) -> None:
    """401 is an auth error, 403 (offline, API off) and 404 (stale) mean unavailable."""
    client = _cloud(session, sim)
    bad = GoeClient.cloud(session, sim.serial, "wrong", url_template=f"{sim.url}/cloud/{{serial}}")
    with pytest.raises(EnergyHubAuthError):
        await bad.status(["car"])

    sim.faults.offline = True
    with pytest.raises(EnergyHubUnavailableError) as err:
        await client.status(["car"])
    assert err.value.reason == "goe_offline"
    sim.faults.reset()

    sim.cloud_enabled = False
    with pytest.raises(EnergyHubUnavailableError) as err:
        await client.status(["car"])
    assert err.value.reason == "goe_offline"
    sim.cloud_enabled = True

    sim.data_age = 45
    with pytest.raises(EnergyHubUnavailableError) as err:
        await client.status(["car"])
    assert err.value.reason == "goe_no_data"
    # a larger age accepts the older data
    client.age = 60
    assert (await client.status(["car"]))["car"] == 1
    sim.data_age = 1

    sim.faults.close_connection = True
    with pytest.raises(EnergyHubConnectionError) as cerr:
        await client.status(["car"])
    assert "go-e cloud" in str(cerr.value)
    assert sim.host not in str(cerr.value)
    sim.faults.reset()

    sim.faults.status = 502
    with pytest.raises(EnergyHubResponseError):
        await client.status(["car"])
    sim.faults.status = 400
    with pytest.raises(EnergyHubResponseError):
        await client.status(["car"])
    sim.faults.reset()
    sim.faults.malformed_json = True
    with pytest.raises(EnergyHubResponseError):
        await client.status(["car"])


async def test_cloud_set(session: aiohttp.ClientSession, sim: GoeSimulator) -> None:
    """202 accepted values reach the charger; 422 names the rejected key."""
    client = _cloud(session, sim)
    await client.set({"amp": 10, "frc": 2, "fna": "my charger", "dwo": None})
    assert sim.state["amp"] == 10
    assert sim.state["frc"] == 2
    assert sim.state["fna"] == "my charger"
    (req,) = sim.requests(f"/cloud/{sim.serial}/api/set")
    assert req.query == {"amp": "10", "frc": "2", "fna": '"my charger"', "dwo": "null"}
    assert "token" not in req.query

    with pytest.raises(GoeRejectedError) as err:
        await client.set({"amp": 99})
    assert err.value.status == 422
    assert err.value.keys == ("amp",)
    assert "amp" in str(err.value)
    assert sim.state["amp"] == 10

    # partly accepted: 202, and the rejected key is still reported
    with pytest.raises(GoeRejectedError) as err:
        await client.set({"frc": 1, "psm": 7})
    assert err.value.keys == ("psm",)
    assert sim.state["frc"] == 1

    await client.set({})
    sim.faults.offline = True
    with pytest.raises(EnergyHubUnavailableError):
        await client.set({"amp": 8})
    sim.faults.reset()
    sim.data_age = 100
    with pytest.raises(EnergyHubUnavailableError) as uerr:
        await client.set({"amp": 8})
    assert uerr.value.reason == "goe_no_data"
    sim.data_age = 1
    sim.faults.status = 500
    with pytest.raises(EnergyHubResponseError):
        await client.set({"amp": 8})
    sim.faults.reset()
    # a 422 without a readable body still names the keys sent
    sim.faults.status = 422
    sim.faults.malformed_json = True
    with pytest.raises(GoeRejectedError) as err:
        await client.set({"amp": 8})
    assert err.value.keys == ("amp",)


async def test_local_status_and_set(session: aiohttp.ClientSession, sim: GoeSimulator) -> None:
    """The local API: no token, per-key set answers, rejected keys reported."""
    client = GoeClient.local(session, f"{sim.host}:{sim.port}/")
    client.limiter = RateLimiter(0)
    assert not client.is_cloud
    data = await client.status(["psm", "sse"])
    assert data == {"psm": 0, "sse": sim.serial}
    (req,) = sim.requests("/api/status")
    assert "Authorization" not in req.headers

    await client.set({"psm": 1, "lmo": 4})
    assert sim.state["psm"] == 1
    assert sim.state["lmo"] == 4
    with pytest.raises(GoeRejectedError) as err:
        await client.set({"amp": 8, "car": 2, "nope": 1})
    assert err.value.keys == ("car", "nope")
    assert "without setter" in err.value.detail
    assert sim.state["amp"] == 8

    sim.faults.status = 404
    with pytest.raises(EnergyHubResponseError):
        await client.set({"amp": 8})
    with pytest.raises(EnergyHubResponseError):
        await client.status(["amp"])
    sim.faults.reset()
    sim.faults.offline = True
    with pytest.raises(EnergyHubConnectionError):
        await client.status(["amp"])


async def test_local_status_400_with_data(
    session: aiohttp.ClientSession, sim: GoeSimulator
) -> None:
    """CORE/PRO chargers answer 400 but still send the keys they know."""
    client = _local(session, sim)
    sim.strict_filter = True
    sim.state.pop("psm")
    assert await client.status(["amp", "psm"]) == {"amp": 16}
    assert sim.log[-1].query == {"filter": "amp,psm"}
    # a 400 without any data is an error
    with pytest.raises(EnergyHubResponseError):
        await client.status(["psm"])


async def test_charging_session(sim: GoeSimulator) -> None:
    """Plugging in charges with amp x phases, energy advances, limits and frc apply."""
    assert sim.state["nrg"][11] == 0
    sim.plug()
    assert sim.state["car"] == 2
    assert sim.state["acu"] == 16
    power = sim.state["nrg"][11]
    assert power == pytest.approx(3 * 230 * 16, rel=0.01)
    eto = sim.state["eto"]
    sim.advance(3600)
    assert sim.state["wh"] == pytest.approx(power, rel=0.001)
    assert sim.state["eto"] == pytest.approx(eto + power, abs=1)
    sim.state["dwo"] = sim.state["wh"] + 100
    sim.advance(3600)
    assert sim.state["car"] == 4
    assert sim.state["modelStatus"] == 6
    assert sim.state["nrg"][11] == 0
    sim.state["dwo"] = None
    sim.state["frc"] = 1
    sim.advance(0)
    assert sim.state["car"] == 3
    sim.unplug()
    assert sim.state["car"] == 1
    assert sim.state["frc"] == 0
    sim.state["acs"] = 1
    sim.advance(0)
    assert sim.state["modelStatus"] == 2


async def test_at_most_one_request_per_second(
    session: aiohttp.ClientSession, sim: GoeSimulator
) -> None:
    """Concurrent reads and writes reach the charger at least one second apart."""
    client = GoeClient.cloud(
        session, sim.serial, DEFAULT_TOKEN, url_template=f"{sim.url}/cloud/{{serial}}"
    )
    await asyncio.gather(client.status(["amp"]), client.set({"amp": 12}), client.status(["amp"]))
    times = [r.time for r in sim.log]
    assert len(times) == 3
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert all(gap >= 0.95 for gap in gaps), gaps


async def test_read_reports_missing_keys(session: aiohttp.ClientSession, sim: GoeSimulator) -> None:
    """``read`` tells which asked-for keys the charger did not send."""
    client = _local(session, sim)
    status = await client.read(["amp", "c0e", "cards"])
    assert status.http_status == 200
    assert status.missing == {"c0e"}
    assert status.values["amp"] == 16
    assert status.values["cards"][0] == {"name": "Alice", "energy": 52_310, "cardId": True}
    assert (await client.read()).missing == frozenset()


@pytest.mark.parametrize(
    ("profile", "present", "absent"),
    [
        ("v4-59", {"cards", "psm", "cbl"}, {"c0e", "c9n", "c3i"}),
        ("v4-60", {"c0e", "c9n", "c3i", "psm", "cbl"}, {"cards"}),
        ("pro-60", {"c0e", "c9n"}, {"cards", "psm", "cbl", "ust", "cus", "lck"}),
    ],
)
async def test_simulator_profiles(
    session: aiohttp.ClientSession,
    start_simulator: StartSimulator,
    profile: str,
    present: set[str],
    absent: set[str],
) -> None:
    """Firmware profiles: card keys renamed in 60, CORE/PRO lack keys and answer 400."""
    sim = await start_simulator(GoeSimulator(profile=profile))
    client = _local(session, sim)
    status = await client.read([*present, *absent, "amp"])
    assert status.missing == absent
    assert set(status.values) == present | {"amp"}
    strict = profile == "pro-60"
    assert status.http_status == (400 if strict else 200)
    # without the unknown keys the answer is a clean 200
    assert (await client.read([*present, "amp"])).http_status == 200
    # the whole status: 400 on CORE/PRO, still with the data
    everything = await client.read()
    assert everything.http_status == (400 if strict else 200)
    assert everything.values["fwv"] == PROFILES[profile].firmware
    # every key the simulator knows is either reported or a command
    assert set(KEYS) - set(everything.values) <= {"rst"} | PROFILES[profile].lacks


async def test_key_support_learns_and_forgets(
    session: aiohttp.ClientSession, start_simulator: StartSimulator
) -> None:
    """Missing keys are left out of the next filter; forgotten on a firmware change or later."""
    sim = await start_simulator(GoeSimulator(profile="pro-60"))
    client = _local(session, sim)
    now = [0.0]
    support = GoeKeySupport(reprobe_after=3600, clock=lambda: now[0])
    wanted = {"amp", "psm", "cbl", "fwv"}
    first = await client.read(support.keys_to_ask(wanted))
    assert first.http_status == 400
    support.learn(first)
    assert support.as_dict() == {"cbl": UNSUPPORTED_REFUSED, "psm": UNSUPPORTED_REFUSED}
    assert support.keys_to_ask(wanted) == {"amp", "fwv"}
    second = await client.read(support.keys_to_ask(wanted))
    assert second.http_status == 200
    support.learn(second)
    assert sim.log[-1].query == {"filter": "amp,fwv"}
    # a firmware update may bring the keys: ask again
    sim.state["fwv"] = "60.4"
    support.learn(await client.read(support.keys_to_ask(wanted)))
    assert support.firmware == "60.4"
    assert support.unsupported == {}
    assert support.keys_to_ask(wanted) == wanted
    # keys missing on a 200 answer (the cloud) get the other reason; re-asked after a while
    sim.strict_filter = False
    support.learn(await client.read(wanted))
    assert support.as_dict()["psm"] == UNSUPPORTED_MISSING
    now[0] = 3599
    assert "psm" not in support.keys_to_ask(wanted)
    now[0] = 3600
    assert support.keys_to_ask(wanted) == wanted
    assert support.unsupported == {}


async def test_simulator_setter_rules(session: aiohttp.ClientSession, sim: GoeSimulator) -> None:
    """Range, type and choice rules refuse; ``ama`` and ``lbr`` are clamped like the firmware."""
    client = _local(session, sim)
    await client.set(
        {"ama": 40, "lbr": 300, "fup": True, "pgt": -150.5, "sch_week": {"control": 1}}
    )
    assert sim.state["ama"] == 32
    assert sim.state["lbr"] == 255
    assert sim.state["fup"] is True
    assert sim.state["pgt"] == -150.5
    for key, value in (
        ("fup", 1),
        ("bac", 7),
        ("fst", -5),
        ("mca", 40),
        ("ct", 5),
        ("sch_week", {"control": 9}),
        ("dwo", "x"),
        ("rbc", 3),
        ("ids", {"pPv": 1.0}),
        ("ids", {"pGrid": "x"}),
    ):
        with pytest.raises(GoeRejectedError):
            await client.set({key: value})
    sim.state["var"] = 11
    await client.set({"ama": 20})
    assert sim.state["ama"] == 16
    await client.set({"rst": True, "ids": {"pGrid": -500.0}})
    assert sim.state["pgrid"] == -500.0
