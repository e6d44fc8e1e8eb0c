"""PV surplus without Home Assistant: the simulator's ids logic, the send, the pacing, sharing."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
import itertools

import aiohttp
import pytest

from custom_components.energy_hub.api.goe import (
    GoeClient,
    GoeRejectedError,
    RateLimiter,
    pv_surplus_ids,
)
from custom_components.energy_hub.api.goe_surplus import (
    BATTERY_CHARGE_POSITIVE,
    BATTERY_DISCHARGE_POSITIVE,
    GRID_EXPORT_POSITIVE,
    GRID_IMPORT_POSITIVE,
    ChargerDraw,
    battery_discharge,
    charging_order,
    grid_import,
    shared_grid_power,
)
from simulators.goe import IDS_TIMEOUT, GoeSimulator

from ..conftest import StartSimulator

VOLTS_3P = 3 * 230.0


class Clock:
    """A clock tests move by hand."""

    def __init__(self) -> None:
        """Start at an arbitrary time."""
        self.now = 1_000_000.0

    def __call__(self) -> float:
        """The time now."""
        return self.now


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    """A plain aiohttp session."""
    async with aiohttp.ClientSession() as sess:
        yield sess


@pytest.fixture
def clock() -> Clock:
    """The simulators' clock."""
    return Clock()


@pytest.fixture
async def pv_sim(start_simulator: StartSimulator, clock: Clock) -> GoeSimulator:
    """A charger in eco mode with PV surplus on and a car plugged in."""
    sim = await start_simulator(GoeSimulator(clock=clock))
    sim.state.update(fup=True, lmo=4)
    sim.plug()
    return sim


def _local(session: aiohttp.ClientSession, sim: GoeSimulator) -> GoeClient:
    client = GoeClient.local(session, sim.url)
    client.limiter = RateLimiter(0)
    return client


# -- pure functions ----------------------------------------------------------------------


def test_sign_conventions_and_ids() -> None:
    """Readings are turned to the charger's signs; ids carry only what is known."""
    assert grid_import(-1500.0, GRID_IMPORT_POSITIVE) == -1500.0
    assert grid_import(-1500.0, GRID_EXPORT_POSITIVE) == 1500.0
    assert battery_discharge(300.0, BATTERY_DISCHARGE_POSITIVE) == 300.0
    assert battery_discharge(300.0, BATTERY_CHARGE_POSITIVE) == -300.0
    assert pv_surplus_ids(-1234.56) == {"pGrid": -1234.6}
    assert pv_surplus_ids(10, 2000, -500) == {"pGrid": 10.0, "pPv": 2000.0, "pAkku": -500.0}
    assert pv_surplus_ids(0, battery=1.04) == {"pGrid": 0.0, "pAkku": 1.0}


def test_shared_grid_power_by_priority() -> None:
    """Each charger is told the grid minus what the chargers after it draw."""
    a = ChargerDraw("a", priority=1, serial="000002", power=4000.0)
    b = ChargerDraw("b", priority=2, serial="000001", power=2500.0)
    c = ChargerDraw("c", priority=2, serial="000003", power=1000.0)
    chargers = [c, b, a]
    assert [x.key for x in charging_order(chargers)] == ["a", "b", "c"]
    grid = -300.0
    assert shared_grid_power(grid, "a", chargers) == grid - 2500.0 - 1000.0
    assert shared_grid_power(grid, "b", chargers) == grid - 1000.0
    assert shared_grid_power(grid, "c", chargers) == grid
    # alone, or not taking part: the measured value
    assert shared_grid_power(grid, "a", [a]) == grid
    assert shared_grid_power(grid, "x", chargers) == grid
    # a negative reading (noise) never adds surplus
    d = ChargerDraw("d", priority=9, serial="000009", power=-50.0)
    assert shared_grid_power(grid, "c", [*chargers, d]) == grid


# -- the simulator keeps ids and follows them ----------------------------------------------


