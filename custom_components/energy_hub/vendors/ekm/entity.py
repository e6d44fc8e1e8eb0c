"""Devices and error mapping shared by the EKM entities and services."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NoReturn, cast

from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers.device_registry import DeviceInfo

from ...api import EnergyHubApiError, EnergyHubRequestError
from ...const import DOMAIN
from ...coordinator import EnergyHubConfigEntry, action_error
from ...helpers import device_identifier
from .const import MANUFACTURER, VENDOR_KEY
from .coordinator import EkmCoordinator


def gateway_identifier(gateway: str) -> tuple[str, str]:
    """Device-registry identifier of a Push3 gateway."""
    return device_identifier(VENDOR_KEY, gateway)


def meter_identifier(meter: str) -> tuple[str, str]:
    """Device-registry identifier of an Omnimeter."""
    return device_identifier(VENDOR_KEY, meter)


def gateway_device(gateway: str) -> DeviceInfo:
    """The Push3 gateway's device."""
    return DeviceInfo(
        identifiers={gateway_identifier(gateway)},
        name=f"EKM Push3 {gateway}",
        manufacturer=MANUFACTURER,
        model="Push3 gateway",
        serial_number=gateway,
    )


def meter_device(meter: str, info: Mapping[str, Any], gateway_device_id: str | None) -> DeviceInfo:
    """An Omnimeter's device, linked to the gateway it is read through."""
    protocol = str(info.get("protocol") or "v4")
    device = DeviceInfo(
        identifiers={meter_identifier(meter)},
        name=f"Omnimeter {meter}",
        manufacturer=MANUFACTURER,
        model=f"Omnimeter {protocol}",
        serial_number=meter,
    )
    if gateway_device_id is not None:
        device["via_device_id"] = gateway_device_id
    return device


def ekm_coordinator(entry: EnergyHubConfigEntry) -> EkmCoordinator:
    """The coordinator of a loaded EKM entry."""
    return cast("EkmCoordinator", entry.runtime_data.coordinator)


def raise_api_error(entry: EnergyHubConfigEntry, err: EnergyHubApiError) -> NoReturn:
    """Turn a client error of an action into the translated error the user sees."""
    if isinstance(err, EnergyHubRequestError):
        if err.status == 404:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="ekm_trigger_not_found",
                translation_placeholders={"error": err.detail},
            ) from err
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="ekm_trigger_refused",
            translation_placeholders={"error": err.detail},
        ) from err
    raise action_error(entry.runtime_data.coordinator.hass, entry, err) from err
