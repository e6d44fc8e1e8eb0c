"""eGauge entries against the simulated meter: entities, polling, tokens, reboot, diagnostics."""

from __future__ import annotations

from itertools import pairwise
import logging

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.button import DOMAIN as BUTTON_DOMAIN, SERVICE_PRESS
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import ATTR_ENTITY_ID, STATE_UNAVAILABLE, STATE_UNKNOWN
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import device_registry as dr, entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.energy_hub.api.egauge import SINCE_QUERY, RegisterData
from custom_components.energy_hub.const import DOMAIN
from custom_components.energy_hub.vendors.egauge.entities import sensors_for
from simulators.egauge import EgaugeSimulator

from ..common import advance
from .conftest import entry_data, setup_meter

SERIAL = "G10400"


def _entity_id(hass: HomeAssistant, unique_id: str) -> str:
    entity_id = er.async_get(hass).async_get_entity_id("sensor", DOMAIN, f"{SERIAL}_{unique_id}")
    assert entity_id is not None, unique_id
    return entity_id


def _state(hass: HomeAssistant, unique_id: str) -> str:
    state = hass.states.get(_entity_id(hass, unique_id))
    assert state is not None
    return state.state


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_entities_per_register_type(hass: HomeAssistant, meter: EgaugeSimulator) -> None:
    """Each register type gets the right device class, unit, state class and value."""
    await setup_meter(hass, meter)
    expected = {
        "reg0_power": ("power", "W", "measurement", 1798.0),
        "reg1_power": ("power", "W", "measurement", -2500.0),
        "reg2_apparent_power": ("apparent_power", "VA", "measurement", 2100.0),
        "reg3_reactive_power": ("reactive_power", "var", "measurement", -310.0),
        "reg4_voltage": ("voltage", "V", "measurement", 121.5),
        "reg5_current": ("current", "A", "measurement", 14.8),
        "reg6_frequency": ("frequency", "Hz", "measurement", 60.01),
        "reg7_temperature": ("temperature", "°C", "measurement", 18.5),
        "reg8_humidity": ("humidity", "%", "measurement", 45.2),
        "reg9_irradiance": ("irradiance", "W/m²", "measurement", 650.0),
        "reg10_pressure": ("pressure", "Pa", "measurement", 101325.0),
        "virt_use_power": ("power", "W", "measurement", -702.0),
        "virt_gen_power": ("power", "W", "measurement", 2500.0),
    }
    for unique_id, (device_class, unit, state_class, value) in expected.items():
        state = hass.states.get(_entity_id(hass, unique_id))
        assert state is not None
        assert state.attributes["device_class"] == device_class, unique_id
        assert state.attributes["unit_of_measurement"] == unit, unique_id
        assert state.attributes["state_class"] == state_class, unique_id
        assert float(state.state) == pytest.approx(value), unique_id

    # totals: kWh etc. from the raw cumulative value, state_class total (counters run backwards)
    seconds = round(meter.now() - meter.db_created)
    grid_energy = hass.states.get(_entity_id(hass, "reg0_energy"))
    assert grid_energy is not None
    assert grid_energy.attributes["device_class"] == "energy"
    assert grid_energy.attributes["unit_of_measurement"] == "kWh"
    assert grid_energy.attributes["state_class"] == "total"
    assert float(grid_energy.state) == pytest.approx(1798 * seconds / 3_600_000, rel=1e-6)
    assert float(_state(hass, "reg1_energy")) < 0  # solar reading negative is kept
    assert float(_state(hass, "virt_gen_energy")) > 0
    totals = {
        "reg2_apparent_energy": (None, "kVAh"),
        "reg3_reactive_energy": ("reactive_energy", "kvarh"),
        "reg5_charge": (None, "Ah"),
        "reg9_irradiation": (None, "kWh/m²"),
    }
    for unique_id, (device_class, unit) in totals.items():
        state = hass.states.get(_entity_id(hass, unique_id))
        assert state is not None
        assert state.attributes.get("device_class") == device_class
        assert state.attributes["unit_of_measurement"] == unit
        assert state.attributes["state_class"] == "total"
    # names come from the register names
    assert hass.states.get(_entity_id(hass, "reg0_power")).name == "egauge-sim Grid"
    assert hass.states.get(_entity_id(hass, "reg0_energy")).name == "egauge-sim Grid energy"
    # the unknown type code is kept (diagnostics) but has no entity
    ent_reg = er.async_get(hass)
    assert not [
        e
        for e in er.async_entries_for_config_entry(
            ent_reg, hass.config_entries.async_entries(DOMAIN)[0].entry_id
        )
        if e.unique_id.startswith(f"{SERIAL}_reg11_")
    ]
    # everything sits on one device per meter
    dev_reg = dr.async_get(hass)
    entry_id = hass.config_entries.async_entries(DOMAIN)[0].entry_id
    device = dev_reg.async_get_device_by_identifier((DOMAIN, SERIAL), entry_id)
    assert device is not None
    assert device.model == "EG4030"
    assert device.sw_version == "4.6.2"
    assert device.serial_number == SERIAL
    assert device.name == "egauge-sim"


