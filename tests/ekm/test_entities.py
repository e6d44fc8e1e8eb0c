"""EKM sensors, relay switches and trigger switches against the simulator."""

from __future__ import annotations

import json
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.switch import DOMAIN as SWITCH_DOMAIN
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import (
    ATTR_ENTITY_ID,
    SERVICE_TURN_OFF,
    SERVICE_TURN_ON,
    STATE_OFF,
    STATE_ON,
    STATE_UNAVAILABLE,
    STATE_UNKNOWN,
    EntityCategory,
)
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.energy_hub.const import DOMAIN
from custom_components.energy_hub.vendors.ekm import VENDOR
from custom_components.energy_hub.vendors.ekm.const import RELAY_TRIGGER_PREFIX
from simulators.ekm import DEFAULT_KEY, DEFAULT_TOKEN, GATEWAY, READ_ONLY_TOKEN, EkmSimulator

from ..common import advance
from .conftest import setup_entry
from .test_client import relay_trigger

M1 = "000300000001"
M2 = "000300000002"
V3 = "000000000099"


def entity_id(hass: HomeAssistant, platform: str, unique_id: str) -> str:
    found = er.async_get(hass).async_get_entity_id(platform, DOMAIN, unique_id)
    assert found is not None, unique_id
    return found


def state(hass: HomeAssistant, platform: str, unique_id: str) -> Any:
    current = hass.states.get(entity_id(hass, platform, unique_id))
    assert current is not None
    return current


async def test_sensors_devices_and_one_request_per_poll(
    hass: HomeAssistant, sim: EkmSimulator, freezer: FrozenDateTimeFactory
) -> None:
    """Every meter is read with ONE readMeter request per poll; devices hang off the gateway."""
    entry = await setup_entry(hass)
    energy = state(hass, "sensor", f"ekm_{GATEWAY}_{M1}_kWh_Tot")
    assert energy.attributes["device_class"] == "energy"
    assert energy.attributes["state_class"] == "total_increasing"
    assert energy.attributes["unit_of_measurement"] == "kWh"
    first = float(energy.state)
    assert first == pytest.approx(218322.25)
    # string values from the cloud become numbers
    assert float(state(hass, "sensor", f"ekm_{GATEWAY}_{M2}_kWh_Tot").state) == pytest.approx(
        5120.8
    )
    assert state(hass, "sensor", f"ekm_{GATEWAY}_{M1}_RMS_Volts_Ln_1").state == "123.8"
    assert state(hass, "sensor", f"ekm_{GATEWAY}_{M1}_Line_Freq").state == "60.05"
    # power factor 117 (leading) = 83 %
    assert state(hass, "sensor", f"ekm_{GATEWAY}_{M1}_Power_Factor_Ln_1").state == "83.0"
    assert state(hass, "sensor", f"ekm_{GATEWAY}_{M1}_Power_Factor_Ln_2").state == "95.0"
    ent_reg = er.async_get(hass)
    # "Last reading" changes at every poll: a diagnostic, disabled by default (no logbook)
    last_reading = ent_reg.async_get(entity_id(hass, "sensor", f"ekm_{GATEWAY}_{M1}_last_reading"))
    assert last_reading is not None
    assert last_reading.disabled_by is er.RegistryEntryDisabler.INTEGRATION
    assert last_reading.entity_category is EntityCategory.DIAGNOSTIC
    # v3 meters have no frequency and no relays; tariffs and L3 are disabled by default
    assert ent_reg.async_get_entity_id("sensor", DOMAIN, f"ekm_{GATEWAY}_{V3}_Line_Freq") is None
    assert ent_reg.async_get_entity_id("switch", DOMAIN, f"ekm_{GATEWAY}_{V3}_relay_1") is None
    assert (
        ent_reg.async_get_entity_id("sensor", DOMAIN, f"ekm_{GATEWAY}_{V3}_Max_Demand") is not None
    )
    tariff = ent_reg.async_get(entity_id(hass, "sensor", f"ekm_{GATEWAY}_{M1}_kWh_Tariff_1"))
    assert tariff is not None
    assert tariff.disabled_by is er.RegistryEntryDisabler.INTEGRATION
    assert hass.states.get(entity_id(hass, "sensor", f"ekm_{GATEWAY}_{M1}_RMS_Volts_Ln_3")) is None

    dev_reg = dr.async_get(hass)
    gateway = dev_reg.async_get_device_by_identifier((DOMAIN, f"ekm_{GATEWAY}"), entry.entry_id)
    meter = dev_reg.async_get_device_by_identifier((DOMAIN, f"ekm_{GATEWAY}_{M1}"), entry.entry_id)
    assert gateway is not None
    assert meter is not None
    assert meter.via_device_id == gateway.id
    assert meter.model == "Omnimeter v4"
    assert not VENDOR.device_removable(entry, meter)

    sim.clear_log()
    await advance(hass, freezer, 61)
    assert [(r.method, r.path) for r in sim.log] == [
        ("GET", "/readMeter"),
        ("GET", "/api/trigger"),
    ]
    assert sim.log[0].query["meters"] == f"{M1}~{M2}~{V3}"
    assert float(state(hass, "sensor", f"ekm_{GATEWAY}_{M1}_kWh_Tot").state) > first


