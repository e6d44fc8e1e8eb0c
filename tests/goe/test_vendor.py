"""The go-e vendor in Home Assistant, against the simulator: entities, polls, writes."""

from __future__ import annotations

from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import ATTR_ENTITY_ID, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import device_registry as dr, entity_registry as er, issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.energy_hub.const import DOMAIN
from simulators.goe import GoeSimulator

from ..common import advance
from .conftest import cloud_data, local_data, setup_entry

PREFIX = "go_echarger_012345"
#: What a steady-state poll asks for with the default entities enabled.
POLL_KEYS = {
    "acs",
    "alw",
    "clp",
    "fup",
    "pnp",
    "acu",
    "ama",
    "amp",
    "car",
    "dwo",
    "err",
    "eto",
    "frc",
    "fwv",
    "lmo",
    "modelStatus",
    "nrg",
    "psm",
    "tma",
    "ust",
    "var",
    "wh",
}


def _state(hass: HomeAssistant, entity: str) -> str:
    state = hass.states.get(f"{entity.split('.', maxsplit=1)[0]}.{PREFIX}_{entity.split('.')[1]}")
    assert state is not None, entity
    return state.state


def _polls(sim: GoeSimulator) -> list[Any]:
    return [r for r in sim.log if r.path.endswith("/api/status")]


async def test_cloud_entities_and_one_filtered_poll(
    hass: HomeAssistant, cloud: GoeSimulator, freezer: FrozenDateTimeFactory
) -> None:
    """Entities, device, Energy-dashboard attributes; a poll is one request with the keys."""
    entry = await setup_entry(hass, cloud_data(cloud))
    assert entry.state is ConfigEntryState.LOADED
    # no "Visit" link through the cloud
    (device,) = dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)
    assert device.configuration_url is None

    total = hass.states.get(f"sensor.{PREFIX}_total_energy")
    assert total is not None
    assert total.state == "1234.567"
    assert total.attributes["device_class"] == "energy"
    assert total.attributes["state_class"] == "total_increasing"
    assert total.attributes["unit_of_measurement"] == "kWh"
    assert _state(hass, "sensor.car_state") == "idle"
    assert _state(hass, "sensor.charging_reason") == "no_car"
    assert _state(hass, "sensor.error") == "none"
    assert _state(hass, "number.charging_current") == "16.0"
    assert _state(hass, "select.phase_mode") == "auto"
    assert _state(hass, "switch.access_control") == "off"

    ent_reg = er.async_get(hass)
    pf = ent_reg.async_get(f"sensor.{PREFIX}_power_factor_l1")
    assert pf is not None
    assert pf.disabled_by is er.RegistryEntryDisabler.INTEGRATION
    rssi = ent_reg.async_get(f"sensor.{PREFIX}_wi_fi_signal")
    assert rssi is not None
    assert rssi.entity_category is not None
    assert rssi.disabled_by is er.RegistryEntryDisabler.INTEGRATION
    firmware = ent_reg.async_get(f"sensor.{PREFIX}_firmware")
    assert firmware is not None
    assert firmware.entity_category is not None

    device = dr.async_get(hass).async_get_device_by_identifier(
        (DOMAIN, "goe_012345"), entry.entry_id
    )
    assert device is not None
    assert device.manufacturer == "go-e"
    assert device.model == "go-eCharger_V4 (22 kW)"
    assert device.sw_version == "59.4"
    assert device.serial_number == "012345"

    # steady state: one request per poll, only the keys the enabled entities need
    cloud.clear_log()
    cloud.plug()
    await advance(hass, freezer, 30)
    (poll,) = cloud.log
    assert poll.path == "/cloud/012345/api/status"
    assert set(poll.query["filter"].split(",")) == POLL_KEYS
    assert poll.query["age"] == "30"
    assert "token" not in poll.query
    assert _state(hass, "sensor.car_state") == "charging"
    assert float(_state(hass, "sensor.charging_power")) == pytest.approx(11040, rel=0.01)
    assert _state(hass, "sensor.current_l2") == "16.0"
    assert _state(hass, "sensor.allowed_current") == "16.0"

    # energy advances
    cloud.advance(3600)
    await advance(hass, freezer, 30)
    assert float(_state(hass, "sensor.session_energy")) == pytest.approx(11.04, rel=0.01)
    assert float(_state(hass, "sensor.total_energy")) == pytest.approx(1245.6, rel=0.001)
    assert len(_polls(cloud)) == 2

    # a firmware update shows on the device page
    cloud.state["fwv"] = "60.1"
    await advance(hass, freezer, 30)
    device = dr.async_get(hass).async_get_device_by_identifier(
        (DOMAIN, "goe_012345"), entry.entry_id
    )
    assert device is not None
    assert device.sw_version == "60.1"
    assert _state(hass, "sensor.firmware") == "60.1"


