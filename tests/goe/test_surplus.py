"""Solar surplus charging built in: Energy Hub sends grid/PV/battery power to the charger."""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import EVENT_HOMEASSISTANT_STOP, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import issue_registry as ir
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.energy_hub.const import DOMAIN
from custom_components.energy_hub.vendors.goe.const import (
    CONF_PV_BATTERY,
    CONF_PV_BATTERY_SIGN,
    CONF_PV_GRID,
    CONF_PV_GRID_SIGN,
    CONF_PV_INTERVAL,
    CONF_PV_PRIORITY,
    CONF_PV_PV,
    PV_REPAIR_AFTER,
    PV_SOURCE_STALE_AFTER,
)
from custom_components.energy_hub.vendors.goe.coordinator import PvSurplusConfig
from simulators.goe import GoeSimulator

from ..common import advance
from ..conftest import StartSimulator
from .conftest import local_data, setup_entry

GRID = "sensor.grid_power"
PV = "sensor.pv_power"
BATTERY = "sensor.battery_power"
VOLTS_3P = 3 * 230.0


def _power(hass: HomeAssistant, entity: str, value: float | str, unit: str = "W") -> None:
    hass.states.async_set(
        entity, str(value), {"unit_of_measurement": unit, "device_class": "power"}
    )


def _ids(sim: GoeSimulator) -> list[dict[str, float]]:
    return [ids for _, ids in sim.ids_received]


async def _pv_sim(start_simulator: StartSimulator, serial: str = "012345") -> GoeSimulator:
    """A charger in eco mode with PV surplus on, a car plugged in, on Home Assistant's clock."""
    sim = await start_simulator(
        GoeSimulator(serial=serial, clock=lambda: dt_util.utcnow().timestamp())
    )
    sim.state.update(fup=True, lmo=4)
    sim.plug()
    return sim


@pytest.fixture
async def pv_sim(start_simulator: StartSimulator) -> GoeSimulator:
    """The charger of most tests."""
    return await _pv_sim(start_simulator)


async def _setup(hass: HomeAssistant, sim: GoeSimulator, **options: Any) -> MockConfigEntry:
    return await setup_entry(
        hass, local_data(sim), serial=sim.serial, **{CONF_PV_GRID: GRID, **options}
    )


async def _run(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    seconds: int,
    *,
    grid: float | None = None,
) -> None:
    """Let ``seconds`` pass one by one; the grid meter reports ``grid`` each second."""
    for _ in range(seconds):
        if grid is not None:
            _power(hass, GRID, grid)
        await advance(hass, freezer, 1)


async def test_sends_at_the_configured_cadence(
    hass: HomeAssistant, pv_sim: GoeSimulator, freezer: FrozenDateTimeFactory
) -> None:
    """Every 5 s by default, every 2 s when configured: counted over one simulated minute."""
    _power(hass, GRID, -500)
    _power(hass, PV, 3.2, "kW")
    _power(hass, BATTERY, 400)
    entry = await _setup(hass, pv_sim, **{CONF_PV_PV: PV, CONF_PV_BATTERY: BATTERY})
    pv_sim.ids_received.clear()
    await _run(hass, freezer, 60, grid=-500)
    assert len(pv_sim.ids_received) == 12
    # units and signs: kW become W, the battery discharges at 400 W
    assert _ids(pv_sim)[-1] == {"pGrid": -500.0, "pPv": 3200.0, "pAkku": 400.0}
    assert pv_sim.state["pgrid"] == -500.0
    times = [t for t, _ in pv_sim.ids_received]
    assert {round(b - a) for a, b in itertools.pairwise(times)} == {5}

    hass.config_entries.async_update_entry(
        entry,
        options={
            **entry.options,
            CONF_PV_INTERVAL: 2,
            CONF_PV_GRID_SIGN: "export_positive",
            CONF_PV_BATTERY_SIGN: "charge_positive",
        },
    )
    await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    pv_sim.ids_received.clear()
    await _run(hass, freezer, 60, grid=-500)
    assert len(pv_sim.ids_received) == 30
    assert _ids(pv_sim)[-1] == {"pGrid": 500.0, "pPv": 3200.0, "pAkku": -400.0}


