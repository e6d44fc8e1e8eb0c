"""Meanings through Home Assistant: never silently wrong, correctable, calm in the logbook.

The simulator has its own signal table (``simulators.ems.MEANINGS``): code 29 is a voltage
as in the API document, but codes 10, 33 and 44 mean something else than Energy Hub's table
assumes. These tests show that no sensor gets a unit its values contradict, that the
diagnostics say why, and that the user can correct a code in the options.
"""

from __future__ import annotations

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE, STATE_UNKNOWN
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.energy_hub.api.ems_signals import STRIKES
from simulators.ems import MEANINGS, EmsSimulator

from ..common import advance
from ..conftest import StartSimulator
from .common import setup_entry, signal_entity

#: Units a sensor may show for each kind of value the simulator produces.
PLAUSIBLE_UNITS: dict[str, set[str | None]] = {
    "voltage": {"V"},
    "current": {"A"},
    "power": {"W", "var", "VA"},
    "signed_power": {"W", "var"},
    "power_factor_percent": {"%"},
    "frequency": {"Hz"},
    "counter": {"kWh", "kvarh", "m³", "h"},
    "temperature": {"°C"},
}


@pytest.fixture
async def sim(start_simulator: StartSimulator) -> EmsSimulator:
    return await start_simulator(EmsSimulator())


def _uids(sim: EmsSimulator, si: int) -> list[int]:
    return sorted(uid for uid, s in sim.signals.items() if s["si"] == si and s["enable"])


def _state(hass: HomeAssistant, uid: int):
    entity_id = signal_entity(hass, uid)
    assert entity_id is not None
    state = hass.states.get(entity_id)
    assert state is not None
    return state


async def test_a_gateway_whose_codes_differ_gets_no_implausible_unit(
    hass: HomeAssistant, sim: EmsSimulator, hass_client: ClientSessionGenerator
) -> None:
    entry = await setup_entry(hass, sim, enable_all=True)
    checked = 0
    for uid, signal in sim.signals.items():
        if not signal["enable"]:
            continue
        state = _state(hass, uid)
        unit = state.attributes.get("unit_of_measurement")
        kind = MEANINGS[signal["si"]][0]
        if unit is not None:
            assert unit in PLAUSIBLE_UNITS[kind], (signal["si"], unit, kind)
            checked += 1
        elif state.attributes.get("device_class") == "power_factor":
            pytest.fail(f"code {signal['si']}: a power factor in per cent shown without %")
    assert checked > 200
    # the codes whose meaning the values contradict are plain numbers
    for si in (10, 33, 44):
        for uid in _uids(sim, si):
            state = _state(hass, uid)
            assert "unit_of_measurement" not in state.attributes
            assert "device_class" not in state.attributes
            assert state.attributes["state_class"] == "measurement"
            assert entry.runtime_data.coordinator.book.meaning(si).source == "none"
            assert state.state not in (STATE_UNKNOWN, STATE_UNAVAILABLE)
    # code 4 is a power factor in per cent on this gateway
    assert _state(hass, _uids(sim, 4)[0]).attributes["unit_of_measurement"] == "%"

    # the diagnostics list the rejected meanings: code, assumed meaning, samples, why
    diag = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    rejected = {r["si"]: r for r in diag["device"]["rejected_meanings"]}
    assert set(rejected) == {10, 33, 44}
    assert rejected[10]["assumed"] == "current_a"
    assert rejected[10]["reason"] == "out_of_range"
    assert rejected[10]["source"] == "assumed"
    assert all(value > 630 for value in rejected[10]["samples"])
    assert rejected[10]["signals"]
    assert rejected[33]["assumed"] == "voltage_v"
    assert rejected[44]["reason"] == "counter_negative"
    sensors = {s["uid"]: s for s in diag["device"]["sensors"]}
    voltage = _uids(sim, 29)[0]
    assert sensors[voltage] == {
        "entity_id": signal_entity(hass, voltage),
        "uid": voltage,
        "code": 29,
    }
    assert len(sensors) == sum(1 for s in sim.signals.values() if s["enable"])
    meanings = {m["code"]: m for m in diag["device"]["meanings"]}
    assert meanings[29]["source"] == "documented"
    assert meanings[29]["meaning"] == "voltage_v"
    assert meanings[10]["rejected"] is True
    assert meanings[10]["signals"] == len(_uids(sim, 10))
    assert meanings[777]["source"] == "none"