async def test_enabled_entity_adds_its_key(
    hass: HomeAssistant, cloud: GoeSimulator, freezer: FrozenDateTimeFactory
) -> None:
    """Enabling the Wi-Fi signal sensor adds ``rssi`` to the poll's filter."""
    entry = await setup_entry(hass, cloud_data(cloud))
    ent_reg = er.async_get(hass)
    ent_reg.async_update_entity(f"sensor.{PREFIX}_wi_fi_signal", disabled_by=None)
    # Home Assistant reloads the entry 30 s after an entity was enabled
    await advance(hass, freezer, 31)
    assert entry.state is ConfigEntryState.LOADED
    cloud.clear_log()
    await advance(hass, freezer, 30)
    (poll,) = _polls(cloud)
    assert set(poll.query["filter"].split(",")) == POLL_KEYS | {"rssi"}
    assert _state(hass, "sensor.wi_fi_signal") == "-61.0"


async def test_local_mode(
    hass: HomeAssistant, sim: GoeSimulator, freezer: FrozenDateTimeFactory
) -> None:
    """The local API: no token, no age, polled every 10 s by default."""
    entry = await setup_entry(hass, local_data(sim))
    assert _state(hass, "sensor.total_energy") == "1234.567"
    # "Visit" opens the charger's own web page (local API only)
    (device,) = dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)
    assert device.configuration_url == sim.url
    sim.clear_log()
    await advance(hass, freezer, 10)
    (poll,) = sim.log
    assert poll.path == "/api/status"
    assert "age" not in poll.query
    assert "Authorization" not in poll.headers
    assert set(poll.query["filter"].split(",")) == POLL_KEYS


async def test_charger_without_psm(
    hass: HomeAssistant, start_simulator: Any, freezer: FrozenDateTimeFactory
) -> None:
    """No phase-mode select where the charger does not report ``psm``."""
    sim = await start_simulator(GoeSimulator(with_psm=False))
    for key in ("amp", "dwo", "acs", "var"):
        del sim.state[key]
    entry = await setup_entry(hass, local_data(sim))
    assert hass.states.get(f"select.{PREFIX}_phase_mode") is None
    assert hass.states.get(f"select.{PREFIX}_charging_control") is not None
    assert hass.states.get(f"number.{PREFIX}_charging_current") is None
    assert hass.states.get(f"number.{PREFIX}_session_energy_limit") is None
    assert hass.states.get(f"switch.{PREFIX}_access_control") is None
    device = dr.async_get(hass).async_get_device_by_identifier(
        (DOMAIN, "goe_012345"), entry.entry_id
    )
    assert device is not None
    assert device.model == "go-eCharger_V4"