async def test_noisy_totals_disabled_by_default(
    hass: HomeAssistant, meter: EgaugeSimulator
) -> None:
    """Reactive/apparent totals start disabled; energy is enabled."""
    await setup_meter(hass, meter)
    ent_reg = er.async_get(hass)
    reactive = ent_reg.async_get(_entity_id(hass, "reg3_reactive_energy"))
    assert reactive is not None
    assert reactive.disabled_by is er.RegistryEntryDisabler.INTEGRATION
    energy = ent_reg.async_get(_entity_id(hass, "reg0_energy"))
    assert energy is not None
    assert energy.disabled_by is None


async def test_one_request_per_poll_and_counters_advance(
    hass: HomeAssistant, meter: EgaugeSimulator, freezer: FrozenDateTimeFactory
) -> None:
    """Steady state: exactly one GET /api/register per poll, no login; values move on."""
    await setup_meter(hass, meter)
    before = float(_state(hass, "reg0_energy"))
    before_ts = int(meter.now())
    meter.clear_log()
    await advance(hass, freezer, 31)
    # the poll also reads the stored rows since the previous one (import/export split)
    assert [(r.method, r.path) for r in meter.log] == [("GET", "/api/register")]
    assert meter.log[0].query_string == SINCE_QUERY.format(since=int(before_ts))
    after = float(_state(hass, "reg0_energy"))
    assert after == pytest.approx(before + 1798 * 31 / 3_600_000, abs=1e-6)
    meter.clear_log()
    for _ in range(5):
        await advance(hass, freezer, 31)
    assert len(meter.log) == 5
    assert {r.path for r in meter.log} == {"/api/register"}


async def test_token_refreshed_before_expiry(
    hass: HomeAssistant, meter: EgaugeSimulator, freezer: FrozenDateTimeFactory
) -> None:
    """Polling across the token lifetime logs in early: no request is ever refused."""
    await setup_meter(hass, meter)
    meter.clear_log()
    for _ in range(25):  # 25 x 31 s > 600 s token lifetime
        await advance(hass, freezer, 31)
    logins = meter.requests("/api/auth/login")
    assert len(logins) == 1
    # no request got a 401: each /register was answered, no retry was needed
    assert len(meter.requests("/api/register")) == 25
    assert meter.requests("/api/auth/unauthorized")  # the proactive login's nonce
    assert _state(hass, "reg0_power") == "1798.0"