async def test_simulator_keeps_ids_with_time_and_forgets_them(
    session: aiohttp.ClientSession, pv_sim: GoeSimulator, clock: Clock
) -> None:
    """ids show as pgrid/ppv/pakku with their arrival time and are forgotten after the timeout."""
    client = _local(session, pv_sim)
    await client.send_pv_data(-5000.0, 6000.0, -200.0)
    assert pv_sim.ids == {"pGrid": -5000.0, "pPv": 6000.0, "pAkku": -200.0}
    assert pv_sim.ids_time == clock.now
    assert pv_sim.ids_received == [(clock.now, pv_sim.ids)]
    (req,) = pv_sim.requests("/api/set")
    assert req.query == {"ids": '{"pGrid":-5000.0,"pPv":6000.0,"pAkku":-200.0}'}
    status = await client.status(["pgrid", "ppv", "pakku", "acu", "modelStatus"])
    assert status == {"pgrid": -5000.0, "ppv": 6000.0, "pakku": -200.0, "acu": 7, "modelStatus": 12}

    clock.now += IDS_TIMEOUT
    assert (await client.status(["pgrid"]))["pgrid"] == -5000.0
    clock.now += 0.5
    status = await client.status(["pgrid", "ppv", "pakku", "acu", "modelStatus", "car"])
    assert status == {
        "pgrid": None,
        "ppv": None,
        "pakku": None,
        "acu": 0,
        "modelStatus": 17,
        "car": 3,
    }
    assert pv_sim.ids is None

    # pGrid is required, values must be numbers
    with pytest.raises(GoeRejectedError):
        await client.set({"ids": {"pPv": 100}})
    with pytest.raises(GoeRejectedError):
        await client.set({"ids": {"pGrid": "x"}})


async def test_simulator_current_follows_surplus(
    session: aiohttp.ClientSession, pv_sim: GoeSimulator, clock: Clock
) -> None:
    """The current is what the surplus allows above pgt, between mca and amp; below it pauses."""
    client = _local(session, pv_sim)
    assert pv_sim.state["acu"] == 0  # eco mode without data: no PV charging
    assert pv_sim.state["modelStatus"] == 17

    await client.send_pv_data(-8000.0)
    assert pv_sim.state["acu"] == 11  # 8000 W / (3 x 230 V)
    assert pv_sim.state["modelStatus"] == 12
    own = pv_sim.state["nrg"][11]
    assert own == pytest.approx(11 * VOLTS_3P, rel=0.01)

    # the grid now shows the car's draw: 8000 W of surplus minus what it takes
    clock.now += 5
    await client.send_pv_data(-8000.0 + own)
    assert pv_sim.state["acu"] == 11  # steady

    # a cloud: less surplus, the current goes down
    clock.now += 5
    await client.send_pv_data(-6000.0 + own)
    assert pv_sim.state["acu"] == 8

    # a grid target keeps 1 kW of export
    pv_sim.state["pgt"] = -1000.0
    own = pv_sim.state["nrg"][11]
    await client.send_pv_data(-6000.0 + own)
    assert pv_sim.state["acu"] == 7

    # too little for the minimum current: pause
    own = pv_sim.state["nrg"][11]
    await client.send_pv_data(-4000.0 + own)
    assert pv_sim.state["acu"] == 0
    assert pv_sim.state["car"] == 3
    assert pv_sim.state["modelStatus"] == 17

    # never above amp
    pv_sim.state["pgt"] = 0.0
    await client.set({"amp": 10})
    await client.send_pv_data(-20000.0)
    assert pv_sim.state["acu"] == 10

    # one phase: current per phase (2000 W left over besides what the car draws now)
    pv_sim.state["psm"] = 1
    await client.send_pv_data(pv_sim.state["nrg"][11] - 2000.0)
    assert pv_sim.state["acu"] == 8

    # not in a PV mode: the data is kept but does not steer
    await client.set({"fup": False})
    assert pv_sim.state["acu"] == 10
    assert pv_sim.state["modelStatus"] == 15
    assert pv_sim.state["pgrid"] is not None
    with pytest.raises(GoeRejectedError):
        await client.set({"fup": 1, "pgt": "x", "mca": 3})


# -- pacing: background sends never queue ahead of a poll ---------------------------------


async def test_background_waits_for_foreground() -> None:
    """A background request waits while a foreground one waits or runs; then it goes."""
    limiter = RateLimiter(0)
    order: list[str] = []
    release = asyncio.Event()

    async def foreground(name: str, hold: bool = False) -> None:
        async with limiter:
            order.append(name)
            if hold:
                await release.wait()

    async def background(name: str) -> None:
        async with limiter.background():
            order.append(name)

    first = asyncio.create_task(foreground("poll1", hold=True))
    await asyncio.sleep(0)
    bg = asyncio.create_task(background("ids"))
    await asyncio.sleep(0)
    second = asyncio.create_task(foreground("poll2"))
    await asyncio.sleep(0)
    assert order == ["poll1"]
    release.set()
    await asyncio.gather(first, bg, second)
    assert order == ["poll1", "poll2", "ids"]

    # two background requests run one after the other
    await asyncio.gather(background("a"), background("b"))
    assert order[-2:] == ["a", "b"]

    # a background request already waiting for the lock still lets a later poll go first
    order.clear()
    release.clear()

    async def background_holding(name: str) -> None:
        async with limiter.background():
            order.append(name)
            await release.wait()

    first_bg = asyncio.create_task(background_holding("bg1"))
    await asyncio.sleep(0)
    second_bg = asyncio.create_task(background("bg2"))
    await asyncio.sleep(0)
    poll = asyncio.create_task(foreground("poll"))
    await asyncio.sleep(0)
    release.set()
    await asyncio.gather(first_bg, second_bg, poll)
    assert order == ["bg1", "poll", "bg2"]


