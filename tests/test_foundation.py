"""Config flow, coordinator, dynamic entities and diagnostics of the foundation.

Driven through the test-only demo vendor against its real simulator (tests/demo_vendor.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.const import (
    CONF_HOST,
    CONF_PASSWORD,
    CONF_SCAN_INTERVAL,
    CONF_USERNAME,
    STATE_UNAVAILABLE,
)
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import device_registry as dr, entity_registry as er, issue_registry as ir
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
import voluptuous as vol

from custom_components.energy_hub.const import CONF_VENDOR, DOMAIN
from custom_components.energy_hub.contract import VENDORS, register
from custom_components.energy_hub.coordinator import UNREACHABLE_AFTER_POLLS

from .common import advance
from .conftest import StartSimulator
from .demo_vendor import DEMO, DemoSimulator


@pytest.fixture(autouse=True)
def demo_vendor() -> Iterator[None]:
    """Register the test-only demo vendor for these tests."""
    register(DEMO)
    yield
    VENDORS.pop(DEMO.key, None)


@pytest.fixture
async def sim(start_simulator: StartSimulator) -> DemoSimulator:
    """A running demo device."""
    return await start_simulator(DemoSimulator())


def _user_input(sim: DemoSimulator, password: str = "secret") -> dict[str, Any]:
    return {CONF_HOST: sim.url, CONF_USERNAME: "demo", CONF_PASSWORD: password}


async def _setup(hass: HomeAssistant, sim: DemoSimulator, **options: Any) -> MockConfigEntry:
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Demo D-0001",
        unique_id=sim.serial,
        data={CONF_VENDOR: "demo", **_user_input(sim)},
        options=options,
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


async def test_user_menu_lists_vendors(hass: HomeAssistant) -> None:
    """The first step is a menu of every registered vendor."""
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert result["type"] is FlowResultType.MENU
    assert result["step_id"] == "user"
    assert "demo" in result["menu_options"]
    assert list(result["menu_options"]) == sorted(VENDORS)


async def test_flow_success_and_errors(hass: HomeAssistant, sim: DemoSimulator) -> None:
    """Wrong password and unreachable host show errors; then success creates the entry."""
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "demo"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "demo"

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _user_input(sim, password="wrong")
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "invalid_auth"}

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {**_user_input(sim), CONF_HOST: "http://127.0.0.1:9"}
    )
    assert result["errors"] == {CONF_HOST: "cannot_connect"}

    sim.faults.malformed_json = True
    result = await hass.config_entries.flow.async_configure(result["flow_id"], _user_input(sim))
    assert result["errors"] == {"base": "cannot_connect"}
    sim.faults.reset()

    result = await hass.config_entries.flow.async_configure(result["flow_id"], _user_input(sim))
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Demo D-0001"
    assert result["result"].unique_id == "D-0001"
    assert result["data"] == {CONF_VENDOR: "demo", **_user_input(sim)}


async def test_flow_unexpected_error(hass: HomeAssistant, sim: DemoSimulator) -> None:
    """A bug in a vendor's validation shows 'unknown', not a stack trace."""
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "demo"}
    )
    # the demo client does not guard float(); a text value makes it fail unexpectedly
    sim.channels = {"a": "not a number"}  # type: ignore[dict-item]
    result = await hass.config_entries.flow.async_configure(result["flow_id"], _user_input(sim))
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "unknown"}


async def test_flow_already_configured(hass: HomeAssistant, sim: DemoSimulator) -> None:
    """The same device twice aborts."""
    await _setup(hass, sim)
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "demo"}
    )
    result = await hass.config_entries.flow.async_configure(result["flow_id"], _user_input(sim))
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def test_setup_poll_and_unload(
    hass: HomeAssistant, sim: DemoSimulator, freezer: FrozenDateTimeFactory
) -> None:
    """Entities appear; a steady-state poll is one request; the entry unloads."""
    entry = await _setup(hass, sim)
    assert entry.state is ConfigEntryState.LOADED
    ent_reg = er.async_get(hass)
    entity_id = ent_reg.async_get_entity_id("sensor", DOMAIN, "D-0001_a")
    assert entity_id is not None
    state = hass.states.get(entity_id)
    assert state is not None
    assert state.state == "100.0"
    assert state.attributes["unit_of_measurement"] == "W"

    sim.clear_log()
    sim.channels["a"] = 42.0
    await advance(hass, freezer, 11)
    assert [r.path for r in sim.log] == ["/status"]
    assert hass.states.get(entity_id).state == "42.0"

    assert await hass.config_entries.async_unload(entry.entry_id)
    assert entry.state is ConfigEntryState.NOT_LOADED


