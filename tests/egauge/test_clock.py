"""A meter declaring every fresh nonce expired: a clock problem, not a password one (#14.11)."""

from __future__ import annotations

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import SOURCE_USER
from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_USERNAME, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import entity_registry as er, issue_registry as ir

from custom_components.energy_hub.const import CONF_VERIFY_SSL, DOMAIN
from simulators.egauge import EgaugeSimulator

from ..common import advance
from .conftest import setup_meter


def _grid_state(hass: HomeAssistant, serial: str) -> str:
    entity_id = er.async_get(hass).async_get_entity_id("sensor", DOMAIN, f"{serial}_reg0_power")
    assert entity_id is not None
    state = hass.states.get(entity_id)
    assert state is not None
    return state.state


async def test_broken_clock_is_unavailable_not_reauth(
    hass: HomeAssistant, meter: EgaugeSimulator, freezer: FrozenDateTimeFactory
) -> None:
    """Polls fail with the translated clock reason, no reauth; a repair issue; then recovery."""
    entry = await setup_meter(hass, meter)
    meter.clock_broken = True
    meter.generation += 1  # the token is gone: the next poll must log in again
    await advance(hass, freezer, 31)
    assert _grid_state(hass, meter.serial) == STATE_UNAVAILABLE
    error = entry.runtime_data.coordinator.last_exception
    assert error is not None
    assert error.translation_key == "unavailable_egauge_clock"
    assert "clock" in str(error)  # the translated message, not a traceback
    assert hass.config_entries.flow.async_progress() == []  # no "sign in again"
    issue_id = f"egauge_clock_{entry.entry_id}"
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None  # not at once
    await advance(hass, freezer, 31)
    await advance(hass, freezer, 31)
    issue = ir.async_get(hass).async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.translation_key == "egauge_clock"
    assert issue.translation_placeholders == {"name": entry.title}
    assert hass.config_entries.flow.async_progress() == []

    meter.clock_broken = False
    await advance(hass, freezer, 31)
    assert _grid_state(hass, meter.serial) != STATE_UNAVAILABLE
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None


async def test_broken_clock_in_the_flow(hass: HomeAssistant, meter: EgaugeSimulator) -> None:
    """The connection test says it is the meter's clock, not invalid credentials."""
    meter.clock_broken = True
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "egauge"}
    )
    form = {
        CONF_HOST: meter.url,
        CONF_USERNAME: "owner",
        CONF_PASSWORD: "secret",
        CONF_VERIFY_SSL: True,
    }
    result = await hass.config_entries.flow.async_configure(result["flow_id"], form)
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "egauge_clock"}
    meter.clock_broken = False
    result = await hass.config_entries.flow.async_configure(result["flow_id"], form)
    assert result["type"] is FlowResultType.CREATE_ENTRY