async def test_bad_read_is_unknown_never_zero(
    hass: HomeAssistant, sim: EkmSimulator, freezer: FrozenDateTimeFactory
) -> None:
    """A bad read leaves the meter's values unknown; the energy never drops to 0."""
    # the user enabled "Last reading" (disabled by default)
    er.async_get(hass).async_get_or_create(
        "sensor", DOMAIN, f"ekm_{GATEWAY}_{M1}_last_reading", disabled_by=None
    )
    await setup_entry(hass)
    assert state(hass, "sensor", f"ekm_{GATEWAY}_{M1}_last_reading").state != STATE_UNKNOWN
    sim.bad_read_meters.add(M1)
    await advance(hass, freezer, 61)
    assert state(hass, "sensor", f"ekm_{GATEWAY}_{M1}_kWh_Tot").state == STATE_UNKNOWN
    assert state(hass, "sensor", f"ekm_{GATEWAY}_{M1}_last_reading").state == STATE_UNKNOWN
    assert state(hass, "switch", f"ekm_{GATEWAY}_{M1}_relay_1").state == STATE_UNKNOWN
    assert state(hass, "sensor", f"ekm_{GATEWAY}_{M2}_kWh_Tot").state != STATE_UNKNOWN
    sim.bad_read_meters.clear()
    await advance(hass, freezer, 61)
    assert float(state(hass, "sensor", f"ekm_{GATEWAY}_{M1}_kWh_Tot").state) > 218322


async def test_meter_missing_and_cloud_down(
    hass: HomeAssistant, sim: EkmSimulator, freezer: FrozenDateTimeFactory
) -> None:
    """A meter the cloud stops reporting is unavailable; so is everything while offline."""
    entry = await setup_entry(hass)
    moved = sim.meters[M2]
    moved.gateway = "4016fa0000ff"
    await advance(hass, freezer, 61)
    assert state(hass, "sensor", f"ekm_{GATEWAY}_{M2}_kWh_Tot").state == STATE_UNAVAILABLE
    moved.gateway = GATEWAY
    sim.faults.status = 503
    await advance(hass, freezer, 61)
    assert state(hass, "sensor", f"ekm_{GATEWAY}_{M1}_kWh_Tot").state == STATE_UNAVAILABLE
    # a 503 is "service unavailable", not "a reply that could not be read"
    coordinator = entry.runtime_data.coordinator
    assert coordinator.last_exception.translation_key == "unavailable_service_unavailable"
    sim.faults.reset()
    await advance(hass, freezer, 61)
    assert state(hass, "sensor", f"ekm_{GATEWAY}_{M2}_kWh_Tot").state != STATE_UNAVAILABLE


async def test_revoked_token_starts_reauth(
    hass: HomeAssistant, sim: EkmSimulator, freezer: FrozenDateTimeFactory
) -> None:
    """A token refused while polling starts the reauth flow."""
    entry = await setup_entry(hass)
    del sim.tokens[DEFAULT_TOKEN]
    await advance(hass, freezer, 61)
    flows = hass.config_entries.flow.async_progress()
    assert [f["context"]["source"] for f in flows] == ["reauth"]
    assert flows[0]["context"]["entry_id"] == entry.entry_id


