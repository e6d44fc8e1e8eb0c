"""EMS entities, polling, token handling and rediscovery against the simulator."""

from __future__ import annotations

import math
import time

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE, STATE_UNKNOWN, EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.energy_hub.api.ems import MAX_LIMIT
from custom_components.energy_hub.const import CONF_VENDOR, DOMAIN
from custom_components.energy_hub.vendors.ems import VENDOR
from custom_components.energy_hub.vendors.ems.entities import uid_from_unique_id
from simulators.ems import EmsSimulator

from ..common import advance
from ..conftest import StartSimulator
from .common import (
    SERIAL,
    enable_all_sensors,
    setup_entry,
    signal_entity,
    signal_sensors,
    user_input,
)


@pytest.fixture
async def sim(start_simulator: StartSimulator) -> EmsSimulator:
    return await start_simulator(EmsSimulator())


def _uid(sim: EmsSimulator, si: int, lid: int | None = None) -> int:
    return next(
        uid
        for uid, s in sorted(sim.signals.items())
        if s["si"] == si and (lid is None or s["lid"] == lid) and s["enable"]
    )


def _state(hass: HomeAssistant, uid: int):
    entity_id = signal_entity(hass, uid)
    assert entity_id is not None
    state = hass.states.get(entity_id)
    assert state is not None
    return state


async def test_setup_devices_and_entities(hass: HomeAssistant, sim: EmsSimulator) -> None:
    entry = await setup_entry(hass, sim)
    assert entry.state is ConfigEntryState.LOADED
    ent_reg = er.async_get(hass)
    entities = er.async_entries_for_config_entry(ent_reg, entry.entry_id)
    signals = signal_sensors(hass, entry)
    assert len(signals) == len(sim.enabled_signals()) == 257
    assert [e.domain for e in entities].count("sensor") == 257 + 1  # and the history import
    assert [e.domain for e in entities].count("button") == 1
    # a calm default set: per load power and energy, voltages and currents on the main meter
    enabled = [e for e in signals if not e.disabled]
    # 13 loads x (power, energy imported, exported) + on the main meter 29, 31, 32 and 11-13
    # (33 is a counter on this gateway: its voltage meaning is rejected)
    assert len(enabled) == 13 * 3 + 6
    assert await enable_all_sensors(hass, entry) == 257 - len(enabled)
    dev_reg = dr.async_get(hass)
    devices = dr.async_entries_for_config_entry(dev_reg, entry.entry_id)
    assert sorted(d.name or "" for d in devices) == sorted(
        ["EMS gateway", "Main meter", "EM1", "Workshop", "Solar", "Utility meter", "Office"]
    )
    gateway = dev_reg.async_get_device_by_identifier((DOMAIN, SERIAL), entry.entry_id)
    assert gateway is not None
    assert gateway.serial_number == SERIAL
    assert gateway.model == "EMS10AV5S1X"
    assert gateway.manufacturer == "Carlo Gavazzi"
    assert gateway.sw_version == "EMS_1.0.0.0.250101.000000"
    assert gateway.connections == {(dr.CONNECTION_NETWORK_MAC, "00:1a:2b:3c:4d:5e")}
    main = dev_reg.async_get_device_by_identifier((DOMAIN, f"{SERIAL}_device_1"), entry.entry_id)
    assert main is not None
    assert main.via_device_id == gateway.id
    assert main.model == "EMS10AV5S1X (3P)"

    # si 29 (the API document's example): a voltage, named after its load
    voltage_uid = _uid(sim, 29, lid=2)
    voltage_id = signal_entity(hass, voltage_uid)
    # the load "Main" repeats its meter's name "Main meter": not doubled (issue 13)
    assert voltage_id == "sensor.main_meter_voltage"
    assert _state(hass, voltage_uid).attributes["friendly_name"] == "Main meter Voltage"
    # per-phase names start with the phase, so cut names stay apart
    l1 = _state(hass, _uid(sim, 31, lid=2))
    assert l1.attributes["friendly_name"] == "Main meter L1-N voltage"
    heat_pump = next(uid for uid, load in sim.loads.items() if load["label"] == "Heat pump")
    energy_l2 = _state(hass, _uid(sim, 43, lid=heat_pump))
    assert energy_l2.attributes["friendly_name"] == "EM1 Heat pump L2 energy imported"
    # the gateway's web interface is its "Visit" link
    assert gateway.configuration_url == sim.url
    state = _state(hass, voltage_uid)
    assert 228 <= float(state.state) <= 233
    assert state.attributes["device_class"] == "voltage"
    assert state.attributes["unit_of_measurement"] == "V"
    assert state.attributes["state_class"] == "measurement"
    # no static attributes (uid, code and meaning are in the diagnostics): a write carries
    # what Home Assistant's own sensors carry
    assert set(state.attributes) == {
        "device_class",
        "unit_of_measurement",
        "state_class",
        "friendly_name",
    }
    book = entry.runtime_data.coordinator.book
    assert book.meaning(29).source == "documented"
    assert ent_reg.async_get(voltage_id).device_id == main.id

    # energy counters: Energy-dashboard ready
    energy = _state(hass, _uid(sim, 40, lid=2))
    assert energy.attributes["device_class"] == "energy"
    assert energy.attributes["state_class"] == "total"
    assert energy.attributes["unit_of_measurement"] == "kWh"
    assert book.meaning(40).source == "assumed"
    assert float(energy.state) > 1000

    # unknown codes become generic sensors with the load and the code in the name
    unknown_uid = _uid(sim, 777)
    unknown = _state(hass, unknown_uid)
    assert unknown.attributes["friendly_name"] == "Utility meter Grid signal 777"
    assert "device_class" not in unknown.attributes
    assert "unit_of_measurement" not in unknown.attributes
    assert unknown.attributes["state_class"] == "measurement"
    assert book.meaning(777).source == "none"
    assert float(unknown.state) == pytest.approx(sim.value(unknown_uid, 777, time.time()), abs=2)

    # the disabled signal has no entity
    disabled = next(uid for uid, s in sim.signals.items() if not s["enable"])
    assert signal_entity(hass, disabled) is None

    assert await hass.config_entries.async_unload(entry.entry_id)
    assert entry.state is ConfigEntryState.NOT_LOADED


