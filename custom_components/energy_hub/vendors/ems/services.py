"""The ``energy_hub.get_history`` service action: a signal's history for a time range."""

from __future__ import annotations

from typing import Any

from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.core import HomeAssistant, ServiceCall, ServiceResponse
from homeassistant.util import dt as dt_util
import voluptuous as vol

from ...api.ems import EmsClient, EmsHistorySample, EmsNotFoundError
from ...api.ems_signals import signal_type
from ...api.errors import EnergyHubApiError, EnergyHubRequestError
from ...contract import EnergyHubConfigEntry
from ...coordinator import action_error
from ...helpers import (
    HISTORY_FIELDS,
    ActionEntries,
    async_register_data_action,
    invalid_call,
    time_range,
)
from .const import VENDOR_KEY
from .entities import uid_from_unique_id

SERVICE_GET_HISTORY = "get_history"
ATTR_SIGNAL_UID = "signal_uid"
ATTR_LIMIT = "limit"
DEFAULT_LIMIT = 1000
MAX_SAMPLES = 10000

# "exactly one of entity and signal UID" is checked in the handler, so the user gets a
# translated message instead of the schema's own text
GET_HISTORY_SCHEMA = vol.Schema(
    {
        **HISTORY_FIELDS,
        vol.Optional(ATTR_SIGNAL_UID): vol.All(vol.Coerce(int), vol.Range(min=0)),
        vol.Optional(ATTR_LIMIT, default=DEFAULT_LIMIT): vol.All(
            vol.Coerce(int), vol.Range(min=1, max=MAX_SAMPLES)
        ),
    }
)

ENTRIES = ActionEntries(VENDOR_KEY, missing_key="ems_no_gateway")


def _resolve(hass: HomeAssistant, data: dict[str, Any]) -> tuple[EnergyHubConfigEntry, int]:
    """The gateway entry and the signal UID a call is about."""
    if (ATTR_ENTITY_ID in data) == (ATTR_SIGNAL_UID in data):
        raise invalid_call("ems_signal_required")
    entry, uid = ENTRIES.of_call(hass, data, uid_from_unique_id, "ems_not_a_signal")
    return entry, data[ATTR_SIGNAL_UID] if uid is None else uid


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
    start, end = time_range(call.data, "ems_history_range")
    client: EmsClient = entry.runtime_data.client
    try:
        rows = await client.history(
            uid,
            int(start.timestamp() * 1000),
            int(end.timestamp() * 1000),
            limit=call.data[ATTR_LIMIT],
        )
    except EmsNotFoundError as err:
        raise invalid_call("ems_signal_not_found", uid=str(uid)) from err
    except EnergyHubRequestError as err:
        raise invalid_call("ems_history_refused", error=err.detail or str(err)) from err
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
    async_register_data_action(hass, SERVICE_GET_HISTORY, async_get_history, GET_HISTORY_SCHEMA)