async def test_unavailable_and_back(
    hass: HomeAssistant,
    sim: DemoSimulator,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A failing device makes entities unavailable (logged once) and they come back."""
    await _setup(hass, sim)
    entity_id = "sensor.channel_a_power"
    assert hass.states.get(entity_id).state == "100.0"
    for fault in ({"status": 500}, {"malformed_json": True}, {"close_connection": True}):
        for key, value in fault.items():
            setattr(sim.faults, key, value)
        await advance(hass, freezer, 11)
        assert hass.states.get(entity_id).state == STATE_UNAVAILABLE
        sim.faults.reset()
    assert caplog.text.count("Error fetching demo data") == 1
    await advance(hass, freezer, 11)
    assert hass.states.get(entity_id).state == "100.0"
    assert "Fetching demo data recovered" in caplog.text


async def test_setup_retries_when_unreachable(hass: HomeAssistant, sim: DemoSimulator) -> None:
    """An unreachable device at start-up means 'retry later', not an error."""
    sim.faults.status = 503
    entry = MockConfigEntry(
        domain=DOMAIN, unique_id=sim.serial, data={CONF_VENDOR: "demo", **_user_input(sim)}
    )
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.SETUP_RETRY


async def test_unknown_vendor_entry(hass: HomeAssistant) -> None:
    """An entry for a vendor that no longer exists fails with a clear error."""
    entry = MockConfigEntry(domain=DOMAIN, data={CONF_VENDOR: "nope"})
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.SETUP_ERROR
    assert entry.reason is not None


async def test_token_revoked_then_password_changed_starts_reauth(
    hass: HomeAssistant, sim: DemoSimulator, freezer: FrozenDateTimeFactory
) -> None:
    """Revoked tokens are renewed silently; a changed password starts reauth."""
    entry = await _setup(hass, sim)
    sim.tokens.revoke_all()
    await advance(hass, freezer, 11)
    assert hass.states.get("sensor.channel_a_power").state == "100.0"
    assert not hass.config_entries.flow.async_progress()

    sim.password = "new-secret"
    sim.tokens.revoke_all()
    await advance(hass, freezer, 11)
    flows = hass.config_entries.flow.async_progress()
    assert len(flows) == 1
    assert flows[0]["context"]["source"] == "reauth"
    assert flows[0]["context"]["entry_id"] == entry.entry_id


async def test_reauth_flow(hass: HomeAssistant, sim: DemoSimulator) -> None:
    """Reauth asks for the password, tests it and keeps the rest of the entry."""
    entry = await _setup(hass, sim)
    sim.password = "new-secret"
    result = await entry.start_reauth_flow(hass)
    assert result["step_id"] == "reauth_confirm"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PASSWORD: "wrong"}
    )
    assert result["errors"] == {"base": "invalid_auth"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PASSWORD: "new-secret"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert entry.data[CONF_PASSWORD] == "new-secret"
    assert entry.data[CONF_USERNAME] == "demo"
    assert entry.options == {}


async def test_reauth_wrong_device(hass: HomeAssistant, sim: DemoSimulator) -> None:
    """Reauth that reaches another device is refused; the entry is untouched."""
    entry = await _setup(hass, sim)
    sim.serial = "D-9999"
    result = await entry.start_reauth_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PASSWORD: "secret"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "wrong_device"
    assert entry.unique_id == "D-0001"


async def test_reconfigure_flow(
    hass: HomeAssistant, sim: DemoSimulator, start_simulator: StartSimulator
) -> None:
    """Reconfigure moves the entry to a new address; an empty password keeps the stored one."""
    entry = await _setup(hass, sim)
    moved = await start_simulator(DemoSimulator())
    result = await entry.start_reconfigure_flow(hass)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "reconfigure"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: "http://127.0.0.1:9", CONF_USERNAME: "demo"}
    )
    assert result["errors"] == {CONF_HOST: "cannot_connect"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: moved.url, CONF_USERNAME: "demo", CONF_PASSWORD: ""}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert entry.data[CONF_HOST] == moved.url
    assert entry.data[CONF_PASSWORD] == "secret"
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED


async def test_reconfigure_wrong_device(
    hass: HomeAssistant, sim: DemoSimulator, start_simulator: StartSimulator
) -> None:
    """Reconfigure to another device's address aborts and leaves the entry as it was."""
    entry = await _setup(hass, sim)
    other = DemoSimulator()
    other.serial = "D-0002"
    await start_simulator(other)
    result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: other.url, CONF_USERNAME: "demo", CONF_PASSWORD: "secret"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "wrong_device"
    assert entry.data[CONF_HOST] == sim.url


async def test_options_flow_sets_poll_interval(hass: HomeAssistant, sim: DemoSimulator) -> None:
    """The poll interval is stored as an int and applied after the reload."""
    entry = await _setup(hass, sim)
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["type"] is FlowResultType.FORM
    # the form names the allowed range
    assert result["description_placeholders"] == {"min": "5", "max": "300"}
    for wrong in (2.0, 301):
        result = await hass.config_entries.options.async_configure(
            result["flow_id"], {CONF_SCAN_INTERVAL: wrong}
        )
        assert result["type"] is FlowResultType.FORM
        assert result["errors"] == {CONF_SCAN_INTERVAL: "scan_interval_range"}
        assert result["description_placeholders"] == {"min": "5", "max": "300"}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_SCAN_INTERVAL: 60.0}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.options == {CONF_SCAN_INTERVAL: 60}
    await hass.async_block_till_done()
    assert entry.runtime_data.coordinator.update_interval == timedelta(seconds=60)