async def test_values_that_turn_implausible_at_a_poll(
    hass: HomeAssistant, sim: EmsSimulator, freezer: FrozenDateTimeFactory
) -> None:
    """One odd value is unknown; values that keep contradicting the meaning reject it."""
    await setup_entry(hass, sim)
    voltage = _uids(sim, 29)[0]
    entity_id = signal_entity(hass, voltage)
    sim.set_sample(voltage, v=2204.0)
    await advance(hass, freezer, 31)
    state = _state(hass, voltage)
    assert state.state == STATE_UNKNOWN
    assert state.attributes["unit_of_measurement"] == "V"
    for _ in range(STRIKES - 1):
        sim.set_sample(voltage, v=2205.0 + _)
        await advance(hass, freezer, 31)
    state = _state(hass, voltage)
    assert "unit_of_measurement" not in state.attributes
    assert "device_class" not in state.attributes
    assert float(state.state) >= 2204.0
    assert signal_entity(hass, voltage) == entity_id
    # every sensor of that code lost the unit too
    for uid in _uids(sim, 29):
        if (other := signal_entity(hass, uid)) is not None and (s := hass.states.get(other)):
            assert "unit_of_measurement" not in s.attributes


async def test_the_options_step_reassigns_a_code(
    hass: HomeAssistant, sim: EmsSimulator, hass_client: ClientSessionGenerator
) -> None:
    """The user says what codes 10 and 777 measure: ids stay, the new unit shows; kept."""
    entry = await setup_entry(hass, sim, enable_all=True)
    ent_reg = er.async_get(hass)
    energy_uid = _uids(sim, 10)[0]
    temperature_uid = _uids(sim, 777)[0]
    ids = {uid: signal_entity(hass, uid) for uid in (energy_uid, temperature_uid)}
    unique_ids = {uid: ent_reg.async_get(ids[uid]).unique_id for uid in ids}

    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["type"] is FlowResultType.MENU
    assert result["menu_options"] == ["settings", "ems_meanings"]
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": "ems_meanings"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "ems_meanings"
    codes = result["description_placeholders"]["codes"]
    assert "| 29 | " in codes
    assert "V · D |" in codes  # code 29: documented voltage
    assert "R (current_a)" in codes  # code 10: the assumed current was rejected
    fields = [str(key) for key in result["data_schema"].schema]
    assert "Code 10" in fields
    assert "Code 777" in fields
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {"Code 10": "active_energy_kwh", "Code 777": "temperature_c", "Code 29": "table"},
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.options["ems_meanings"] == {"10": "active_energy_kwh", "777": "temperature_c"}
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED

    def check() -> None:
        for uid, entity_id in ids.items():
            assert signal_entity(hass, uid) == entity_id
            assert ent_reg.async_get(entity_id).unique_id == unique_ids[uid]
        energy = _state(hass, energy_uid)
        assert energy.attributes["unit_of_measurement"] == "kWh"
        assert energy.attributes["device_class"] == "energy"
        assert energy.attributes["state_class"] == "total"
        assert entry.runtime_data.coordinator.book.meaning(10).source == "confirmed"
        assert float(energy.state) > 1000
        temperature = _state(hass, temperature_uid)
        assert temperature.attributes["unit_of_measurement"] == "°C"
        assert temperature.attributes["device_class"] == "temperature"

    check()
    diag = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    assert diag["device"]["confirmed_meanings"] == {
        "10": "active_energy_kwh",
        "777": "temperature_c",
    }
    assert 10 not in {r["si"] for r in diag["device"]["rejected_meanings"]}

    # a restart keeps the confirmed meaning
    assert await hass.config_entries.async_unload(entry.entry_id)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    check()

    # the form shows the confirmed codes; "not set" returns a code to the table
    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": "ems_meanings"}
    )
    assert "kWh · C |" in result["description_placeholders"]["codes"]
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"Code 10": "table", "Code 777": "temperature_c"}
    )
    await hass.async_block_till_done()
    assert entry.options["ems_meanings"] == {"777": "temperature_c"}
    assert "unit_of_measurement" not in _state(hass, energy_uid).attributes


async def test_options_step_of_an_entry_that_is_not_loaded(
    hass: HomeAssistant, sim: EmsSimulator
) -> None:
    """Without a running gateway the step still shows (and keeps) the confirmed codes."""
    entry = await setup_entry(hass, sim, ems_meanings={"10": "active_energy_kwh"})
    sim.faults.status = 500
    await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.SETUP_RETRY
    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": "ems_meanings"}
    )
    assert [str(key) for key in result["data_schema"].schema] == ["Code 10"]
    assert "kWh · C |" in result["description_placeholders"]["codes"]
