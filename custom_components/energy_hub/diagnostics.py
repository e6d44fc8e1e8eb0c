"""Diagnostics download: entry, options and the vendor's data, with secrets redacted.

Entry data is shown by allow-list (``HARMLESS_DATA_KEYS`` and the vendor's
``diagnostics_data_keys``); vendors show what a device sent by allow-list too
(``helpers.redact_unknown``). The deny-list (``TO_REDACT``, the vendor's secret and redact
keys) applies on top.
"""

from __future__ import annotations

from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.core import HomeAssistant

from .const import CONF_CERTIFICATE_SHA256, CONF_VENDOR, CONF_VERIFY_SSL, TO_REDACT
from .contract import EnergyHubConfigEntry
from .helpers import redact_unknown

#: Entry data every vendor may show: nothing of it is secret.
HARMLESS_DATA_KEYS = frozenset({CONF_VENDOR, CONF_VERIFY_SSL, CONF_CERTIFICATE_SHA256})


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
                # by allow-list: a key not known to be harmless is redacted
                "data": redact_unknown(
                    dict(entry.data), HARMLESS_DATA_KEYS | vendor.diagnostics_data_keys
                ),
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