async def test_2500_signals_calm_defaults_and_requests_per_poll(
    hass: HomeAssistant, start_simulator: StartSimulator, freezer: FrozenDateTimeFactory
) -> None:
    """A 2,500-signal gateway: few sensors enabled, a poll asks only for theirs."""
    sim = await start_simulator(EmsSimulator(total_signals=2500))
    entry = await setup_entry(hass, sim)
    sensors = signal_sensors(hass, entry)
    enabled = [e for e in sensors if not e.disabled]
    print(  # noqa: T201 - the figure is part of the result
        f"\n2,500 signals: {len(sensors)} sensors, {len(enabled)} enabled by default"
    )
    assert len(sensors) == 2500
    assert len(enabled) < 400  # far below 2,500
    coordinator = entry.runtime_data.coordinator
    assert sorted(coordinator.entities) == sorted(uid_from_unique_id(e.unique_id) for e in enabled)
    for _ in range(2):
        sim.clear_log()
        await advance(hass, freezer, 31)
        realtime = sim.requests("/v1/signals/realtime")
        assert len(sim.log) == len(realtime)  # no login, no discovery
        assert all("uids=" in r.query_string for r in realtime)
        asked = {int(uid) for r in realtime for uid in r.query["uids"].split(",")}
        assert asked == set(coordinator.entities)
        assert all(len(r.query_string) < 2000 for r in realtime)
    default_requests = len(realtime)
    assert default_requests <= 2
    last = max(coordinator.entities)
    assert _state(hass, last).state not in (STATE_UNKNOWN, STATE_UNAVAILABLE)

    # every sensor enabled: the pages of the whole map are cheaper than uid lists
    await enable_all_sensors(hass, entry)
    coordinator = entry.runtime_data.coordinator
    assert len(coordinator.entities) == 2500
    sim.clear_log()
    await advance(hass, freezer, 31)
    realtime = sim.requests("/v1/signals/realtime")
    print(  # noqa: T201 - the figure is part of the result
        f"realtime requests per poll: {default_requests} with the default set,"
        f" {len(realtime)} with every sensor enabled"
    )
    assert len(realtime) == math.ceil(2500 / MAX_LIMIT) == 3
    assert [r.query["page"] for r in realtime] == ["1", "2", "3"]
    assert _state(hass, max(sim.enabled_signals())).state not in (
        STATE_UNKNOWN,
        STATE_UNAVAILABLE,
    )


