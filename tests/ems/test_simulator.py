"""The EMS simulator follows the API document: every path, filter and error status."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from custom_components.energy_hub.api.ems import EmsClient, EmsNotFoundError
from custom_components.energy_hub.api.errors import EnergyHubRequestError
from simulators import VENDORS, load
from simulators.ems import HISTORY_STEP, EmsSimulator

from ..conftest import StartSimulator


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as sess:
        yield sess


@pytest.fixture
async def sim(start_simulator: StartSimulator) -> EmsSimulator:
    return await start_simulator(EmsSimulator(token_lifetime=120))


async def test_registered_and_described() -> None:
    assert "ems" in VENDORS
    assert load("ems") is EmsSimulator
    sim = EmsSimulator(username="u", password="p", token="ignored")
    assert sim.describe() == {
        "username": "u",
        "password": "p",
        "serial": "BX10000000",
        "devices": 6,
        "signals": 258,
    }


async def test_auth(sim: EmsSimulator, session: aiohttp.ClientSession) -> None:
    async with session.get(f"{sim.url}/ver") as resp:
        assert resp.status == 200
        assert await resp.json() == {"api_ver": 1}
    async with session.get(f"{sim.url}/v1/devices") as resp:
        assert resp.status == 401
    async with session.post(f"{sim.url}/v1/auth/login", data="not json") as resp:
        assert resp.status == 400
    async with session.post(f"{sim.url}/v1/auth/login", json=["admin"]) as resp:
        assert resp.status == 400
    async with session.post(
        f"{sim.url}/v1/auth/login", json={"username": "admin", "password": "s3cret!"}
    ) as resp:
        token = (await resp.json())["token"]
    # the configured lifetime
    claims = sim.tokens.check(token)
    assert claims is not None
    assert claims["exp"] - claims["iat"] == 120
    async with session.get(
        f"{sim.url}/v1/devices", headers={"Authorization": f"Bearer {token}"}
    ) as resp:
        assert resp.status == 200


async def test_paths_filters_and_errors(sim: EmsSimulator, session: aiohttp.ClientSession) -> None:
    client = EmsClient(session, sim.url, "admin", "s3cret!")
    assert await client.get("/v1/devices/1") == {
        "uid": 1,
        "label": "Main meter",
        "partNumber": "EMS10AV5S1X",
        "system": "3P",
    }
    load_2 = await client.get("/v1/loads/2")
    assert load_2["did"] == 1
    assert load_2["meterBus"]["main"] is True
    loads_of_1 = await client.get("/v1/devices/1/loads")
    assert list(loads_of_1["loads"]) == ["2"]
    signals_of_1 = (await client.get("/v1/devices/1/signals"))["signals"]
    signals_of_2 = (await client.get("/v1/loads/2/signals"))["signals"]
    assert signals_of_1 == signals_of_2
    assert len(signals_of_1) == 22
    first = min(int(uid) for uid in signals_of_1)
    assert await client.get(f"/v1/signals/{first}") == sim.signals[first]
    sample = await client.get(f"/v1/signals/{first}/realtime")
    assert set(sample) == {"uid", "si", "v", "t", "s", "r"}
    assert len((await client.get("/v1/devices/1/signals/realtime"))["realtime"]) == 22
    assert len((await client.get("/v1/loads/2/signals/realtime"))["realtime"]) == 22
    last = await client.get(f"/v1/signals/{first}/history/last")
    assert set(last) == {"uid", "t", "p", "v", "d", "max", "min"}
    assert len((await client.get("/v1/signals/history/last"))["history"]) == 258
    assert len((await client.get("/v1/devices/1/signals/history/last"))["history"]) == 22
    assert len((await client.get("/v1/loads/2/signals/history/last"))["history"]) == 22
    assert len((await client.get("/v1/loads/2/signals/history"))["history"]) == 22
    p1 = await client.get("/v1/devices", {"protocol": "P1"})
    assert [d["label"] for d in p1["devices"].values()] == ["Utility meter"]
    page_2 = await client.get("/v1/signals", {"limit": "100", "page": "2"})
    assert len(page_2["signals"]) == 100

    # 404 for unknown UIDs, 400 for bad parameters
    for path in (
        "/v1/devices/4242",
        "/v1/loads/4242",
        "/v1/signals/4242",
        "/v1/signals/4242/realtime",
        "/v1/signals/4242/history/last",
        "/v1/devices/4242/loads",
        "/v1/devices/4242/signals",
        "/v1/loads/4242/signals/realtime",
    ):
        with pytest.raises(EmsNotFoundError):
            await client.get(path)
    for params in ({"limit": "0"}, {"limit": "1001"}, {"page": "x"}, {"uids": "1,a"}):
        with pytest.raises(EnergyHubRequestError) as err:
            await client.get("/v1/signals", params)
        assert err.value.status == 400
    # a sample the test removed
    sim.set_sample(first)
    with pytest.raises(EmsNotFoundError):
        await client.get(f"/v1/signals/{first}/realtime")


async def test_set_enabled_signal_count() -> None:
    sim = EmsSimulator(total_signals=300)
    assert len(sim.enabled_signals()) == 300
    sim.set_enabled_signal_count(250)
    assert len(sim.enabled_signals()) == 250
    sim.set_enabled_signal_count(2500)
    assert len(sim.enabled_signals()) == 2500


async def test_page_clock_and_value_switches(
    sim: EmsSimulator, session: aiohttp.ClientSession
) -> None:
    """Short and empty realtime pages, a standing clock and a value offset."""
    client = EmsClient(session, sim.url, "admin", "s3cret!")
    enabled = sim.enabled_signals()

    async def page(number: int) -> dict[str, dict[str, object]]:
        body = await client.get("/v1/signals/realtime", {"limit": "100", "page": str(number)})
        return body["realtime"]  # type: ignore[no-any-return]

    assert len(await page(1)) == 100
    sim.short_pages = {1}
    first = await page(1)
    assert len(first) == 99
    assert str(enabled[0]) not in first
    sim.empty_pages = {2}
    assert await page(2) == {}
    assert len(await page(3)) == len(enabled) - 200
    sim.short_pages = set()
    sim.empty_pages = set()
    sim.frozen_time = 1_767_225_600.0
    before = await page(1)
    assert await page(1) == before
    assert {sample["t"] for sample in before.values()} == {1_767_225_600_000}
    sim.value_offset = 1.5
    after = await page(1)
    assert all(
        after[uid]["v"] == pytest.approx(before[uid]["v"] + 1.5)  # type: ignore[operator]
        for uid in before
    )
    # its own table: code 29 is a voltage, code 10 an energy counter
    assert EmsSimulator.is_counter(10)
    assert not EmsSimulator.is_counter(29)
    assert 225 < EmsSimulator.value(100, 29, 1_767_225_600.0) < 235


async def test_history_depth_resets_and_gaps(
    start_simulator: StartSimulator, session: aiohttp.ClientSession
) -> None:
    """History as deep as set; a counter reset and a database gap spoil it as on a gateway."""
    sim = await start_simulator(EmsSimulator(history_keep=30 * 86400))
    sim.frozen_time = now = float(HISTORY_STEP * 2_000_000)
    client = EmsClient(session, sim.url, "admin", "s3cret!")
    uid = next(u for u, s in sorted(sim.signals.items()) if s["si"] == 40)
    rows = await client.history(uid, int((now - 30 * 86400) * 1000), int(now * 1000), limit=5000)
    assert len(rows) == 30 * 96 + 1
    assert rows[0].period == now - 30 * 86400
    assert rows[-1].period == now
    # a reset: realtime and history start again from 0 at the same time
    sim.counter_resets[uid] = now - 3600
    sim.history_gaps.append((now - 7200, now - 5400))
    rows = await client.history(uid, int((now - 3 * 3600) * 1000), int(now * 1000))
    times = [row.period for row in rows]
    assert now - 7200 not in times
    assert now - 6300 not in times
    assert now - 5400 in times
    by_time = {row.period: row.value for row in rows}
    assert by_time[now - 3600] == 0
    assert by_time[now - 3600 - HISTORY_STEP] > 1000  # type: ignore[operator]
    realtime = await client.realtime([uid])
    assert realtime[uid].value == by_time[now]
    assert 0 < by_time[now] < 10  # type: ignore[operator]