async def test_writes_reach_the_charger(
    hass: HomeAssistant, cloud: GoeSimulator, freezer: FrozenDateTimeFactory
) -> None:
    """amp, frc, psm, lmo, acs and dwo reach the simulator and show after the refresh."""
    await setup_entry(hass, cloud_data(cloud))
    cloud.clear_log()
    await hass.services.async_call(
        "number",
        "set_value",
        {ATTR_ENTITY_ID: f"number.{PREFIX}_charging_current", "value": 10},
        blocking=True,
    )
    assert cloud.state["amp"] == 10
    (write,) = cloud.log
    assert write.path == "/cloud/012345/api/set"
    assert write.query == {"amp": "10"}
    assert write.headers["Authorization"] == f"Bearer {cloud.token}"
    # the change is confirmed by a read soon after, not assumed
    assert _state(hass, "number.charging_current") == "16.0"
    await advance(hass, freezer, 2)
    assert len(_polls(cloud)) == 1
    assert _state(hass, "number.charging_current") == "10.0"

    for domain, service, entity, data, key, value in (
        ("select", "select_option", "charging_control", {"option": "on"}, "frc", 2),
        ("select", "select_option", "phase_mode", {"option": "force_1"}, "psm", 1),
        ("select", "select_option", "logic_mode", {"option": "eco"}, "lmo", 4),
        ("select", "select_option", "cable_lock", {"option": "auto_unlock"}, "ust", 1),
        ("switch", "turn_on", "access_control", {}, "acs", 1),
        ("number", "set_value", "session_energy_limit", {"value": 12.5}, "dwo", 12500),
    ):
        await hass.services.async_call(
            domain,
            service,
            {ATTR_ENTITY_ID: f"{domain}.{PREFIX}_{entity}", **data},
            blocking=True,
        )
        assert cloud.state[key] == value, key
    await advance(hass, freezer, 2)
    assert _state(hass, "select.charging_control") == "on"
    assert _state(hass, "select.phase_mode") == "force_1"
    assert _state(hass, "select.logic_mode") == "eco"
    assert _state(hass, "select.cable_lock") == "auto_unlock"
    assert _state(hass, "switch.access_control") == "on"
    assert _state(hass, "number.session_energy_limit") == "12.5"

    await hass.services.async_call(
        "switch",
        "turn_off",
        {ATTR_ENTITY_ID: f"switch.{PREFIX}_access_control"},
        blocking=True,
    )
    await hass.services.async_call(
        "number",
        "set_value",
        {ATTR_ENTITY_ID: f"number.{PREFIX}_session_energy_limit", "value": 0},
        blocking=True,
    )
    assert cloud.state["acs"] == 0
    assert cloud.state["dwo"] is None
    assert cloud.log[-1].query == {"dwo": "null"}
    await advance(hass, freezer, 2)
    assert _state(hass, "number.session_energy_limit") == "0.0"


async def test_rejected_write_is_a_clear_error(
    hass: HomeAssistant, cloud: GoeSimulator, freezer: FrozenDateTimeFactory
) -> None:
    """A 422 becomes a translated error naming the key; nothing changes."""
    await setup_entry(hass, cloud_data(cloud))
    cloud.state["ama"] = 12  # the charger's maximum changed behind Home Assistant's back
    with pytest.raises(HomeAssistantError) as err:
        await hass.services.async_call(
            "number",
            "set_value",
            {ATTR_ENTITY_ID: f"number.{PREFIX}_charging_current", "value": 20},
            blocking=True,
        )
    assert err.value.translation_key == "goe_rejected"
    assert err.value.translation_placeholders["keys"] == "amp"
    assert "amp" in str(err.value)
    assert cloud.state["amp"] == 16
    # the maximum of the number follows ama after the next poll
    await advance(hass, freezer, 30)
    state = hass.states.get(f"number.{PREFIX}_charging_current")
    assert state is not None
    assert state.attributes["max"] == 12


async def test_local_rejected_write(
    hass: HomeAssistant, sim: GoeSimulator, freezer: FrozenDateTimeFactory
) -> None:
    """The local API's per-key answer names the rejected key."""
    await setup_entry(hass, local_data(sim))
    sim.state["ama"] = 8
    with pytest.raises(HomeAssistantError) as err:
        await hass.services.async_call(
            "number",
            "set_value",
            {ATTR_ENTITY_ID: f"number.{PREFIX}_charging_current", "value": 9},
            blocking=True,
        )
    assert err.value.translation_key == "goe_rejected"
    assert "out of range" in err.value.translation_placeholders["detail"]