async def test_token_renewed_before_it_expires(
    hass: HomeAssistant, sim: EmsSimulator, freezer: FrozenDateTimeFactory
) -> None:
    """Over 35 minutes of polling the token is renewed once, before expiry: no 401 at all."""
    await setup_entry(hass, sim)
    assert sim.logins == 1
    assert sim.unauthorized == 0
    voltage = _uid(sim, 29, lid=2)
    for _ in range(70):
        await advance(hass, freezer, 30)
        assert _state(hass, voltage).state != STATE_UNAVAILABLE
    assert sim.logins == 2
    assert sim.unauthorized == 0
    # (simulated time) the second login came shortly before the first token's 30 minutes
    first, second = sim.requests("/v1/auth/login")
    assert 1700 <= second.time - first.time < 1800


async def test_revoked_token_and_changed_password(
    hass: HomeAssistant, sim: EmsSimulator, freezer: FrozenDateTimeFactory
) -> None:
    """A revoked token is renewed silently; a changed password starts reauth."""
    entry = await setup_entry(hass, sim)
    voltage = _uid(sim, 29, lid=2)
    sim.tokens.revoke_all()
    await advance(hass, freezer, 31)
    assert _state(hass, voltage).state != STATE_UNAVAILABLE
    assert sim.logins == 2
    assert not hass.config_entries.flow.async_progress()
    sim.password = "changed"
    sim.tokens.revoke_all()
    await advance(hass, freezer, 31)
    flows = hass.config_entries.flow.async_progress()
    assert [f["context"]["source"] for f in flows] == ["reauth"]
    assert flows[0]["context"]["entry_id"] == entry.entry_id


async def test_counters_grow_and_bad_samples_are_unknown(
    hass: HomeAssistant, sim: EmsSimulator, freezer: FrozenDateTimeFactory
) -> None:
    await setup_entry(hass, sim, enable_all=True)
    energy = _uid(sim, 40, lid=2)
    voltage = _uid(sim, 29, lid=2)
    unknown = _uid(sim, 901)
    first = float(_state(hass, energy).state)
    await advance(hass, freezer, 3600)
    second = float(_state(hass, energy).state)
    assert second > first

    # a negative energy counter is impossible: unknown, never negative (nor 0)
    sim.set_sample(energy, v=-5.0)
    # a sample that is missing from the reply
    sim.set_sample(voltage)
    sim.set_sample(unknown, v="standby")
    await advance(hass, freezer, 31)
    assert _state(hass, energy).state == STATE_UNKNOWN
    assert _state(hass, energy).attributes["unit_of_measurement"] == "kWh"  # one glitch
    assert _state(hass, voltage).state == STATE_UNKNOWN
    assert _state(hass, unknown).state == STATE_UNKNOWN  # text where numbers were

    # text where a number belongs, and a sample the gateway marks invalid (s/r)
    sim.set_sample(energy, v="n/a")
    sim.set_sample(voltage, s=0, r=4)
    await advance(hass, freezer, 31)
    assert _state(hass, energy).state == STATE_UNKNOWN
    assert _state(hass, voltage).state == STATE_UNKNOWN

    # a stale sample (an old t) is not shown as fresh
    sim.set_sample(voltage, t=int((time.time() - 3600) * 1000))
    sim.set_sample(energy, v=None)
    await advance(hass, freezer, 31)
    assert _state(hass, voltage).state == STATE_UNKNOWN
    assert _state(hass, energy).state == STATE_UNKNOWN

    # a sample without time cannot be judged stale; it is shown
    sim.set_sample(voltage, t=None)
    sim.samples.pop(energy)
    await advance(hass, freezer, 31)
    assert _state(hass, voltage).state != STATE_UNKNOWN
    assert float(_state(hass, energy).state) >= second