async def test_scan_interval_is_clamped(hass: HomeAssistant, sim: DemoSimulator) -> None:
    """A stored interval outside the vendor's range (or not a number) is clamped."""
    entry = await _setup(hass, sim, **{CONF_SCAN_INTERVAL: 1})
    assert DEMO.scan_interval(entry) == timedelta(seconds=5)
    hass.config_entries.async_update_entry(entry, options={CONF_SCAN_INTERVAL: "x"})
    assert DEMO.scan_interval(entry) == timedelta(seconds=10)


async def test_dynamic_and_stale_entities(
    hass: HomeAssistant, sim: DemoSimulator, freezer: FrozenDateTimeFactory
) -> None:
    """Channels added on the device appear; removed ones disappear with their device."""
    entry = await _setup(hass, sim)
    ent_reg = er.async_get(hass)
    dev_reg = dr.async_get(hass)
    sim.channels["c"] = 7.0
    del sim.channels["b"]
    await advance(hass, freezer, 11)
    assert ent_reg.async_get_entity_id("sensor", DOMAIN, "D-0001_c") is not None
    assert ent_reg.async_get_entity_id("sensor", DOMAIN, "D-0001_b") is None
    names = {d.name for d in dr.async_entries_for_config_entry(dev_reg, entry.entry_id)}
    assert "Channel c" in names
    assert "Channel b" not in names
    device = dev_reg.async_get_device_by_identifier((DOMAIN, "D-0001_c"), entry.entry_id)
    assert device is not None
    # a channel hangs off the device it is measured by
    parent = dev_reg.async_get_device_by_identifier((DOMAIN, "D-0001"), entry.entry_id)
    assert parent is not None
    assert device.via_device_id == parent.id
    # a current device cannot be deleted by the user, a gone one can
    assert not DEMO.device_removable(entry, device)

    # a channel removed while Home Assistant was stopped is cleaned up at the next start
    await hass.config_entries.async_unload(entry.entry_id)
    del sim.channels["c"]
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert ent_reg.async_get_entity_id("sensor", DOMAIN, "D-0001_c") is None


