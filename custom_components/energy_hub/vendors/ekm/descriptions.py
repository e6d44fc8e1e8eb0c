"""EKM entity descriptions: the meter sensors, the last-reading sensor and the relay switches."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.components.switch import SwitchEntityDescription
from homeassistant.const import (
    PERCENTAGE,
    EntityCategory,
    UnitOfElectricCurrent,
    UnitOfElectricPotential,
    UnitOfEnergy,
    UnitOfFrequency,
    UnitOfPower,
    UnitOfReactiveEnergy,
    UnitOfReactivePower,
)


def _power_factor(value: float) -> float:
    """EKM's power factor 0-200 (100 = unity, above 100 leading) as a percentage."""
    return value if value <= 100 else 200 - value


@dataclass(frozen=True, kw_only=True)
class EkmSensorDescription(SensorEntityDescription):
    """A reading field of an Omnimeter."""

    field: str
    #: Protocols whose meters report the field.
    protocols: tuple[str, ...] = ("v3", "v4")
    convert: Callable[[float], float] | None = None


def _lines(
    key: str, field: str, *, protocols: tuple[str, ...] = ("v3", "v4"), **kwargs: Any
) -> list[EkmSensorDescription]:
    """One description per line (L1..L3); line 3 is disabled by default."""
    enabled = kwargs.pop("entity_registry_enabled_default", True)
    return [
        EkmSensorDescription(
            key=f"{field}_{n}",
            translation_key=key,
            translation_placeholders={"line": str(n)},
            field=f"{field}_{n}",
            protocols=protocols,
            entity_registry_enabled_default=enabled and n != 3,
            **kwargs,
        )
        for n in (1, 2, 3)
    ]


_ENERGY: dict[str, Any] = {
    "device_class": SensorDeviceClass.ENERGY,
    "native_unit_of_measurement": UnitOfEnergy.KILO_WATT_HOUR,
    "state_class": SensorStateClass.TOTAL_INCREASING,
}


_POWER: dict[str, Any] = {
    "device_class": SensorDeviceClass.POWER,
    "native_unit_of_measurement": UnitOfPower.WATT,
    "state_class": SensorStateClass.MEASUREMENT,
}


SENSORS: tuple[EkmSensorDescription, ...] = (
    EkmSensorDescription(key="kWh_Tot", translation_key="energy", field="kWh_Tot", **_ENERGY),
    EkmSensorDescription(
        key="Rev_kWh_Tot", translation_key="energy_returned", field="Rev_kWh_Tot", **_ENERGY
    ),
    *(
        EkmSensorDescription(
            key=f"kWh_Tariff_{n}",
            translation_key="energy_tariff",
            translation_placeholders={"tariff": str(n)},
            field=f"kWh_Tariff_{n}",
            entity_registry_enabled_default=False,
            **_ENERGY,
        )
        for n in (1, 2, 3, 4)
    ),
    *_lines(
        "energy_line", "kWh_Ln", protocols=("v4",), entity_registry_enabled_default=False, **_ENERGY
    ),
    EkmSensorDescription(
        key="Reactive_Energy_Tot",
        translation_key="reactive_energy",
        field="Reactive_Energy_Tot",
        protocols=("v4",),
        device_class=SensorDeviceClass.REACTIVE_ENERGY,
        native_unit_of_measurement=UnitOfReactiveEnergy.KILO_VOLT_AMPERE_REACTIVE_HOUR,
        state_class=SensorStateClass.TOTAL_INCREASING,
        entity_registry_enabled_default=False,
    ),
    EkmSensorDescription(
        key="RMS_Watts_Tot", translation_key="power", field="RMS_Watts_Tot", **_POWER
    ),
    EkmSensorDescription(
        key="Net_Calc_Watts_Tot",
        translation_key="net_power",
        field="Net_Calc_Watts_Tot",
        protocols=("v4",),
        **_POWER,
    ),
    *_lines("power_line", "RMS_Watts_Ln", **_POWER),
    *_lines(
        "voltage_line",
        "RMS_Volts_Ln",
        device_class=SensorDeviceClass.VOLTAGE,
        native_unit_of_measurement=UnitOfElectricPotential.VOLT,
        state_class=SensorStateClass.MEASUREMENT,
    ),
    *_lines(
        "current_line",
        "Amps_Ln",
        device_class=SensorDeviceClass.CURRENT,
        native_unit_of_measurement=UnitOfElectricCurrent.AMPERE,
        state_class=SensorStateClass.MEASUREMENT,
    ),
    *_lines(
        "power_factor_line",
        "Power_Factor_Ln",
        device_class=SensorDeviceClass.POWER_FACTOR,
        native_unit_of_measurement=PERCENTAGE,
        state_class=SensorStateClass.MEASUREMENT,
        convert=_power_factor,
    ),
    EkmSensorDescription(
        key="Line_Freq",
        translation_key="frequency",
        field="Line_Freq",
        protocols=("v4",),
        device_class=SensorDeviceClass.FREQUENCY,
        native_unit_of_measurement=UnitOfFrequency.HERTZ,
        state_class=SensorStateClass.MEASUREMENT,
    ),
    EkmSensorDescription(
        key="Reactive_Pwr_Tot",
        translation_key="reactive_power",
        field="Reactive_Pwr_Tot",
        protocols=("v4",),
        device_class=SensorDeviceClass.REACTIVE_POWER,
        native_unit_of_measurement=UnitOfReactivePower.VOLT_AMPERE_REACTIVE,
        state_class=SensorStateClass.MEASUREMENT,
        entity_registry_enabled_default=False,
    ),
    EkmSensorDescription(
        key="RMS_Watts_Max_Demand",
        translation_key="max_demand",
        field="RMS_Watts_Max_Demand",
        protocols=("v4",),
        entity_registry_enabled_default=False,
        **_POWER,
    ),
    EkmSensorDescription(
        key="Max_Demand",
        translation_key="max_demand",
        field="Max_Demand",
        protocols=("v3",),
        entity_registry_enabled_default=False,
        **_POWER,
    ),
    *(
        EkmSensorDescription(
            key=f"Pulse_Cnt_{n}",
            translation_key="pulse_count",
            translation_placeholders={"input": str(n)},
            field=f"Pulse_Cnt_{n}",
            state_class=SensorStateClass.TOTAL_INCREASING,
            entity_registry_enabled_default=False,
        )
        for n in (1, 2, 3)
    ),
    EkmSensorDescription(
        key="CT_Ratio",
        translation_key="ct_ratio",
        field="CT_Ratio",
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
    ),
)


#: When the meter was last read: a diagnostic, disabled by default (a timestamp changes at
#: every poll, and a sensor without unit or state class would fill the logbook).
LAST_READING = SensorEntityDescription(
    key="last_reading",
    translation_key="last_reading",
    device_class=SensorDeviceClass.TIMESTAMP,
    entity_category=EntityCategory.DIAGNOSTIC,
    entity_registry_enabled_default=False,
)


RELAY_SWITCHES: tuple[SwitchEntityDescription, ...] = tuple(
    SwitchEntityDescription(
        key=relay, translation_key="relay", translation_placeholders={"relay": relay[-1]}
    )
    for relay in ("relay_1", "relay_2")
)