async def test_current_follows_the_surplus(
    hass: HomeAssistant, pv_sim: GoeSimulator, freezer: FrozenDateTimeFactory
) -> None:
    """The charger charges with what the grid meter says is left over."""
    house, pv = 600.0, 9000.0

    def grid() -> float:
        return house - pv + pv_sim.state["nrg"][11]

    _power(hass, GRID, grid())
    await _setup(hass, pv_sim)
    assert pv_sim.state["acu"] == 0
    for _ in range(6):
        await _run(hass, freezer, 5, grid=grid())
    assert pv_sim.state["acu"] == int((pv - house) // VOLTS_3P) == 12
    assert pv_sim.state["modelStatus"] == 12
    assert grid() <= 0
    pv = 6000.0
    for _ in range(4):
        await _run(hass, freezer, 5, grid=grid())
    assert pv_sim.state["acu"] == 7
    state = hass.states.get("sensor.go_echarger_012345_charging_power")
    assert state is not None


async def test_stops_when_the_mode_changes(
    hass: HomeAssistant, pv_sim: GoeSimulator, freezer: FrozenDateTimeFactory
) -> None:
    """Sends stop from the poll that sees PV surplus off (or another logic mode) on."""
    _power(hass, GRID, -2000)
    await _setup(hass, pv_sim)
    await _run(hass, freezer, 10, grid=-2000)
    assert pv_sim.ids_received
    pv_sim.state["fup"] = False
    await _run(hass, freezer, 10, grid=-2000)  # the next poll (10 s) sees it
    pv_sim.ids_received.clear()
    await _run(hass, freezer, 30, grid=-2000)
    assert pv_sim.ids_received == []
    # the charger forgot the data it had
    assert pv_sim.state["pgrid"] is None

    pv_sim.state.update(fup=True, lmo=3)
    await _run(hass, freezer, 30, grid=-2000)
    assert pv_sim.ids_received == []
    pv_sim.state["lmo"] = 4
    await _run(hass, freezer, 20, grid=-2000)
    assert len(pv_sim.ids_received) >= 2


async def test_unavailable_or_stale_entity(
    hass: HomeAssistant,
    pv_sim: GoeSimulator,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Nothing is sent while an entity is unavailable or stale; a repair names it."""
    issues = ir.async_get(hass)
    _power(hass, GRID, -2000)
    _power(hass, PV, 2500)
    entry = await _setup(hass, pv_sim, **{CONF_PV_PV: PV})
    issue_id = f"goe_pv_source_{entry.entry_id}"
    await _run(hass, freezer, 10, grid=-2000)
    assert pv_sim.ids_received

    _power(hass, PV, STATE_UNAVAILABLE)
    pv_sim.ids_received.clear()
    await _run(hass, freezer, PV_REPAIR_AFTER + 10, grid=-2000)
    assert pv_sim.ids_received == []
    issue = issues.async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.translation_key == "goe_pv_source_unavailable"
    assert issue.translation_placeholders == {
        "entity": PV,
        "name": entry.title,
        "seconds": str(PV_SOURCE_STALE_AFTER),
    }
    assert caplog.text.count(f"{PV} is unavailable") == 1

    # back: sending resumes, the repair goes
    _power(hass, PV, 2500)
    await _run(hass, freezer, 10, grid=-2000)
    assert pv_sim.ids_received
    assert issues.async_get_issue(DOMAIN, issue_id) is None

    # stale: the PV sensor stops reporting while the grid meter goes on
    pv_sim.ids_received.clear()
    await _run(hass, freezer, PV_SOURCE_STALE_AFTER + PV_REPAIR_AFTER + 10, grid=-2000)
    issue = issues.async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.translation_key == "goe_pv_source_stale"
    sent = len(pv_sim.ids_received)
    assert 0 < sent <= PV_SOURCE_STALE_AFTER // 5 + 1
    await _run(hass, freezer, 10, grid=-2000)
    assert len(pv_sim.ids_received) == sent

    # a short outage stops the sends at once but raises no repair
    _power(hass, PV, 2500)
    await _run(hass, freezer, 10, grid=-2000)
    assert issues.async_get_issue(DOMAIN, issue_id) is None
    _power(hass, GRID, "unknown")
    pv_sim.ids_received.clear()
    await _run(hass, freezer, 10)
    assert pv_sim.ids_received == []
    assert issues.async_get_issue(DOMAIN, issue_id) is None
    _power(hass, GRID, "lots")
    await _run(hass, freezer, 10)
    assert pv_sim.ids_received == []
    # not a power: a unit that is not one
    _power(hass, GRID, -100, "kWh")
    await _run(hass, freezer, 10)
    assert pv_sim.ids_received == []

    # unloading removes the repair
    _power(hass, PV, STATE_UNAVAILABLE)
    await _run(hass, freezer, PV_REPAIR_AFTER + 10)
    assert issues.async_get_issue(DOMAIN, issue_id) is not None
    await hass.config_entries.async_unload(entry.entry_id)
    assert issues.async_get_issue(DOMAIN, issue_id) is None


async def test_stops_on_unload_and_when_home_assistant_stops(
    hass: HomeAssistant, pv_sim: GoeSimulator, freezer: FrozenDateTimeFactory
) -> None:
    """No send after the entry unloads, and none after Home Assistant stops."""
    _power(hass, GRID, -2000)
    entry = await _setup(hass, pv_sim)
    await _run(hass, freezer, 10, grid=-2000)
    assert pv_sim.ids_received
    await hass.config_entries.async_unload(entry.entry_id)
    assert entry.state is ConfigEntryState.NOT_LOADED
    pv_sim.ids_received.clear()
    await _run(hass, freezer, 30, grid=-2000)
    assert pv_sim.ids_received == []

    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    await _run(hass, freezer, 10, grid=-2000)
    assert pv_sim.ids_received
    hass.bus.async_fire(EVENT_HOMEASSISTANT_STOP)
    await hass.async_block_till_done()
    pv_sim.ids_received.clear()
    await _run(hass, freezer, 30, grid=-2000)
    assert pv_sim.ids_received == []


async def test_failed_send_is_retried_and_logged_once(
    hass: HomeAssistant,
    pv_sim: GoeSimulator,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A refused send is tried again on the next tick; failing and recovery log once each."""
    caplog.set_level(logging.INFO)
    _power(hass, GRID, -2000)
    await _setup(hass, pv_sim)
    pv_sim.faults.status = 500
    pv_sim.faults.paths = ("/api/set",)
    await _run(hass, freezer, 30, grid=-2000)
    attempts = [r for r in pv_sim.log if r.path == "/api/set"]
    assert len(attempts) == 6
    assert caplog.text.count("Sending PV surplus data to go-eCharger 012345 failed") == 1
    # the poll is not affected
    state = hass.states.get("sensor.go_echarger_012345_car_state")
    assert state is not None
    assert state.state != STATE_UNAVAILABLE
    pv_sim.faults.reset()
    await _run(hass, freezer, 30, grid=-2000)
    assert len(pv_sim.ids_received) == 6
    assert caplog.text.count("works again") == 1


async def test_two_chargers_share_one_surplus(
    hass: HomeAssistant, start_simulator: StartSimulator, freezer: FrozenDateTimeFactory
) -> None:
    """The charger with priority 1 is told the grid minus what the other draws."""
    first = await _pv_sim(start_simulator, "000001")
    second = await _pv_sim(start_simulator, "000002")
    house, pv = 800.0, 17_000.0

    def grid() -> float:
        return house - pv + first.state["nrg"][11] + second.state["nrg"][11]

    _power(hass, GRID, grid())
    # the second charger is set up first and given the lower priority
    await _setup(hass, second, **{CONF_PV_PRIORITY: 2})
    await _setup(hass, first, **{CONF_PV_PRIORITY: 1})
    for _ in range(8):
        await _run(hass, freezer, 5, grid=grid())
    # the first takes all it can, the second the rest; nothing is imported
    assert first.state["acu"] == 16
    assert second.state["acu"] == int((pv - house - first.state["nrg"][11]) // VOLTS_3P) == 7
    assert grid() <= 0
    # what each was told at the last send
    measured = grid()
    await _run(hass, freezer, 5, grid=measured)
    assert _ids(second)[-1]["pGrid"] == pytest.approx(measured, abs=0.1)
    assert _ids(first)[-1]["pGrid"] == pytest.approx(measured - second.state["nrg"][11], abs=0.1)

    # less sun: the second backs off, the first keeps charging at full current
    pv = 13_000.0
    for _ in range(8):
        await _run(hass, freezer, 5, grid=grid())
    assert first.state["acu"] == 16
    assert second.state["acu"] == 0
    assert grid() <= 0

    # a charger not following the surplus is house load, not a sharer
    second.state["fup"] = False
    await _run(hass, freezer, 10, grid=grid())
    measured = grid()
    await _run(hass, freezer, 5, grid=measured)
    assert _ids(first)[-1]["pGrid"] == pytest.approx(measured, abs=0.1)


async def test_options_step(hass: HomeAssistant, pv_sim: GoeSimulator) -> None:
    """The options menu has the surplus step; its choices are stored and can be cleared."""
    _power(hass, GRID, -100)
    _power(hass, PV, 100)
    entry = await setup_entry(hass, local_data(pv_sim))
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["type"] is FlowResultType.MENU
    assert "goe_pv_surplus" in result["menu_options"]
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": "goe_pv_surplus"}
    )
    assert result["type"] is FlowResultType.FORM
    # PV without a grid entity
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {
            CONF_PV_PV: PV,
            CONF_PV_GRID_SIGN: "import_positive",
            CONF_PV_BATTERY_SIGN: "discharge_positive",
            CONF_PV_INTERVAL: 5,
            CONF_PV_PRIORITY: 1,
        },
    )
    assert result["errors"] == {CONF_PV_GRID: "goe_pv_grid_required"}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {
            CONF_PV_GRID: GRID,
            CONF_PV_PV: GRID,
            CONF_PV_GRID_SIGN: "import_positive",
            CONF_PV_BATTERY_SIGN: "discharge_positive",
            CONF_PV_INTERVAL: 5,
            CONF_PV_PRIORITY: 1,
        },
    )
    assert result["errors"] == {"base": "goe_pv_same_entity"}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {
            CONF_PV_GRID: GRID,
            CONF_PV_PV: PV,
            CONF_PV_GRID_SIGN: "export_positive",
            CONF_PV_BATTERY_SIGN: "discharge_positive",
            CONF_PV_INTERVAL: 3,
            CONF_PV_PRIORITY: 2,
        },
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert entry.options[CONF_PV_GRID] == GRID
    assert entry.options[CONF_PV_PV] == PV
    assert entry.options[CONF_PV_INTERVAL] == 3
    assert entry.options[CONF_PV_PRIORITY] == 2
    assert entry.state is ConfigEntryState.LOADED

    # cleared: off again (the other options are kept)
    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": "goe_pv_surplus"}
    )
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {
            CONF_PV_GRID_SIGN: "import_positive",
            CONF_PV_BATTERY_SIGN: "discharge_positive",
            CONF_PV_INTERVAL: 5,
            CONF_PV_PRIORITY: 1,
        },
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert CONF_PV_GRID not in entry.options
    assert CONF_PV_PV not in entry.options


