"""The EMS signal-identifier (``si``) table: the ONE place that says what a signal means.

The EMS gateway (Carlo Gavazzi's EMS Webapi 1.0.0) identifies each signal's quantity by a
numeric code ``si``. The vendor's table of codes is not public: the API document's own
example pins only ``si`` 29 (a voltage, 230.4 V). Every other row below is OUR ASSUMPTION,
marked ``source="assumption"``; when the vendor's table becomes known, edit this table and
nothing else. The integration (sensor names, device classes, units, state classes) and the
simulator (which values it produces) both read it.

Codes missing from the table are not dropped: they become generic sensors named after the
load and the code, showing the raw value without a device class.

Plain strings are used (not Home Assistant enums) so that this module stays free of Home
Assistant imports; they are the values of ``SensorDeviceClass``, ``SensorStateClass`` and
the unit constants.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

Source = Literal["seed", "assumption"]


@dataclass(frozen=True, slots=True)
class SignalType:
    """What one ``si`` code means."""

    si: int
    #: Translation key of the sensor name (``entity.sensor.<name_key>.name``).
    name_key: str
    #: ``SensorDeviceClass`` value, or None.
    device_class: str | None
    #: Native unit of measurement, or None.
    unit: str | None
    #: ``SensorStateClass`` value: "measurement", "total" or "total_increasing".
    state_class: str | None
    #: Where the row comes from: the API document ("seed") or our assumption.
    source: Source

    @property
    def is_counter(self) -> bool:
        """True for accumulating counters (energy, gas): never negative."""
        return self.state_class in ("total", "total_increasing")


def _row(
    si: int,
    name_key: str,
    device_class: str | None,
    unit: str | None,
    state_class: str | None,
    *,
    source: Source = "assumption",
) -> SignalType:
    return SignalType(si, name_key, device_class, unit, state_class, source)


#: The table. Keep it sorted by code. Energy counters use state class "total" (the issue's
#: rule for the Energy dashboard); they are reported unknown, never negative or 0, when
#: the gateway has no valid value.
SIGNAL_TYPES: Final[tuple[SignalType, ...]] = (
    _row(1, "ems_active_power", "power", "W", "measurement"),
    _row(2, "ems_reactive_power", "reactive_power", "var", "measurement"),
    _row(3, "ems_apparent_power", "apparent_power", "VA", "measurement"),
    _row(4, "ems_power_factor", "power_factor", None, "measurement"),
    _row(5, "ems_frequency", "frequency", "Hz", "measurement"),
    _row(10, "ems_current", "current", "A", "measurement"),
    _row(11, "ems_current_l1", "current", "A", "measurement"),
    _row(12, "ems_current_l2", "current", "A", "measurement"),
    _row(13, "ems_current_l3", "current", "A", "measurement"),
    _row(21, "ems_active_power_l1", "power", "W", "measurement"),
    _row(22, "ems_active_power_l2", "power", "W", "measurement"),
    _row(23, "ems_active_power_l3", "power", "W", "measurement"),
    _row(29, "ems_voltage", "voltage", "V", "measurement", source="seed"),
    _row(31, "ems_voltage_l1", "voltage", "V", "measurement"),
    _row(32, "ems_voltage_l2", "voltage", "V", "measurement"),
    _row(33, "ems_voltage_l3", "voltage", "V", "measurement"),
    _row(40, "ems_energy_import", "energy", "kWh", "total"),
    _row(41, "ems_energy_export", "energy", "kWh", "total"),
    _row(42, "ems_energy_import_l1", "energy", "kWh", "total"),
    _row(43, "ems_energy_import_l2", "energy", "kWh", "total"),
    _row(44, "ems_energy_import_l3", "energy", "kWh", "total"),
    _row(45, "ems_reactive_energy_import", "reactive_energy", "kvarh", "total"),
    _row(46, "ems_reactive_energy_export", "reactive_energy", "kvarh", "total"),
    _row(50, "ems_gas_volume", "gas", "m³", "total"),
)

#: Lookup by code.
SIGNALS: Final[dict[int, SignalType]] = {row.si: row for row in SIGNAL_TYPES}

#: Translation key of signals whose code is not in the table.
GENERIC_NAME_KEY: Final = "ems_signal"


def signal_type(si: int | None) -> SignalType | None:
    """The table row of ``si``, or None for an unknown code."""
    if si is None:
        return None
    return SIGNALS.get(si)
