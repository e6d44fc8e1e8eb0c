"""The ``energy_hub.get_register_history`` action: a meter's stored register values."""

from __future__ import annotations

from datetime import datetime
from typing import cast

from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.core import HomeAssistant, ServiceCall, ServiceResponse
from homeassistant.util import dt as dt_util
from homeassistant.util.json import JsonValueType
import voluptuous as vol

from ...api.egauge import EgaugeClient, Register
from ...api.energy import Series
from ...api.errors import EnergyHubApiError, EnergyHubRequestError
from ...coordinator import action_error
from ...helpers import (
    HISTORY_FIELDS,
    ActionEntries,
    async_register_data_action,
    invalid_call,
    time_range,
)
from .const import VENDOR_KEY
from .coordinator import EgaugeCoordinator

SERVICE_GET_REGISTER_HISTORY = "get_register_history"
ATTR_STEP = "step"
#: The default step: one row an hour.
DEFAULT_STEP = 3600
#: The longest step (one day); longer periods are the difference of daily rows.
MAX_STEP = 86400
#: Rows one call may ask for (the meter answers every register in every row).
MAX_ROWS = 1000

GET_REGISTER_HISTORY_SCHEMA = vol.Schema(
    {
        **HISTORY_FIELDS,
        vol.Optional(ATTR_STEP, default=DEFAULT_STEP): vol.All(
            vol.Coerce(int), vol.Range(min=1, max=MAX_STEP)
        ),
    }
)

ENTRIES = ActionEntries(VENDOR_KEY)


def _register_of(coordinator: EgaugeCoordinator, unique_id: str) -> Register | None:
    """The register a sensor's unique id (``<serial>_<register key>_<kind>``) is about."""
    prefix = f"{coordinator.meter.serial}_"
    keys = [key for key in coordinator.data.registers if unique_id.startswith(f"{prefix}{key}_")]
    # "virt_a_b" and "virt_a" may both fit: the longer key is the register
    return coordinator.data.registers[max(keys, key=len)] if keys else None


def _rows(register: Register, series: Series) -> list[JsonValueType]:
    """A register's rows, oldest first: the stored value, the total and the average rate.

    ``total`` is in the type's cumulative unit (kWh, ...); ``average`` the mean rate since
    the row before it, in the rate unit. Both are None where the type has no such meaning
    (an unknown type code, a discrete register, a type without a useful total).
    """
    reg_type = register.type
    accumulates = reg_type is not None and register.type_code != "d"
    rows: list[JsonValueType] = []
    older: tuple[float, int] | None = None
    for t, value in sorted(series):
        total = average = None
        if accumulates and reg_type is not None:
            if reg_type.cumul_scale is not None:
                total = value * reg_type.quantum * reg_type.cumul_scale
            if older is not None and t > older[0]:
                average = (value - older[1]) * reg_type.quantum / (t - older[0])
        rows.append(
            {
                "time": dt_util.utc_from_timestamp(t).isoformat(),
                "value": value,
                "total": total,
                "average": average,
            }
        )
        older = (t, value)
    return rows


async def async_get_register_history(call: ServiceCall) -> ServiceResponse:
    """Read the meter's stored rows of its registers (or of one sensor's register)."""
    hass = call.hass
    entry, unique_id = ENTRIES.of_call(
        hass, call.data, lambda unique_id: unique_id, "egauge_not_a_register"
    )
    coordinator = cast("EgaugeCoordinator", entry.runtime_data.coordinator)
    registers = list(coordinator.data.registers.values())
    if unique_id is not None:
        register = _register_of(coordinator, unique_id)
        if register is None:
            raise invalid_call("egauge_not_a_register", entity_id=call.data[ATTR_ENTITY_ID])
        registers = [register]
    start, end = time_range(call.data, "egauge_history_range")
    step: int = call.data[ATTR_STEP]
    rows = _row_count(start, end, step)
    if rows > MAX_ROWS:
        raise invalid_call("egauge_history_too_many_rows", rows=str(rows), max_rows=str(MAX_ROWS))
    client: EgaugeClient = entry.runtime_data.client
    try:
        series = await client.async_get_history(
            start.timestamp(),
            end.timestamp(),
            step,
            [register.idx for register in registers],
            types=None,
        )
    except EnergyHubRequestError as err:
        raise invalid_call("egauge_history_refused", error=err.detail or str(err)) from err
    except EnergyHubApiError as err:
        raise action_error(hass, entry, err) from err
    return {
        "meter": coordinator.meter.serial,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "step": step,
        "registers": [
            {
                "name": register.name,
                "type": register.type_code,
                "unit": register.type.cumul_unit if register.type is not None else None,
                "rate_unit": register.type.rate_unit if register.type is not None else None,
                "rows": _rows(register, series[register.key][:MAX_ROWS]),
            }
            for register in registers
            if register.key in series
        ],
    }


def _row_count(start: datetime, end: datetime, step: int) -> int:
    """How many rows ``start:step:end`` asks the meter for."""
    return int((end - start).total_seconds() // step) + 1


def async_register(hass: HomeAssistant) -> None:
    """Register the eGauge service actions."""
    async_register_data_action(
        hass, SERVICE_GET_REGISTER_HISTORY, async_get_register_history, GET_REGISTER_HISTORY_SCHEMA
    )
