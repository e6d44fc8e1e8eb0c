"""Sensors of the EKM Omnimeters (one device per meter)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
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
from homeassistant.core import callback
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity import EntityDescription

from ...api.ekm import EkmReading
from ...entity import EnergyHubEntity
from .coordinator import EkmCoordinator


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

LAST_READING = SensorEntityDescription(
    key="last_reading",
    translation_key="last_reading",
    device_class=SensorDeviceClass.TIMESTAMP,
    entity_category=EntityCategory.DIAGNOSTIC,
)


class EkmMeterEntity(EnergyHubEntity[EkmCoordinator]):
    """An entity of one meter; unavailable while the meter is missing from the reads."""

    def __init__(
        self,
        coordinator: EkmCoordinator,
        description: EntityDescription,
        meter: str,
        device_info: DeviceInfo,
    ) -> None:
        """Bind to ``meter``."""
        super().__init__(
            coordinator,
            description,
            unique_id=f"ekm_{meter}_{description.key}",
            device_info=device_info,
        )
        self._meter = meter

    @property
    def reading(self) -> EkmReading | None:
        """The meter's latest read (None when the cloud sent none)."""
        return self.coordinator.data.readings.get(self._meter)

    @property
    def available(self) -> bool:
        """Available while the cloud reports the meter at all (a bad read is 'unknown')."""
        return super().available and self.reading is not None


#: A counter reading lower than the last one is only believed after this many reads.
COUNTER_DROP_READS = 3


class EkmSensor(EkmMeterEntity, SensorEntity):
    """One reading field; None (unknown) for a bad read, never 0.

    For counters (total_increasing), a single read lower than the last one is treated as
    a glitch and shown as unknown, so the Energy dashboard never books a false meter
    reset; a lower value that persists (a real reset or a replaced meter) is accepted.
    """

    entity_description: EkmSensorDescription

    def __init__(
        self,
        coordinator: EkmCoordinator,
        description: EkmSensorDescription,
        meter: str,
        device_info: DeviceInfo,
    ) -> None:
        """Bind to one field of ``meter``; the value is computed once per poll."""
        super().__init__(coordinator, description, meter, device_info)
        self._last_total: float | None = None
        self._drops = 0
        self._attr_native_value = self._compute()

    @callback
    def _handle_coordinator_update(self) -> None:
        self._attr_native_value = self._compute()
        super()._handle_coordinator_update()

    def _compute(self) -> float | None:
        """The field of the latest good read (converted, counters checked)."""
        reading = self.reading
        value = None if reading is None else reading.value(self.entity_description.field)
        if value is None:
            return None
        if self.entity_description.convert is not None:
            return self.entity_description.convert(value)
        if self.entity_description.state_class is SensorStateClass.TOTAL_INCREASING:
            if self._last_total is not None and value < self._last_total:
                self._drops += 1
                if self._drops < COUNTER_DROP_READS:
                    return None
            self._drops = 0
            self._last_total = value
        return value


class EkmLastReadingSensor(EkmMeterEntity, SensorEntity):
    """When the meter was last read successfully."""

    @property
    def native_value(self) -> datetime | None:
        """The time stamp of the latest good read."""
        reading = self.reading
        return reading.timestamp if reading is not None and reading.good else None
