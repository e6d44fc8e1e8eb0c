"""Diagnostics download: entry, options and the vendor's data, with secrets redacted."""

from __future__ import annotations

from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.core import HomeAssistant

from .const import TO_REDACT
from .contract import EnergyHubConfigEntry


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: EnergyHubConfigEntry
) -> dict[str, Any]:
    """Return diagnostics for a config entry."""
    runtime = entry.runtime_data
    vendor = runtime.vendor
    redact = TO_REDACT | vendor.secret_keys | vendor.redact_keys
    coordinator = runtime.coordinator
    return async_redact_data(
        {
            "entry": {
                "title": entry.title,
                "unique_id": entry.unique_id,
                "version": entry.version,
                "data": dict(entry.data),
                "options": dict(entry.options),
            },
            "vendor": vendor.key,
            "coordinator": {
                "last_update_success": coordinator.last_update_success,
                "update_interval": str(coordinator.update_interval),
                "last_exception": repr(coordinator.last_exception)
                if coordinator.last_exception
                else None,
            },
            "device": await vendor.async_diagnostics(hass, entry),
        },
        redact,
    )