async def test_send_in_flight_and_diagnostics(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    pv_sim: GoeSimulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A slow send is not stacked up by the next tick; unloading drops it; diagnostics show it."""
    _power(hass, GRID, -1500)
    entry = await _setup(hass, pv_sim)
    await _run(hass, freezer, 10, grid=-1500)
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    pv = diagnostics["device"]["pv_surplus"]
    assert pv["grid"] == GRID
    assert pv["following"] is True
    assert pv["sent"] == 2
    assert pv["last_ids"] == {"pGrid": -1500.0}

    # the charger answers late
    pv_sim.hold_sets = asyncio.Event()
    sender = entry.runtime_data.coordinator.pv_sender
    assert sender is not None
    sent = sender.sent
    sets = len(pv_sim.requests("/api/set"))
    freezer.tick(5)
    async_fire_time_changed(hass)
    await hass.async_add_executor_job(time.sleep, 0.2)  # the send reaches the simulator
    assert len(pv_sim.requests("/api/set")) == sets + 1
    freezer.tick(5)  # the next tick finds the send still on its way and leaves it
    async_fire_time_changed(hass)
    await hass.async_add_executor_job(time.sleep, 0.2)
    assert len(pv_sim.requests("/api/set")) == sets + 1
    pv_sim.hold_sets.set()
    await hass.async_block_till_done(wait_background_tasks=True)
    assert sender.sent == sent + 1

    # unloading while a send is under way cancels it
    pv_sim.hold_sets = asyncio.Event()
    freezer.tick(5)
    async_fire_time_changed(hass)
    await hass.async_add_executor_job(time.sleep, 0.2)
    task = sender._task
    assert task is not None
    assert not task.done()
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    assert task.cancelled()
    assert sender.sent == sent + 1
    pv_sim.hold_sets.set()


def test_config_from_options() -> None:
    """Options become the sender's configuration; nonsense falls back to the defaults."""
    assert PvSurplusConfig.from_options({}) is None
    assert PvSurplusConfig.from_options({CONF_PV_PV: PV}) is None
    config = PvSurplusConfig.from_options(
        {CONF_PV_GRID: GRID, CONF_PV_INTERVAL: "x", CONF_PV_PRIORITY: 99, CONF_PV_BATTERY: ""}
    )
    assert config is not None
    assert config.interval == 5
    assert config.priority == 10
    assert config.battery is None
    assert config.entities == (GRID,)
    assert config.grid_sign == "import_positive"