async def test_a_missing_sample_or_a_short_page_loses_only_that_signal(
    hass: HomeAssistant, start_simulator: StartSimulator, freezer: FrozenDateTimeFactory
) -> None:
    """Issue 14 item 1 through Home Assistant: short and empty realtime pages."""
    sim = await start_simulator(EmsSimulator(total_signals=2500))
    entry = await setup_entry(hass, sim)
    await enable_all_sensors(hass, entry)
    enabled = sim.enabled_signals()
    first, last = enabled[0], enabled[-1]
    sim.short_pages = {1}  # page 1 leaves out its first sample
    await advance(hass, freezer, 31)
    assert _state(hass, first).state == STATE_UNKNOWN
    assert _state(hass, enabled[1]).state not in (STATE_UNKNOWN, STATE_UNAVAILABLE)
    assert _state(hass, last).state not in (STATE_UNKNOWN, STATE_UNAVAILABLE)
    sim.short_pages = set()
    sim.empty_pages = {2}  # page 2 comes back empty: only its signals are unknown
    await advance(hass, freezer, 31)
    assert _state(hass, first).state != STATE_UNKNOWN
    assert _state(hass, enabled[1500]).state == STATE_UNKNOWN
    assert _state(hass, last).state not in (STATE_UNKNOWN, STATE_UNAVAILABLE)
    sim.empty_pages = set()
    sim.faults.status = 500  # a failing page fails the poll
    sim.faults.paths = ("/v1/signals/realtime",)
    await advance(hass, freezer, 31)
    assert _state(hass, last).state == STATE_UNAVAILABLE
    sim.faults.reset()
    await advance(hass, freezer, 31)
    assert _state(hass, enabled[1500]).state not in (STATE_UNKNOWN, STATE_UNAVAILABLE)


async def test_unavailable_and_back(
    hass: HomeAssistant, sim: EmsSimulator, freezer: FrozenDateTimeFactory
) -> None:
    await setup_entry(hass, sim)
    voltage = _uid(sim, 29, lid=2)
    for fault in ({"status": 500}, {"malformed_json": True}, {"close_connection": True}):
        for key, value in fault.items():
            setattr(sim.faults, key, value)
        await advance(hass, freezer, 31)
        assert _state(hass, voltage).state == STATE_UNAVAILABLE
        sim.faults.reset()
    await advance(hass, freezer, 31)
    assert _state(hass, voltage).state != STATE_UNAVAILABLE


async def test_setup_retries_when_unreachable_or_another_gateway(
    hass: HomeAssistant, sim: EmsSimulator
) -> None:
    sim.faults.status = 503
    entry = MockConfigEntry(
        domain=DOMAIN, unique_id=SERIAL, data={CONF_VENDOR: "ems", **user_input(sim)}
    )
    entry.add_to_hass(hass)
    assert not await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.SETUP_RETRY
    # the first discovery failing is no different
    sim.faults.paths = ("/v1/loads",)
    await hass.config_entries.async_unload(entry.entry_id)
    assert not await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.SETUP_RETRY
    assert len(sim.requests("/v1/loads")) == 1
    sim.faults.reset()
    await hass.config_entries.async_unload(entry.entry_id)
    sim.serial = "BX99999999"
    assert not await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.SETUP_RETRY
    assert entry.reason is not None
    assert "different EMS gateway" in entry.reason