async def test_recovery_after_reboot(
    hass: HomeAssistant,
    meter: EgaugeSimulator,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The reboot button: unavailable while the meter restarts, then back with a new login.

    The outage our own reboot causes is expected: no error is logged for it.
    """
    entry = await setup_meter(hass, meter)
    meter.reboot_duration = 45
    button = er.async_get(hass).async_get_entity_id("button", DOMAIN, f"{SERIAL}_reboot")
    assert button is not None
    button_entry = er.async_get(hass).async_get(button)
    assert button_entry is not None
    assert button_entry.entity_category is not None
    assert button_entry.entity_category.value == "config"
    await hass.services.async_call(
        BUTTON_DOMAIN, SERVICE_PRESS, {ATTR_ENTITY_ID: button}, blocking=True
    )
    assert meter.reboots == 1
    caplog.clear()
    await advance(hass, freezer, 31)
    assert _state(hass, "reg0_power") == STATE_UNAVAILABLE
    assert not [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    meter.clear_log()
    await advance(hass, freezer, 31)
    assert _state(hass, "reg0_power") == "1798.0"
    assert [r.path for r in meter.log] == [
        "/api/auth/unauthorized",
        "/api/auth/login",
        "/api/register",
    ]
    assert entry.state is ConfigEntryState.LOADED
    assert not hass.config_entries.flow.async_progress()


async def test_reboot_outside_the_button(
    hass: HomeAssistant, meter: EgaugeSimulator, freezer: FrozenDateTimeFactory
) -> None:
    """A reboot the integration did not cause: the revoked token is replaced via the 401."""
    await setup_meter(hass, meter)
    meter.reboot_duration = 0
    meter.reboot()
    meter.clear_log()
    await advance(hass, freezer, 31)
    assert _state(hass, "reg0_power") == "1798.0"
    assert [r.path for r in meter.log] == ["/api/register", "/api/auth/login", "/api/register"]


async def test_reboot_button_errors(hass: HomeAssistant, meter: EgaugeSimulator) -> None:
    """A user without the save right, or a gone meter: a clear error, no trace."""
    meter.users["owner"]["rights"] = {"view_settings"}
    await setup_meter(hass, meter)
    button = er.async_get(hass).async_get_entity_id("button", DOMAIN, f"{SERIAL}_reboot")
    with pytest.raises(HomeAssistantError) as err:
        await hass.services.async_call(
            BUTTON_DOMAIN, SERVICE_PRESS, {ATTR_ENTITY_ID: button}, blocking=True
        )
    assert err.value.translation_key == "egauge_reboot_not_allowed"
    meter.faults.status = 500
    meter.faults.paths = ("/api/cmd",)
    meter.users["owner"]["rights"] = {"view_settings", "save"}
    with pytest.raises(HomeAssistantError) as err:
        await hass.services.async_call(
            BUTTON_DOMAIN, SERVICE_PRESS, {ATTR_ENTITY_ID: button}, blocking=True
        )
    # an HTTP 500 is a reply the integration cannot use (the same key as in a failed poll)
    assert err.value.translation_key == "invalid_response"
    meter.faults.reset()
    meter.users["owner"]["pwd"] = "changed"
    meter.generation += 1
    with pytest.raises(HomeAssistantError) as err:
        await hass.services.async_call(
            BUTTON_DOMAIN, SERVICE_PRESS, {ATTR_ENTITY_ID: button}, blocking=True
        )
    assert err.value.translation_key == "auth_failed"
    await hass.async_block_till_done()
    flows = hass.config_entries.flow.async_progress()
    assert [f["context"]["source"] for f in flows] == ["reauth"]


async def test_password_changed_starts_reauth(
    hass: HomeAssistant, meter: EgaugeSimulator, freezer: FrozenDateTimeFactory
) -> None:
    """A refused login during polling starts the reauth flow."""
    entry = await setup_meter(hass, meter)
    meter.users["owner"]["pwd"] = "changed"
    meter.generation += 1
    await advance(hass, freezer, 31)
    flows = hass.config_entries.flow.async_progress()
    assert len(flows) == 1
    assert flows[0]["context"]["source"] == "reauth"
    assert flows[0]["context"]["entry_id"] == entry.entry_id


async def test_dynamic_registers_and_rename(
    hass: HomeAssistant, meter: EgaugeSimulator, freezer: FrozenDateTimeFactory
) -> None:
    """Registers added on the meter appear, removed ones go, a rename keeps the entity."""
    entry = await setup_meter(hass, meter)
    ent_reg = er.async_get(hass)
    grid_id = _entity_id(hass, "reg0_power")

    meter.rename_register("Grid", "Mains")
    meter.add_register("Heat pump", "P", 900.0)
    meter.remove_register("Humidity")
    await advance(hass, freezer, 31)

    assert _entity_id(hass, "reg0_power") == grid_id  # same entity, same history
    state = hass.states.get(grid_id)
    assert state is not None
    assert state.name == "egauge-sim Mains"
    assert _state(hass, "reg12_power") == "900.0"
    assert ent_reg.async_get_entity_id("sensor", DOMAIN, f"{SERIAL}_reg8_humidity") is None

    # a type change on the meter gives a new sensor of the new kind
    meter.register("Heat pump").type = "I"
    await advance(hass, freezer, 31)
    assert ent_reg.async_get_entity_id("sensor", DOMAIN, f"{SERIAL}_reg12_power") is None
    assert _entity_id(hass, "reg12_current")

    # removed while Home Assistant was stopped: gone at the next start
    await hass.config_entries.async_unload(entry.entry_id)
    meter.remove_register("Heat pump")
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert ent_reg.async_get_entity_id("sensor", DOMAIN, f"{SERIAL}_reg12_current") is None


async def test_missing_values_are_unknown(
    hass: HomeAssistant, meter: EgaugeSimulator, freezer: FrozenDateTimeFactory
) -> None:
    """A reply without the cumulative row gives unknown totals, never 0."""
    await setup_meter(hass, meter)
    original = meter.register_reply

    def no_ranges(raw_query: str) -> dict[str, object]:
        reply = original(raw_query)
        reply.pop("ranges", None)
        return reply

    meter.register_reply = no_ranges  # type: ignore[method-assign]
    await advance(hass, freezer, 31)
    assert _state(hass, "reg0_energy") == STATE_UNKNOWN
    assert _state(hass, "reg0_power") == "1798.0"


async def test_setup_errors(hass: HomeAssistant, meter: EgaugeSimulator) -> None:
    """Unreachable: retry later; wrong password: reauth; another meter: clear error."""
    meter.faults.close_connection = True
    entry = MockConfigEntry(domain=DOMAIN, unique_id=SERIAL, data=entry_data(meter))
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.SETUP_RETRY
    meter.faults.reset()
    await hass.config_entries.async_unload(entry.entry_id)

    wrong = MockConfigEntry(domain=DOMAIN, unique_id=SERIAL, data=entry_data(meter, "bad"))
    wrong.add_to_hass(hass)
    await hass.config_entries.async_setup(wrong.entry_id)
    assert wrong.state is ConfigEntryState.SETUP_ERROR
    assert any(
        f["context"]["source"] == "reauth" for f in hass.config_entries.flow.async_progress()
    )

    other = MockConfigEntry(domain=DOMAIN, unique_id="G00001", data=entry_data(meter))
    other.add_to_hass(hass)
    await hass.config_entries.async_setup(other.entry_id)
    assert other.state is ConfigEntryState.SETUP_ERROR
    assert other.reason is not None


async def test_unload_logs_out(hass: HomeAssistant, meter: EgaugeSimulator) -> None:
    """Unloading gives the token back."""
    entry = await setup_meter(hass, meter)
    assert await hass.config_entries.async_unload(entry.entry_id)
    assert len(meter.requests("/api/auth/logout")) == 1


async def test_diagnostics_redacted(
    hass: HomeAssistant, meter: EgaugeSimulator, hass_client: ClientSessionGenerator
) -> None:
    """Password, user, serial, host and hostname never reach the download."""
    entry = await setup_meter(hass, meter)
    diag = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    text = str(diag)
    for secret in ("secret", SERIAL, "egauge-sim", "owner", meter.url):
        assert secret not in text, secret
    assert diag["entry"]["data"]["password"] == "**REDACTED**"
    assert diag["device"]["meter"]["model"] == "EG4030"
    registers = diag["device"]["registers"]["registers"]
    assert {r["name"] for r in registers} >= {"Grid", "Solar", "Mystery", "use", "gen"}
    mystery = next(r for r in registers if r["name"] == "Mystery")
    assert mystery["type"] == "Zq"
    assert mystery["known_type"] is False
    assert diag["device"]["client"]["login_count"] == 1


async def test_register_gone_between_polls(hass: HomeAssistant, meter: EgaugeSimulator) -> None:
    """An entity whose register is missing from the data is unavailable with no value."""
    entry = await setup_meter(hass, meter)
    coordinator = entry.runtime_data.coordinator
    entity = hass.data["entity_components"]["sensor"].get_entity(_entity_id(hass, "reg0_power"))
    assert entity is not None
    assert entity.native_value == 1798.0
    coordinator.data = RegisterData(ts=None)
    assert entity.native_value is None
    assert entity.available is False
    assert sensors_for(coordinator, "reg0|P") == []


async def test_entity_names_no_doubled_words(hass: HomeAssistant, meter: EgaugeSimulator) -> None:
    """Register names are capitalised for display and never doubled by the total's word.

    The unique ids stay as they were (built from the register, not the display name).
    """
    entry = await setup_meter(hass, meter)
    ent_reg = er.async_get(hass)
    names = {
        e.unique_id: e.original_name
        for e in er.async_entries_for_config_entry(ent_reg, entry.entry_id)
    }
    assert names[f"{SERIAL}_reg2_apparent_energy"] == "Apparent energy"
    assert names[f"{SERIAL}_reg3_reactive_energy"] == "Reactive energy"
    assert names[f"{SERIAL}_reg9_irradiation"] == "Irradiance total"
    assert names[f"{SERIAL}_reg0_energy"] == "Grid energy"
    assert names[f"{SERIAL}_virt_use_power"] == "Use"
    assert names[f"{SERIAL}_virt_gen_energy"] == "Gen energy"
    for name in names.values():
        words = (name or "").lower().split()
        assert all(a != b for a, b in pairwise(words)), name
