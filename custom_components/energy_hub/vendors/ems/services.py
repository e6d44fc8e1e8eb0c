"""The ``energy_hub.get_history`` service action: a signal's history for a time range."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.core import HomeAssistant, ServiceCall, ServiceResponse, SupportsResponse
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import config_validation as cv, entity_registry as er
from homeassistant.util import dt as dt_util
import voluptuous as vol

from ...api.ems import EmsClient, EmsHistorySample, EmsNotFoundError
from ...api.ems_signals import signal_type
from ...api.errors import EnergyHubApiError, EnergyHubRequestError
from ...const import CONF_VENDOR, DOMAIN
from ...contract import EnergyHubConfigEntry
from ...coordinator import action_error
from .const import VENDOR_KEY
from .entities import uid_from_unique_id

SERVICE_GET_HISTORY = "get_history"
ATTR_CONFIG_ENTRY_ID = "config_entry_id"
ATTR_SIGNAL_UID = "signal_uid"
ATTR_START = "start"
ATTR_END = "end"
ATTR_LIMIT = "limit"
DEFAULT_LIMIT = 1000
MAX_SAMPLES = 10000

# "exactly one of entity and signal UID" is checked in the handler, so the user gets a
# translated message instead of the schema's own text
GET_HISTORY_SCHEMA = vol.Schema(
    {
        vol.Optional(ATTR_ENTITY_ID): cv.entity_id,
        vol.Optional(ATTR_CONFIG_ENTRY_ID): cv.string,
        vol.Optional(ATTR_SIGNAL_UID): vol.All(vol.Coerce(int), vol.Range(min=0)),
        vol.Required(ATTR_START): cv.datetime,
        vol.Required(ATTR_END): cv.datetime,
        vol.Optional(ATTR_LIMIT, default=DEFAULT_LIMIT): vol.All(
            vol.Coerce(int), vol.Range(min=1, max=MAX_SAMPLES)
        ),
    }
)


def _invalid(key: str, **placeholders: str) -> ServiceValidationError:
    return ServiceValidationError(
        translation_domain=DOMAIN, translation_key=key, translation_placeholders=placeholders
    )


def _loaded_entry(hass: HomeAssistant, entry_id: str) -> EnergyHubConfigEntry:
    entry: EnergyHubConfigEntry | None = hass.config_entries.async_get_entry(entry_id)
    if entry is None or entry.domain != DOMAIN or entry.data.get(CONF_VENDOR) != VENDOR_KEY:
        raise _invalid("ems_no_gateway")
    if entry.state is not ConfigEntryState.LOADED:
        raise _invalid("ems_entry_not_loaded", name=entry.title)
    return entry


def _resolve(hass: HomeAssistant, data: dict[str, Any]) -> tuple[EnergyHubConfigEntry, int]:
    """The gateway entry and the signal UID a call is about."""
    if (ATTR_ENTITY_ID in data) == (ATTR_SIGNAL_UID in data):
        raise _invalid("ems_signal_required")
    if ATTR_ENTITY_ID in data:
        entity_id: str = data[ATTR_ENTITY_ID]
        reg_entry = er.async_get(hass).async_get(entity_id)
        uid = uid_from_unique_id(reg_entry.unique_id) if reg_entry is not None else None
        if reg_entry is None or reg_entry.platform != DOMAIN or uid is None:
            raise _invalid("ems_not_a_signal", entity_id=entity_id)
        if reg_entry.config_entry_id is None:  # pragma: no cover - our entities have one
            raise _invalid("ems_not_a_signal", entity_id=entity_id)
        return _loaded_entry(hass, reg_entry.config_entry_id), uid
    uid = data[ATTR_SIGNAL_UID]
    if ATTR_CONFIG_ENTRY_ID in data:
        return _loaded_entry(hass, data[ATTR_CONFIG_ENTRY_ID]), uid
    entries = [
        entry
        for entry in hass.config_entries.async_entries(DOMAIN)
        if entry.data.get(CONF_VENDOR) == VENDOR_KEY
    ]
    if not entries:
        raise _invalid("ems_no_gateway")
    if len(entries) > 1:
        raise _invalid("ems_entry_required")
    return _loaded_entry(hass, entries[0].entry_id), uid


def _sample(row: EmsHistorySample) -> dict[str, Any]:
    def iso(seconds: float | None) -> str | None:
        return dt_util.utc_from_timestamp(seconds).isoformat() if seconds is not None else None

    return {
        "time": iso(row.time),
        "period_end": iso(row.period),
        "value": row.value,
        "min": row.min,
        "max": row.max,
        "d": row.d,
    }


async def async_get_history(call: ServiceCall) -> ServiceResponse:
    """Read a signal's history from its gateway."""
    hass = call.hass
    entry, uid = _resolve(hass, dict(call.data))
    start = dt_util.as_utc(call.data[ATTR_START])
    end = dt_util.as_utc(call.data[ATTR_END])
    if start >= end:
        raise _invalid("ems_history_range")
    client: EmsClient = entry.runtime_data.client
    try:
        rows = await client.history(
            uid,
            int(start.timestamp() * 1000),
            int(end.timestamp() * 1000),
            limit=call.data[ATTR_LIMIT],
        )
    except EmsNotFoundError as err:
        raise _invalid("ems_signal_not_found", uid=str(uid)) from err
    except EnergyHubRequestError as err:
        raise _invalid("ems_history_refused", error=err.detail or str(err)) from err
    except EnergyHubApiError as err:
        raise action_error(hass, entry, err) from err
    signal = entry.runtime_data.coordinator.data.config.signals.get(uid)
    si = signal.si if signal is not None else None
    row_type = signal_type(si)
    return {
        "signal_uid": uid,
        "signal_code": si,
        "unit": row_type.unit if row_type is not None else None,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "samples": [_sample(row) for row in rows],
    }


def async_register(hass: HomeAssistant) -> None:
    """Register the EMS service actions."""
    hass.services.async_register(
        DOMAIN,
        SERVICE_GET_HISTORY,
        async_get_history,
        schema=GET_HISTORY_SCHEMA,
        supports_response=SupportsResponse.ONLY,
    )