async def test_remove_device_through_websocket(
    hass: HomeAssistant, sim: DemoSimulator, hass_ws_client: Any
) -> None:
    """async_remove_config_entry_device refuses current devices."""
    assert await async_setup_component(hass, "config", {})
    entry = await _setup(hass, sim)
    dev_reg = dr.async_get(hass)
    device = dev_reg.async_get_device_by_identifier((DOMAIN, "D-0001_a"), entry.entry_id)
    assert device is not None
    client = await hass_ws_client(hass)
    await client.send_json(
        {
            "id": 1,
            "type": "config/device_registry/remove_config_entry",
            "config_entry_id": entry.entry_id,
            "device_id": device.id,
        }
    )
    response = await client.receive_json()
    assert not response["success"]


async def test_diagnostics_redacts_secrets(
    hass: HomeAssistant, sim: DemoSimulator, hass_client: ClientSessionGenerator
) -> None:
    """Passwords, usernames and serials never reach the diagnostics download."""
    entry = await _setup(hass, sim)
    diag = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    text = str(diag)
    assert "secret" not in text
    assert "D-0001" not in text
    assert diag["entry"]["data"][CONF_PASSWORD] == "**REDACTED**"
    assert diag["entry"]["data"][CONF_USERNAME] == "**REDACTED**"
    assert diag["device"]["channels"] == {"a": 100.0, "b": 250.5}
    assert diag["coordinator"]["last_update_success"] is True
    assert diag["vendor"] == "demo"


def test_api_errors_map_to_translated_exceptions() -> None:
    """Every client error becomes a translated Home Assistant exception."""
    from homeassistant.exceptions import ConfigEntryAuthFailed
    from homeassistant.helpers.update_coordinator import UpdateFailed

    from custom_components.energy_hub.api.errors import (
        EnergyHubApiError,
        EnergyHubAuthError,
        EnergyHubConnectionError,
        EnergyHubRequestError,
        EnergyHubResponseError,
        EnergyHubUnavailableError,
    )
    from custom_components.energy_hub.coordinator import translate_api_error

    cases = {
        EnergyHubAuthError("x"): (ConfigEntryAuthFailed, "auth_failed"),
        EnergyHubUnavailableError("x", reason="offline"): (UpdateFailed, "unavailable_offline"),
        EnergyHubConnectionError("x"): (UpdateFailed, "communication_error"),
        EnergyHubResponseError("x", status=500): (UpdateFailed, "invalid_response"),
        EnergyHubRequestError("x", status=400, detail="bad"): (UpdateFailed, "invalid_response"),
        EnergyHubApiError("x"): (UpdateFailed, "unknown_error"),
    }
    for error, (kind, key) in cases.items():
        translated = translate_api_error(error)
        assert isinstance(translated, kind)
        assert translated.translation_key == key
        assert translated.translation_domain == DOMAIN


class _BrokenDemo(type(DEMO)):  # type: ignore[misc]
    """The demo vendor with a validation that crashes."""

    async def async_validate(self, hass: HomeAssistant, data: dict[str, Any]) -> Any:
        raise RuntimeError("bug")


async def test_reauth_and_reconfigure_unexpected_error(
    hass: HomeAssistant, sim: DemoSimulator
) -> None:
    """A crash while re-testing credentials shows 'unknown' and changes nothing."""
    entry = await _setup(hass, sim)
    register(_BrokenDemo())
    result = await entry.start_reauth_flow(hass)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {CONF_PASSWORD: "x"})
    assert result["errors"] == {"base": "unknown"}
    result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: sim.url, CONF_USERNAME: "demo", CONF_PASSWORD: "x"}
    )
    assert result["errors"] == {"base": "unknown"}
    assert entry.data[CONF_PASSWORD] == "secret"