async def test_cancelled_waiters_leave_the_limiter_usable() -> None:
    """A poll cancelled while waiting (for the lock or the spacing) blocks nobody after it."""
    limiter = RateLimiter(0.05)
    release = asyncio.Event()

    async def hold() -> None:
        async with limiter:
            await release.wait()

    holder = asyncio.create_task(hold())
    await asyncio.sleep(0)
    waiting = asyncio.create_task(limiter.__aenter__())
    await asyncio.sleep(0)
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    release.set()
    await holder
    # now the spacing: cancelled while sleeping it out
    spacing = asyncio.create_task(limiter.__aenter__())
    await asyncio.sleep(0.01)
    spacing.cancel()
    with pytest.raises(asyncio.CancelledError):
        await spacing
    # nothing is left waiting or locked: a background request goes through
    done = False
    async with limiter.background():
        done = True
    assert done


async def test_background_keeps_the_spacing(
    session: aiohttp.ClientSession, pv_sim: GoeSimulator
) -> None:
    """Background sends are spaced like every other request, after a poll waiting with them."""
    client = GoeClient.local(session, pv_sim.url)
    client.limiter = RateLimiter(0.2)
    # the second send was queued before the poll, yet the poll goes first
    await asyncio.gather(
        client.send_pv_data(-100.0), client.send_pv_data(-200.0), client.status(["amp"])
    )
    log = pv_sim.log
    assert [r.path for r in log] == ["/api/set", "/api/status", "/api/set"]
    gaps = [b.time - a.time for a, b in itertools.pairwise(log)]
    assert all(gap >= 0.18 for gap in gaps), gaps


# -- two chargers on one grid connection, closed loop --------------------------------------


async def test_two_chargers_share_one_surplus(
    session: aiohttp.ClientSession, start_simulator: StartSimulator, clock: Clock
) -> None:
    """Told by priority, two chargers settle without importing and the first one is served."""
    first = await start_simulator(GoeSimulator(serial="000001", clock=clock))
    second = await start_simulator(GoeSimulator(serial="000002", clock=clock))
    sims = {"first": first, "second": second}
    for sim in sims.values():
        sim.state.update(fup=True, lmo=4)
        sim.plug()
    clients = {key: _local(session, sim) for key, sim in sims.items()}
    priority = {"first": 1, "second": 2}
    house, pv = 800.0, 17_000.0  # 16.2 kW of surplus

    def grid() -> float:
        return house - pv + sum(sim.state["nrg"][11] for sim in sims.values())

    def draws() -> list[ChargerDraw]:
        return [
            ChargerDraw(key, priority[key], sim.serial, sim.state["nrg"][11])
            for key, sim in sims.items()
        ]

    for _ in range(6):
        clock.now += 5
        for key in sims:
            await clients[key].send_pv_data(shared_grid_power(grid(), key, draws()))
    # the first charger takes what it can (16 A), the second what is left, no import
    assert first.state["acu"] == 16
    assert second.state["acu"] == int((pv - house - first.state["nrg"][11]) // VOLTS_3P) == 7
    assert grid() <= 0

    # less sun: the second backs off first, the first keeps its share
    pv = 13_000.0
    for _ in range(4):
        clock.now += 5
        for key in sims:
            await clients[key].send_pv_data(shared_grid_power(grid(), key, draws()))
    assert first.state["acu"] == 16
    assert second.state["acu"] == 0
    assert grid() <= 0

    # from a standstill both may start on the same send; the second backs off on the next
    # one and from then on nothing is imported
    async def run(sends: int, *, shared: bool) -> list[float]:
        grids = []
        for _ in range(sends):
            clock.now += 5
            measured = grid()
            for key in sims:
                told = shared_grid_power(measured, key, draws()) if shared else measured
                await clients[key].send_pv_data(told)
            grids.append(grid())
        return grids

    async def standstill() -> None:
        for client in clients.values():
            await client.send_pv_data(50_000.0)
        assert first.state["acu"] == second.state["acu"] == 0

    await standstill()
    pv = house + 8000.0
    grids = await run(6, shared=True)
    assert all(g <= 0 for g in grids[1:]), grids
    assert first.state["acu"] == 11
    assert second.state["acu"] == 0

    # told the plain grid power, both chase the same surplus: they keep swinging and importing
    await standstill()
    grids = await run(6, shared=False)
    assert sum(g > 0 for g in grids) >= 3, grids
