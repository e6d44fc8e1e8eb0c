"""Service actions of the go-eCharger vendor: ``energy_hub.set_pv_surplus``."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import ATTR_DEVICE_ID
from homeassistant.core import HomeAssistant, ServiceCall
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import config_validation as cv, device_registry as dr
import voluptuous as vol

from ...const import CONF_VENDOR, DOMAIN
from .coordinator import GoeCoordinator

SERVICE_SET_PV_SURPLUS = "set_pv_surplus"
ATTR_GRID_POWER = "grid_power"
ATTR_PV_POWER = "pv_power"
ATTR_BATTERY_POWER = "battery_power"

_POWER = vol.All(vol.Coerce(float), vol.Range(min=-1_000_000, max=1_000_000))

SET_PV_SURPLUS_SCHEMA = vol.Schema(
    {
        vol.Required(ATTR_DEVICE_ID): cv.string,
        vol.Required(ATTR_GRID_POWER): _POWER,
        vol.Optional(ATTR_PV_POWER): _POWER,
        vol.Optional(ATTR_BATTERY_POWER): _POWER,
    }
)


def _coordinator(hass: HomeAssistant, device_id: str) -> GoeCoordinator:
    """The coordinator of the go-e charger behind a device id (translated errors otherwise)."""
    device = dr.async_get(hass).async_get(device_id)
    # a device belongs to one config entry (DeviceEntry.config_entries is deprecated)
    entry = hass.config_entries.async_get_entry(device.config_entry_id) if device else None
    if entry is None or entry.domain != DOMAIN or entry.data.get(CONF_VENDOR) != "goe":
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="goe_not_a_charger_device",
            translation_placeholders={"device_id": device_id},
        )
    if entry.state is not ConfigEntryState.LOADED:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="goe_not_loaded",
            translation_placeholders={"name": entry.title},
        )
    coordinator: GoeCoordinator = entry.runtime_data.coordinator
    return coordinator


async def _async_set_pv_surplus(call: ServiceCall) -> None:
    coordinator = _coordinator(call.hass, call.data[ATTR_DEVICE_ID])
    ids: dict[str, Any] = {"pGrid": call.data[ATTR_GRID_POWER]}
    if ATTR_PV_POWER in call.data:
        ids["pPv"] = call.data[ATTR_PV_POWER]
    if ATTR_BATTERY_POWER in call.data:
        ids["pAkku"] = call.data[ATTR_BATTERY_POWER]
    # resent every few seconds by an automation: no refresh after each
    await coordinator.async_write({"ids": ids}, refresh=False)


def async_register_services(hass: HomeAssistant) -> None:
    """Register the go-e service actions."""
    hass.services.async_register(
        DOMAIN, SERVICE_SET_PV_SURPLUS, _async_set_pv_surplus, schema=SET_PV_SURPLUS_SCHEMA
    )