async def _switch(hass: HomeAssistant, entity: str, service: str) -> None:
    await hass.services.async_call(SWITCH_DOMAIN, service, {ATTR_ENTITY_ID: entity}, blocking=True)
    await hass.async_block_till_done(wait_background_tasks=True)


async def test_relay_on_and_off_leave_no_trigger(
    hass: HomeAssistant, sim: EkmSimulator, freezer: FrozenDateTimeFactory
) -> None:
    """Switching a relay sends a one-shot setRelay trigger that is removed once confirmed."""
    freezer.move_to("2026-11-23 10:00:00")
    await setup_entry(hass)
    relay = entity_id(hass, "switch", f"ekm_{GATEWAY}_{M1}_relay_1")
    assert hass.states.get(relay).state == STATE_OFF
    sim.clear_log()
    await _switch(hass, relay, SERVICE_TURN_ON)
    post = sim.requests("/api/trigger", "POST")
    assert len(post) == 1
    sent = json.loads(post[0].body)["trigger"]
    assert sent["trigger_name"].startswith(RELAY_TRIGGER_PREFIX)
    assert sent["conditions"] == [
        {"type": "rrule", "rrule": "DTSTART:20261123T100000\nRRULE:FREQ=SECONDLY;COUNT=1"}
    ]
    assert sent["actions"] == [
        {
            "target": "meter",
            "target_id": M1,
            "command": "setRelay",
            "params": {"relay": "relay_1", "status": "close", "duration": 0},
        }
    ]
    await advance(hass, freezer, 61)
    assert sim.relay(M1, 1) is True
    assert hass.states.get(relay).state == STATE_ON
    assert not hass.states.get(relay).attributes.get("assumed_state")
    assert sim.triggers == {}
    assert len(sim.requests("/api/trigger", "DELETE")) == 1

    await _switch(hass, relay, SERVICE_TURN_OFF)
    await advance(hass, freezer, 61)
    assert sim.relay(M1, 1) is False
    assert hass.states.get(relay).state == STATE_OFF
    assert sim.triggers == {}
    # relay 2 is independent
    relay2 = entity_id(hass, "switch", f"ekm_{GATEWAY}_{M1}_relay_2")
    await _switch(hass, relay2, SERVICE_TURN_ON)
    await advance(hass, freezer, 61)
    assert hass.states.get(relay2).state == STATE_ON
    assert sim.meters[M1].relays == [False, True]
    assert sim.triggers == {}


async def test_relay_optimistic_until_confirmed(
    hass: HomeAssistant, sim: EkmSimulator, freezer: FrozenDateTimeFactory
) -> None:
    """The switch assumes the requested state until the reading confirms it."""
    freezer.move_to("2026-11-23 10:00:00")
    await setup_entry(hass)
    relay = entity_id(hass, "switch", f"ekm_{GATEWAY}_{M2}_relay_1")
    sim.stuck_relays.add(M2)
    await _switch(hass, relay, SERVICE_TURN_ON)
    current = hass.states.get(relay)
    assert current.state == STATE_ON
    assert current.attributes["assumed_state"] is True
    assert len(sim.triggers) == 1
    # a second command replaces the first trigger instead of piling up
    await _switch(hass, relay, SERVICE_TURN_OFF)
    assert len(sim.triggers) == 1
    await _switch(hass, relay, SERVICE_TURN_ON)
    assert len(sim.triggers) == 1
    assert len(sim.requests("/api/trigger", "DELETE")) == 2
    sim.stuck_relays.clear()
    # the one-shot trigger has fired already: the relay follows at the next command only
    await _switch(hass, relay, SERVICE_TURN_ON)
    await advance(hass, freezer, 61)
    assert hass.states.get(relay).state == STATE_ON
    assert not hass.states.get(relay).attributes.get("assumed_state")
    assert sim.triggers == {}