async def test_devices_loads_and_signals_added_and_removed(
    hass: HomeAssistant, sim: EmsSimulator, freezer: FrozenDateTimeFactory
) -> None:
    """Rediscovery (every 10 minutes, not every poll) follows the gateway's configuration."""
    entry = await setup_entry(hass, sim, enable_all=True)
    dev_reg = dr.async_get(hass)
    ent_reg = er.async_get(hass)
    solar = next(uid for uid, d in sim.devices.items() if d["label"] == "Solar")
    solar_signals = [uid for uid, s in sim.signals.items() if s["did"] == solar]
    garage = next(uid for uid, load in sim.loads.items() if load["label"] == "Garage")
    garage_signals = [uid for uid, s in sim.signals.items() if s["lid"] == garage]
    gone_signal = _uid(sim, 45, lid=2)
    disabled_now = _uid(sim, 46, lid=2)

    new_device = sim.add_device("Heat meter", "EM24_E1", "1P")
    new_load = sim.add_load(new_device, "Boiler", "rtu", (29, 40))
    new_signal = sim.add_signal(2, 123)  # a new, unknown code on the main load
    sim.remove_device(solar)
    sim.remove_load(garage)
    sim.remove_signal(gone_signal)
    sim.signals[disabled_now]["enable"] = False

    sim.clear_log()
    await advance(hass, freezer, 31)
    assert sim.requests("/v1/signals") == []  # a poll does not rediscover
    assert signal_entity(hass, new_signal) is None
    # a signal gone before rediscovery is simply unknown until then
    assert _state(hass, gone_signal).state == STATE_UNKNOWN

    await advance(hass, freezer, 600)
    assert len(sim.requests("/v1/devices")) == 2
    assert len(sim.requests("/v1/loads")) == 2
    assert len(sim.requests("/v1/signals")) == 2  # up to the first empty page
    new_uids = [uid for uid, s in sim.signals.items() if s["lid"] == new_load]
    for uid in [*new_uids, new_signal]:
        assert signal_entity(hass, uid) is not None
    assert (
        ent_reg.async_get(signal_entity(hass, new_signal)).original_name  # disabled by default
        == "Signal 123"
    )
    for uid in [*solar_signals, *garage_signals, gone_signal, disabled_now]:
        assert signal_entity(hass, uid) is None
    heat = dev_reg.async_get_device_by_identifier(
        (DOMAIN, f"{SERIAL}_device_{new_device}"), entry.entry_id
    )
    assert heat is not None
    assert heat.name == "Heat meter"
    assert (
        dev_reg.async_get_device_by_identifier((DOMAIN, f"{SERIAL}_device_{solar}"), entry.entry_id)
        is None
    )
    assert len(signal_sensors(hass, entry)) == len(sim.enabled_signals())
    # current devices cannot be deleted by the user
    assert not VENDOR.device_removable(entry, heat)

    # a signal removed while Home Assistant was stopped is cleaned up at the next start
    await hass.config_entries.async_unload(entry.entry_id)
    sim.remove_signal(new_signal)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert signal_entity(hass, new_signal) is None


async def test_user_may_delete_a_device_the_gateway_dropped(
    hass: HomeAssistant, sim: EmsSimulator
) -> None:
    entry = await setup_entry(hass, sim)
    dev_reg = dr.async_get(hass)
    orphan = dev_reg.async_get_or_create(
        config_entry_id=entry.entry_id, identifiers={(DOMAIN, f"{SERIAL}_device_4242")}
    )
    assert VENDOR.device_removable(entry, orphan)
    gateway = dev_reg.async_get_device_by_identifier((DOMAIN, SERIAL), entry.entry_id)
    assert gateway is not None
    assert not VENDOR.device_removable(entry, gateway)


async def test_sparse_system_and_device_facts(hass: HomeAssistant, sim: EmsSimulator) -> None:
    """A gateway without MAC and a device without system still make proper devices."""
    sim.mac = None  # type: ignore[assignment]
    sim.devices[1]["system"] = None
    entry = await setup_entry(hass, sim)
    dev_reg = dr.async_get(hass)
    gateway = dev_reg.async_get_device_by_identifier((DOMAIN, SERIAL), entry.entry_id)
    assert gateway is not None
    assert gateway.connections == set()
    main = dev_reg.async_get_device_by_identifier((DOMAIN, f"{SERIAL}_device_1"), entry.entry_id)
    assert main is not None
    assert main.model == "EMS10AV5S1X"