class _MenuDemo(type(DEMO)):  # type: ignore[misc]
    """The demo vendor with a menu first step and a step with a fixed value."""

    def flow_steps(self) -> dict[str, Any]:
        async def menu(flow: Any, user_input: dict[str, Any] | None) -> Any:
            return flow.async_show_menu(step_id="demo", menu_options=["demo_fixed"])

        async def fixed(flow: Any, user_input: dict[str, Any] | None) -> Any:
            flow.flow_data["mode"] = "fixed"
            return await flow.async_connection_step(self, "demo_fixed", user_input)

        return {"demo": menu, "demo_fixed": fixed}


async def test_vendor_flow_steps(hass: HomeAssistant, sim: DemoSimulator) -> None:
    """Vendor-defined steps are dispatched by id; fixed values are stored with the form's."""
    register(_MenuDemo())
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "demo"}
    )
    assert result["type"] is FlowResultType.MENU
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "demo_fixed"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "demo_fixed"
    result = await hass.config_entries.flow.async_configure(result["flow_id"], _user_input(sim))
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"]["mode"] == "fixed"


async def test_unknown_step_is_refused(hass: HomeAssistant) -> None:
    """A step id no vendor defines is not resolved."""
    from custom_components.energy_hub.config_flow import EnergyHubConfigFlow

    flow = EnergyHubConfigFlow()
    with pytest.raises(AttributeError):
        flow.async_step_nothing  # noqa: B018
    with pytest.raises(AttributeError):
        flow.something_else  # noqa: B018


async def test_default_vendor_diagnostics(hass: HomeAssistant, sim: DemoSimulator) -> None:
    """The base Vendor's diagnostics dump the coordinator data."""
    from custom_components.energy_hub.contract import Vendor

    entry = await _setup(hass, sim)
    diag = await Vendor.async_diagnostics(DEMO, hass, entry)
    assert "D-0001" in diag["data"]
    assert Vendor.device_removable(DEMO, entry, None) is False  # type: ignore[arg-type]


async def test_vendor_options_steps(
    hass: HomeAssistant, sim: DemoSimulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A vendor's own options steps appear in a menu beside the general settings."""

    async def tariff_step(flow: Any, user_input: dict[str, Any] | None) -> Any:
        if user_input is not None:
            return flow.async_create_entry(data={**flow.config_entry.options, **user_input})
        return flow.async_show_form(step_id="demo_tariff", data_schema=vol.Schema({"rate": int}))

    monkeypatch.setattr(DEMO, "options_steps", lambda: {"demo_tariff": tariff_step})
    entry = await _setup(hass, sim)
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["type"] is FlowResultType.MENU
    assert result["menu_options"] == ["settings", "demo_tariff"]
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": "demo_tariff"}
    )
    assert result["step_id"] == "demo_tariff"
    result = await hass.config_entries.options.async_configure(result["flow_id"], {"rate": 7})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.options == {"rate": 7}
    await hass.async_block_till_done()

    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": "settings"}
    )
    assert result["step_id"] == "settings"
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_SCAN_INTERVAL: 45}
    )
    assert entry.options == {"rate": 7, CONF_SCAN_INTERVAL: 45}
    await hass.async_block_till_done()


def _suggested(result: Any) -> dict[str, Any]:
    """The suggested values of a shown form, by field."""
    return {
        str(marker): (marker.description or {}).get("suggested_value")
        for marker in result["data_schema"].schema
    }


async def test_reauth_unreachable_is_a_form_error(hass: HomeAssistant, sim: DemoSimulator) -> None:
    """An error for a field the reauth form lacks (host) is shown as a form error."""
    entry = await _setup(hass, sim)
    hass.config_entries.async_update_entry(
        entry, data={**entry.data, CONF_HOST: "http://127.0.0.1:9"}
    )
    result = await entry.start_reauth_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PASSWORD: "typed"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "cannot_connect"}
    # what was typed stays in the form; nothing stored is prefilled
    assert _suggested(result) == {CONF_PASSWORD: "typed"}