@pytest.mark.parametrize(
    ("fault", "key"),
    [
        ({"offline": True}, "unavailable_goe_offline"),
        ({"status": 503}, "invalid_response"),
        ({"close_connection": True}, "communication_error"),
    ],
)
async def test_write_errors(
    hass: HomeAssistant,
    cloud: GoeSimulator,
    freezer: FrozenDateTimeFactory,
    fault: dict[str, Any],
    key: str,
) -> None:
    """Writes to an unreachable charger fail with translated errors."""
    await setup_entry(hass, cloud_data(cloud))
    for name, value in fault.items():
        setattr(cloud.faults, name, value)
    with pytest.raises(HomeAssistantError) as err:
        await hass.services.async_call(
            "select",
            "select_option",
            {ATTR_ENTITY_ID: f"select.{PREFIX}_charging_control", "option": "off"},
            blocking=True,
        )
    assert err.value.translation_key == key


async def test_offline_unavailable_and_back(
    hass: HomeAssistant,
    cloud: GoeSimulator,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """403 and 404 make the entities unavailable with one log line; they come back."""
    await setup_entry(hass, cloud_data(cloud))
    cloud.faults.offline = True
    await advance(hass, freezer, 30)
    assert _state(hass, "sensor.total_energy") == STATE_UNAVAILABLE
    assert _state(hass, "number.charging_current") == STATE_UNAVAILABLE
    cloud.faults.reset()
    cloud.data_age = 120
    await advance(hass, freezer, 30)
    await advance(hass, freezer, 30)
    assert _state(hass, "sensor.total_energy") == STATE_UNAVAILABLE
    assert caplog.text.count("Error fetching go-e 012345 data") == 1
    assert "cloud cannot reach the charger" in caplog.text
    cloud.data_age = 1
    await advance(hass, freezer, 30)
    assert _state(hass, "sensor.total_energy") == "1234.567"
    assert "Fetching go-e 012345 data recovered" in caplog.text


async def test_persistent_403_raises_a_repair_issue(
    hass: HomeAssistant, cloud: GoeSimulator, freezer: FrozenDateTimeFactory
) -> None:
    """Three 403 polls in a row show a repair issue; it goes once the charger answers."""
    entry = await setup_entry(hass, cloud_data(cloud))
    issue_id = f"goe_offline_{entry.entry_id}"
    registry = ir.async_get(hass)
    cloud.faults.offline = True
    await advance(hass, freezer, 30)
    await advance(hass, freezer, 30)
    assert registry.async_get_issue(DOMAIN, issue_id) is None
    await advance(hass, freezer, 30)
    issue = registry.async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.translation_key == "goe_offline"
    assert issue.translation_placeholders == {"name": entry.title}
    assert issue.severity is ir.IssueSeverity.WARNING
    # no data (404) is a different reason: the repair issue goes, nothing new is raised
    cloud.faults.reset()
    cloud.data_age = 120
    for _ in range(3):
        await advance(hass, freezer, 30)
    assert registry.async_get_issue(DOMAIN, issue_id) is None
    assert registry.async_get_issue(DOMAIN, f"goe_no_data_{entry.entry_id}") is None
    cloud.faults.offline = True
    for _ in range(3):
        await advance(hass, freezer, 30)
    assert registry.async_get_issue(DOMAIN, issue_id) is not None
    cloud.faults.reset()
    cloud.data_age = 1
    await advance(hass, freezer, 30)
    assert registry.async_get_issue(DOMAIN, issue_id) is None
    assert _state(hass, "sensor.total_energy") == "1234.567"


async def test_age_option(
    hass: HomeAssistant, cloud: GoeSimulator, freezer: FrozenDateTimeFactory
) -> None:
    """A larger age accepts older cloud data."""
    await setup_entry(hass, cloud_data(cloud), goe_age=300, scan_interval=60)
    cloud.data_age = 120
    cloud.clear_log()
    await advance(hass, freezer, 60)
    (poll,) = cloud.log
    assert poll.query["age"] == "300"
    assert _state(hass, "sensor.total_energy") == "1234.567"


async def test_token_revoked_starts_reauth(
    hass: HomeAssistant, cloud: GoeSimulator, freezer: FrozenDateTimeFactory
) -> None:
    """A token refused while running starts the reauth flow."""
    entry = await setup_entry(hass, cloud_data(cloud))
    cloud.new_token()
    await advance(hass, freezer, 30)
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [f["context"]["source"] for f in flows] == ["reauth"]
    assert flows[0]["context"]["entry_id"] == entry.entry_id


async def test_write_with_revoked_token_starts_reauth(
    hass: HomeAssistant, cloud: GoeSimulator, freezer: FrozenDateTimeFactory
) -> None:
    """A write refused for the token fails clearly and starts reauth."""
    await setup_entry(hass, cloud_data(cloud))
    cloud.new_token()
    with pytest.raises(HomeAssistantError) as err:
        await hass.services.async_call(
            "switch",
            "turn_on",
            {ATTR_ENTITY_ID: f"switch.{PREFIX}_access_control"},
            blocking=True,
        )
    assert err.value.translation_key == "auth_failed"
    await hass.async_block_till_done()
    assert hass.config_entries.flow.async_progress_by_handler(DOMAIN)


async def test_setup_offline_retries(hass: HomeAssistant, cloud: GoeSimulator) -> None:
    """A charger offline at start-up means retry later."""
    cloud.faults.offline = True
    entry = await setup_entry(hass, cloud_data(cloud))
    assert entry.state is ConfigEntryState.SETUP_RETRY


async def test_unload_cancels_pending_refresh(
    hass: HomeAssistant, cloud: GoeSimulator, freezer: FrozenDateTimeFactory
) -> None:
    """Unloading right after a write leaves no refresh behind."""
    entry = await setup_entry(hass, cloud_data(cloud))
    await hass.services.async_call(
        "select",
        "select_option",
        {ATTR_ENTITY_ID: f"select.{PREFIX}_charging_control", "option": "off"},
        blocking=True,
    )
    assert await hass.config_entries.async_unload(entry.entry_id)
    cloud.clear_log()
    await advance(hass, freezer, 5)
    assert cloud.log == []


async def test_bad_values_do_not_crash(
    hass: HomeAssistant, sim: GoeSimulator, freezer: FrozenDateTimeFactory
) -> None:
    """Mistyped values become unknown; unknown codes are kept."""
    await setup_entry(hass, local_data(sim))
    sim.state.update(
        {
            "nrg": "garbage",
            "eto": "x",
            "car": 42,
            "err": None,
            "modelStatus": True,
            "frc": 9,
            "acs": None,
            "ama": None,
            "var": 11,
            "fwv": None,
            "tma": [],
            "dwo": 5000,
        }
    )
    await advance(hass, freezer, 10)
    assert _state(hass, "sensor.charging_power") == "unknown"
    assert _state(hass, "sensor.total_energy") == "unknown"
    car = hass.states.get(f"sensor.{PREFIX}_car_state")
    assert car is not None
    assert car.state == "code_42"
    assert car.attributes["code"] == 42
    assert "code_42" in car.attributes["options"]
    assert _state(hass, "sensor.error") == "unknown"
    assert _state(hass, "sensor.charging_reason") == "unknown"
    frc = hass.states.get(f"select.{PREFIX}_charging_control")
    assert frc is not None
    assert frc.state == "unknown"
    assert frc.attributes["code"] == 9
    assert _state(hass, "switch.access_control") == "unknown"
    assert _state(hass, "sensor.firmware") == "unknown"
    assert _state(hass, "sensor.temperature") == "unknown"
    assert _state(hass, "number.session_energy_limit") == "5.0"
    amp = hass.states.get(f"number.{PREFIX}_charging_current")
    assert amp is not None
    assert amp.attributes["max"] == 16

    # a key the charger stops reporting makes its entity unavailable
    del sim.state["wh"]
    await advance(hass, freezer, 10)
    assert _state(hass, "sensor.session_energy") == STATE_UNAVAILABLE


async def test_diagnostics_redacts_token_and_serial(
    hass: HomeAssistant, cloud: GoeSimulator, hass_client: ClientSessionGenerator
) -> None:
    """Neither the token nor the serial appears in the diagnostics."""
    entry = await setup_entry(hass, cloud_data(cloud))
    diag = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    text = repr(diag)
    assert cloud.token not in text
    assert "012345" not in text
    assert diag["device"]["mode"] == "cloud"
    assert diag["device"]["status"]["sse"] == "**REDACTED**"
    assert diag["entry"]["data"]["api_token"] == "**REDACTED**"
    assert diag["device"]["status"]["amp"] == 16
    assert "nrg" in diag["device"]["wanted_keys"]