async def test_failed_rediscovery_keeps_polling(
    hass: HomeAssistant,
    sim: EmsSimulator,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A rediscovery that fails keeps the known signals polling; the next one catches up."""
    await setup_entry(hass, sim)
    voltage = _uid(sim, 29, lid=2)
    new_signal = sim.add_signal(2, 41)
    sim.faults.status = 500
    sim.faults.paths = ("/v1/loads",)
    await advance(hass, freezer, 601)
    assert "Could not read the configuration" in caplog.text
    assert _state(hass, voltage).state != STATE_UNAVAILABLE
    assert signal_entity(hass, new_signal) is None
    sim.faults.reset()
    sim.clear_log()
    await advance(hass, freezer, 31)
    assert sim.requests("/v1/loads") == []  # not retried at every poll
    await advance(hass, freezer, 600)
    assert signal_entity(hass, new_signal) is not None
    # a refused login during rediscovery still asks for the new password
    sim.password = "changed"
    sim.tokens.revoke_all()
    await advance(hass, freezer, 601)
    flows = hass.config_entries.flow.async_progress()
    assert [f["context"]["source"] for f in flows] == ["reauth"]


async def test_signals_without_load_device_or_code(hass: HomeAssistant, sim: EmsSimulator) -> None:
    """Odd configurations still give named sensors (on the gateway when the device is unknown)."""
    sim.signals[5000] = {"uid": 5000, "si": None, "enable": True, "lid": None, "did": None}
    sim.signals[5001] = {"uid": 5001, "si": 29, "enable": True, "lid": 4242, "did": 4243}
    entry = await setup_entry(hass, sim, enable_all=True)
    assert _state(hass, 5000).attributes["friendly_name"] == "EMS gateway Signal 5000 signal ?"
    state = _state(hass, 5001)
    assert state.attributes["friendly_name"] == "EMS gateway Load 4242 voltage"
    gateway = dr.async_get(hass).async_get_device_by_identifier((DOMAIN, SERIAL), entry.entry_id)
    assert gateway is not None
    assert er.async_get(hass).async_get(signal_entity(hass, 5001)).device_id == gateway.id


async def test_refused_poll_says_why(
    hass: HomeAssistant, sim: EmsSimulator, freezer: FrozenDateTimeFactory
) -> None:
    """A gateway answering 400 to the realtime read: unavailable, with the gateway's reason."""
    entry = await setup_entry(hass, sim)
    voltage = _uid(sim, 29, lid=2)
    sim.max_limit = 500  # a gateway with a smaller page maximum refuses limit=1000
    await advance(hass, freezer, 31)
    assert _state(hass, voltage).state == STATE_UNAVAILABLE
    error = entry.runtime_data.coordinator.last_exception
    assert error is not None
    assert error.translation_key == "ems_request_refused"
    assert "limit out of range" in error.translation_placeholders["error"]
    assert "The gateway refused a request" in str(error)


async def test_rediscover_button(
    hass: HomeAssistant, sim: EmsSimulator, freezer: FrozenDateTimeFactory
) -> None:
    """The gateway's button reads the configuration at once instead of in 10 minutes."""
    entry = await setup_entry(hass, sim)
    ent_reg = er.async_get(hass)
    button_id = ent_reg.async_get_entity_id("button", DOMAIN, f"{SERIAL}_rediscover")
    assert button_id == "button.ems_gateway_read_configuration_again"
    registry_entry = ent_reg.async_get(button_id)
    assert registry_entry.entity_category is EntityCategory.CONFIG
    gateway = dr.async_get(hass).async_get_device_by_identifier((DOMAIN, SERIAL), entry.entry_id)
    assert gateway is not None
    assert registry_entry.device_id == gateway.id

    new_signal = sim.add_signal(2, 45)
    await advance(hass, freezer, 31)
    assert signal_entity(hass, new_signal) is None
    sim.clear_log()
    await hass.services.async_call("button", "press", {"entity_id": button_id}, blocking=True)
    await hass.async_block_till_done()
    assert signal_entity(hass, new_signal) is not None
    assert len(sim.requests("/v1/signals")) == 2  # up to the first empty page
    assert len(sim.requests("/v1/signals/realtime")) == 1