async def test_relay_disagreeing_reading_warns_once(
    hass: HomeAssistant,
    sim: EkmSimulator,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A relay that does not follow: after the timeout the real state, one warning, no trigger."""
    freezer.move_to("2026-11-23 10:00:00")
    await setup_entry(hass)
    sim.stuck_relays.add(M1)
    relay = entity_id(hass, "switch", f"ekm_{GATEWAY}_{M1}_relay_1")
    await _switch(hass, relay, SERVICE_TURN_ON)
    await advance(hass, freezer, 61)
    assert hass.states.get(relay).state == STATE_ON
    assert len(sim.triggers) == 1
    for _ in range(3):
        await advance(hass, freezer, 61)
    assert hass.states.get(relay).state == STATE_OFF
    assert sim.triggers == {}
    warnings = [r for r in caplog.records if r.levelname == "WARNING" and M1 in r.getMessage()]
    assert len(warnings) == 1
    assert warnings[0].getMessage() == (
        f"Relay 1 of meter {M1} was switched on, but the meter still reports it off. The "
        "switch shows the meter's state; check the gateway and the meter's relay wiring"
    )
    await advance(hass, freezer, 61)
    assert (
        len([r for r in caplog.records if r.levelname == "WARNING" and M1 in r.getMessage()]) == 1
    )


async def test_relay_errors_reach_the_user(
    hass: HomeAssistant, sim: EkmSimulator, freezer: FrozenDateTimeFactory
) -> None:
    """Refused or failed relay commands raise translated errors."""
    entry = await setup_entry(hass)
    relay = entity_id(hass, "switch", f"ekm_{GATEWAY}_{M1}_relay_1")
    sim.faults.close_connection = True
    sim.faults.paths = ("/api/trigger",)
    with pytest.raises(HomeAssistantError) as err:
        await _switch(hass, relay, SERVICE_TURN_ON)
    assert err.value.translation_key == "communication_error"
    sim.faults.reset()
    sim.tokens[DEFAULT_TOKEN].write = False
    with pytest.raises(HomeAssistantError) as err:
        await _switch(hass, relay, SERVICE_TURN_ON)
    assert err.value.translation_key == "auth_failed"
    assert [f["context"]["source"] for f in hass.config_entries.flow.async_progress()] == ["reauth"]
    assert entry.state is ConfigEntryState.LOADED
    assert sim.triggers == {}


async def test_leftover_relay_triggers_are_removed(hass: HomeAssistant, sim: EkmSimulator) -> None:
    """Relay-command triggers left by an earlier run are deleted at start-up."""
    left = relay_trigger()
    left["trigger_name"] = f"{RELAY_TRIGGER_PREFIX} {M1} relay_1 close"
    sim.add_trigger(left)
    await setup_entry(hass)
    assert sim.triggers == {}


async def test_trigger_switches_follow_outside_changes(
    hass: HomeAssistant, sim: EkmSimulator, freezer: FrozenDateTimeFactory
) -> None:
    """Triggers created, changed and deleted elsewhere appear, change and disappear."""
    await setup_entry(hass)
    ent_reg = er.async_get(hass)
    uid = sim.add_trigger(relay_trigger())
    unique_id = f"ekm_{GATEWAY}_trigger_{uid}"
    assert ent_reg.async_get_entity_id("switch", DOMAIN, unique_id) is None
    await advance(hass, freezer, 61)
    trigger = state(hass, "switch", unique_id)
    assert trigger.state == STATE_ON
    assert trigger.attributes["friendly_name"] == f"EKM Push3 {GATEWAY} Trigger test"
    assert trigger.attributes["conditions"][0]["threshold_test"] == "rise_eq"
    assert trigger.attributes["actions"][0]["command"] == "setRelay"
    assert trigger.attributes["trigger_uuid"] == uid
    registry_entry = ent_reg.async_get(entity_id(hass, "switch", unique_id))
    assert registry_entry is not None
    assert registry_entry.entity_category is not None

    sim.triggers[uid].data["enabled"] = False
    sim.triggers[uid].data["trigger_name"] = "renamed"
    await advance(hass, freezer, 61)
    trigger = state(hass, "switch", unique_id)
    assert trigger.state == STATE_OFF
    assert trigger.attributes["friendly_name"] == f"EKM Push3 {GATEWAY} Trigger renamed"

    # enable from Home Assistant: a PUT with enabled true
    await _switch(hass, trigger.entity_id, SERVICE_TURN_ON)
    assert sim.triggers[uid].data["enabled"] is True
    assert state(hass, "switch", unique_id).state == STATE_ON
    put = sim.requests("/api/trigger", "PUT")[-1]
    assert json.loads(put.body) == {"trigger": {"enabled": True, "trigger_uuid": uid}}
    await _switch(hass, trigger.entity_id, SERVICE_TURN_OFF)
    assert sim.triggers[uid].data["enabled"] is False

    del sim.triggers[uid]
    with pytest.raises(HomeAssistantError) as err:
        await _switch(hass, trigger.entity_id, SERVICE_TURN_ON)
    assert err.value.translation_key == "ekm_trigger_not_found"
    await advance(hass, freezer, 61)
    assert ent_reg.async_get_entity_id("switch", DOMAIN, unique_id) is None


async def test_diagnostics_redacts_token_and_keys(
    hass: HomeAssistant, sim: EkmSimulator, hass_client: ClientSessionGenerator
) -> None:
    """Neither the API token nor the keys (nor the gateway MAC) reach the download."""
    sim.add_trigger(relay_trigger())
    entry = await setup_entry(hass)
    diag = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    text = str(diag)
    assert DEFAULT_TOKEN not in text
    assert DEFAULT_KEY not in text
    assert GATEWAY not in text
    assert diag["entry"]["data"]["api_key"] == "**REDACTED**"
    assert diag["entry"]["data"]["api_token"] == "**REDACTED**"
    assert diag["device"]["meters"][M1]["values"]["RMS_Volts_Ln_1"] == 123.8
    assert diag["device"]["triggers"][0]["trigger_name"] == "test"
    assert diag["device"]["request_count"] == 2
    assert diag["vendor"] == "ekm"


async def test_remove_device_and_unload(
    hass: HomeAssistant, sim: EkmSimulator, hass_ws_client: Any
) -> None:
    """Current meters cannot be deleted; a meter no longer configured can; unload works."""
    assert await async_setup_component(hass, "config", {})
    entry = await setup_entry(hass)
    dev_reg = dr.async_get(hass)
    old = dev_reg.async_get_or_create(
        config_entry_id=entry.entry_id, identifiers={(DOMAIN, "ekm_000000000001")}
    )
    assert VENDOR.device_removable(entry, old)
    meter = dev_reg.async_get_device_by_identifier((DOMAIN, f"ekm_{GATEWAY}_{M1}"), entry.entry_id)
    assert meter is not None
    client = await hass_ws_client(hass)
    await client.send_json(
        {
            "id": 1,
            "type": "config/device_registry/remove_config_entry",
            "config_entry_id": entry.entry_id,
            "device_id": meter.id,
        }
    )
    assert not (await client.receive_json())["success"]
    # an unconfirmed relay command does not outlive the entry
    sim.stuck_relays.add(M1)
    await _switch(hass, entity_id(hass, "switch", f"ekm_{GATEWAY}_{M1}_relay_1"), SERVICE_TURN_ON)
    assert len(sim.triggers) == 1
    assert await hass.config_entries.async_unload(entry.entry_id)
    assert entry.state is ConfigEntryState.NOT_LOADED
    assert sim.triggers == {}


async def test_read_only_token_still_reads(
    hass: HomeAssistant, sim: EkmSimulator, freezer: FrozenDateTimeFactory
) -> None:
    """A read-only token polls fine (switching then asks for a new token)."""
    await setup_entry(hass, api_token=READ_ONLY_TOKEN)
    assert state(hass, "sensor", f"ekm_{GATEWAY}_{M1}_kWh_Tot").state != STATE_UNAVAILABLE


async def test_relay_trigger_delete_is_retried(
    hass: HomeAssistant,
    sim: EkmSimulator,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Relay-command triggers that cannot be deleted yet are deleted at a later poll."""
    freezer.move_to("2026-11-23 10:00:00")
    left = relay_trigger()
    left["trigger_name"] = f"{RELAY_TRIGGER_PREFIX} {M1} relay_1 close"
    orphan = sim.add_trigger(left)
    sim.canned[("DELETE", "/api/trigger")] = (500, '{"error": "busy"}')
    await setup_entry(hass)
    assert orphan in sim.triggers
    relay = entity_id(hass, "switch", f"ekm_{GATEWAY}_{M1}_relay_1")
    await _switch(hass, relay, SERVICE_TURN_ON)
    await advance(hass, freezer, 61)
    # confirmed, but the trigger is still there: it stays pending
    assert sim.relay(M1, 1) is True
    assert len(sim.triggers) == 2
    assert hass.states.get(relay).attributes.get("assumed_state") is True
    sim.canned[("DELETE", "/api/trigger")] = (400, '{"error": "locked"}')
    await advance(hass, freezer, 61)
    assert len(sim.triggers) == 2
    del sim.canned[("DELETE", "/api/trigger")]
    await advance(hass, freezer, 61)
    assert sim.triggers == {}
    assert hass.states.get(relay).state == STATE_ON
    assert not hass.states.get(relay).attributes.get("assumed_state")

    # a trigger already deleted elsewhere (404) counts as deleted
    sim.canned[("DELETE", "/api/trigger")] = (404, '{"error": "Invalid trigger id"}')
    await _switch(hass, relay, SERVICE_TURN_OFF)
    await advance(hass, freezer, 61)
    assert hass.states.get(relay).state == STATE_OFF
    assert not hass.states.get(relay).attributes.get("assumed_state")

    # a stuck relay whose trigger cannot be deleted: one warning, real state, retried
    del sim.canned[("DELETE", "/api/trigger")]
    await advance(hass, freezer, 61)
    assert sim.triggers == {}
    sim.stuck_relays.add(M1)
    sim.canned[("DELETE", "/api/trigger")] = (500, '{"error": "busy"}')
    await _switch(hass, relay, SERVICE_TURN_ON)
    for _ in range(5):
        await advance(hass, freezer, 61)
    assert hass.states.get(relay).state == STATE_OFF
    assert len(sim.triggers) == 1
    warnings = [r for r in caplog.records if r.levelname == "WARNING" and M1 in r.getMessage()]
    assert len(warnings) == 1
    del sim.canned[("DELETE", "/api/trigger")]
    await advance(hass, freezer, 61)
    assert sim.triggers == {}


async def test_counter_glitch_is_not_a_reset(
    hass: HomeAssistant, sim: EkmSimulator, freezer: FrozenDateTimeFactory
) -> None:
    """A single good-looking read of a lower total is unknown; a lasting drop is believed."""
    await setup_entry(hass)
    energy = entity_id(hass, "sensor", f"ekm_{GATEWAY}_{M1}_kWh_Tot")
    before = float(hass.states.get(energy).state)
    real = sim.meters[M1].kwh
    sim.meters[M1].kwh = -0.25  # the next read reports 0.0
    await advance(hass, freezer, 61)
    assert hass.states.get(energy).state == STATE_UNKNOWN
    sim.meters[M1].kwh = real
    await advance(hass, freezer, 61)
    assert float(hass.states.get(energy).state) > before
    # a meter that really starts again from 0 is followed after a few reads
    sim.meters[M1].kwh = 0.0
    for expected in (STATE_UNKNOWN, STATE_UNKNOWN):
        await advance(hass, freezer, 61)
        assert hass.states.get(energy).state == expected
    await advance(hass, freezer, 61)
    assert hass.states.get(energy).state == "0.75"


async def test_trigger_api_hiccup_keeps_meters(
    hass: HomeAssistant, sim: EkmSimulator, freezer: FrozenDateTimeFactory
) -> None:
    """A failing trigger list leaves the readings available and keeps the trigger switches."""
    uid = sim.add_trigger(relay_trigger())
    await setup_entry(hass)
    unique_id = f"ekm_{GATEWAY}_trigger_{uid}"
    sim.faults.status = 500
    sim.faults.paths = ("/api/trigger",)
    await advance(hass, freezer, 61)
    assert state(hass, "sensor", f"ekm_{GATEWAY}_{M1}_kWh_Tot").state != STATE_UNAVAILABLE
    assert state(hass, "switch", unique_id).state == STATE_UNAVAILABLE
    sim.faults.reset()
    await advance(hass, freezer, 61)
    assert state(hass, "switch", unique_id).state == STATE_ON


async def test_trigger_api_down_at_start(hass: HomeAssistant, sim: EkmSimulator) -> None:
    """The meters are set up even when the trigger list cannot be read at start."""
    sim.faults.close_connection = True
    sim.faults.paths = ("/api/trigger",)
    await setup_entry(hass)
    assert state(hass, "sensor", f"ekm_{GATEWAY}_{M1}_kWh_Tot").state != STATE_UNAVAILABLE