async def test_reauth_form_prefills_no_stored_secret(
    hass: HomeAssistant, sim: DemoSimulator
) -> None:
    """The first reauth form is empty: the stored password is never prefilled."""
    entry = await _setup(hass, sim)
    result = await entry.start_reauth_flow(hass)
    assert _suggested(result) == {CONF_PASSWORD: None}


async def test_form_error_keeps_typed_secret(hass: HomeAssistant, sim: DemoSimulator) -> None:
    """After a failed attempt the form keeps what was typed, the password too."""
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "demo"}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _user_input(sim, password="wrong")
    )
    assert result["errors"] == {"base": "invalid_auth"}
    assert _suggested(result) == _user_input(sim, password="wrong")


async def test_reconfigure_error_keeps_typed_secret(
    hass: HomeAssistant, sim: DemoSimulator
) -> None:
    """Reconfigure never prefills the stored password, but keeps a typed one after an error."""
    entry = await _setup(hass, sim)
    result = await entry.start_reconfigure_flow(hass)
    assert _suggested(result)[CONF_PASSWORD] is None
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {**_user_input(sim, password="typo")}
    )
    assert result["errors"] == {"base": "invalid_auth"}
    assert _suggested(result)[CONF_PASSWORD] == "typo"


async def test_unreachable_for_long_raises_a_repair_issue(
    hass: HomeAssistant, sim: DemoSimulator, freezer: FrozenDateTimeFactory
) -> None:
    """A device unreachable for several polls shows a repair issue; it goes on recovery."""
    entry = await _setup(hass, sim)
    issue_id = f"unreachable_{entry.entry_id}"
    registry = ir.async_get(hass)
    sim.faults.close_connection = True
    for _ in range(UNREACHABLE_AFTER_POLLS - 1):
        await advance(hass, freezer, 11)
    assert hass.states.get("sensor.channel_a_power").state == STATE_UNAVAILABLE
    assert registry.async_get_issue(DOMAIN, issue_id) is None
    await advance(hass, freezer, 11)
    issue = registry.async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.translation_key == "unreachable"
    assert issue.translation_placeholders == {"name": entry.title}
    assert not issue.is_fixable
    # still unreachable: the issue stays (and is not raised twice)
    await advance(hass, freezer, 11)
    assert registry.async_get_issue(DOMAIN, issue_id) is not None
    sim.faults.reset()
    await advance(hass, freezer, 11)
    assert hass.states.get("sensor.channel_a_power").state == "100.0"
    assert registry.async_get_issue(DOMAIN, issue_id) is None
    # an entry unloaded while unreachable leaves no issue behind
    sim.faults.close_connection = True
    for _ in range(UNREACHABLE_AFTER_POLLS):
        await advance(hass, freezer, 11)
    assert registry.async_get_issue(DOMAIN, issue_id) is not None
    assert await hass.config_entries.async_unload(entry.entry_id)
    assert registry.async_get_issue(DOMAIN, issue_id) is None


async def test_expected_outage_is_not_an_error(
    hass: HomeAssistant,
    sim: DemoSimulator,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """After our own command (a reboot) failed polls are logged at info, not as errors."""
    entry = await _setup(hass, sim)
    coordinator = entry.runtime_data.coordinator
    coordinator.expect_outage(timedelta(seconds=30))
    sim.faults.close_connection = True
    caplog.clear()
    await advance(hass, freezer, 11)
    await advance(hass, freezer, 11)
    assert hass.states.get("sensor.channel_a_power").state == STATE_UNAVAILABLE
    assert not [r for r in caplog.records if r.levelname == "ERROR"]
    assert any("as expected" in r.getMessage() for r in caplog.records if r.levelname == "INFO")
    sim.faults.reset()
    await advance(hass, freezer, 11)
    assert hass.states.get("sensor.channel_a_power").state == "100.0"
    # once the grace period is over, an outage is an error again
    await advance(hass, freezer, 30)
    sim.faults.close_connection = True
    caplog.clear()
    await advance(hass, freezer, 11)
    assert [r for r in caplog.records if r.levelname == "ERROR"]
