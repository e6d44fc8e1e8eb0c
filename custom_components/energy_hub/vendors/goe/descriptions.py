"""The go-eCharger's entity descriptions: which keys each entity reads and how."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from homeassistant.components.number import NumberDeviceClass, NumberEntityDescription, NumberMode
from homeassistant.components.select import SelectEntityDescription
from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.components.switch import SwitchEntityDescription
from homeassistant.const import (
    PERCENTAGE,
    SIGNAL_STRENGTH_DECIBELS_MILLIWATT,
    EntityCategory,
    UnitOfElectricCurrent,
    UnitOfElectricPotential,
    UnitOfEnergy,
    UnitOfPower,
    UnitOfTemperature,
)
from homeassistant.helpers.entity import EntityDescription

from .const import (
    CABLE_LOCK_MODES,
    CAR_STATES,
    ERRORS,
    FORCE_STATES,
    LOGIC_MODES,
    MODEL_STATUS,
    PHASE_MODES,
)

Data = Mapping[str, Any]


def number(value: Any) -> float | None:
    """A JSON number as float; None for null, booleans, text and other junk."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def code(value: Any) -> int | None:
    """A JSON integer code; None for anything else."""
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value


def item(data: Data, key: str, index: int) -> float | None:
    """``data[key][index]`` as a number, None when missing or not a number."""
    values = data.get(key)
    if isinstance(values, list) and len(values) > index:
        return number(values[index])
    return None


def kwh(data: Data, key: str) -> float | None:
    """A Wh counter in kWh."""
    value = number(data.get(key))
    return None if value is None else round(value / 1000, 3)


@dataclass(frozen=True, kw_only=True)
class GoeDescription(EntityDescription):
    """Which keys an entity needs; the first one must be reported for the entity to exist."""

    keys: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class GoeSensorDescription(GoeDescription, SensorEntityDescription):
    """A sensor: ``value_fn`` reads it from the status."""

    value_fn: Callable[[Data], float | str | None]
    codes: Mapping[int, str] | None = None


def _nrg(
    key: str,
    index: int,
    translation_key: str,
    phase: str | None,
    *,
    device_class: SensorDeviceClass,
    unit: str,
    enabled: bool = True,
) -> GoeSensorDescription:
    return GoeSensorDescription(
        key=key,
        keys=("nrg",),
        translation_key=translation_key,
        translation_placeholders={"phase": phase} if phase else None,
        device_class=device_class,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=unit,
        entity_registry_enabled_default=enabled,
        value_fn=lambda data: item(data, "nrg", index),
    )


def _enum(key: str, translation_key: str, codes: Mapping[int, str]) -> GoeSensorDescription:
    return GoeSensorDescription(
        key=key,
        keys=(key,),
        translation_key=translation_key,
        device_class=SensorDeviceClass.ENUM,
        codes=codes,
        value_fn=lambda data: None,
    )


_W = UnitOfPower.WATT


_V = UnitOfElectricPotential.VOLT


_A = UnitOfElectricCurrent.AMPERE


SENSORS: tuple[GoeSensorDescription, ...] = (
    _nrg("power", 11, "charging_power", None, device_class=SensorDeviceClass.POWER, unit=_W),
    *(
        _nrg(
            f"power_l{n}",
            6 + n,
            "charging_power_phase",
            f"L{n}",
            device_class=SensorDeviceClass.POWER,
            unit=_W,
        )
        for n in (1, 2, 3)
    ),
    *(
        _nrg(
            f"voltage_l{n}",
            n - 1,
            "voltage_phase",
            f"L{n}",
            device_class=SensorDeviceClass.VOLTAGE,
            unit=_V,
        )
        for n in (1, 2, 3)
    ),
    *(
        _nrg(
            f"current_l{n}",
            3 + n,
            "current_phase",
            f"L{n}",
            device_class=SensorDeviceClass.CURRENT,
            unit=_A,
        )
        for n in (1, 2, 3)
    ),
    *(
        _nrg(
            f"power_factor_l{n}",
            11 + n,
            "power_factor_phase",
            f"L{n}",
            device_class=SensorDeviceClass.POWER_FACTOR,
            unit=PERCENTAGE,
            enabled=False,
        )
        for n in (1, 2, 3)
    ),
    GoeSensorDescription(
        key="wh",
        keys=("wh",),
        translation_key="session_energy",
        device_class=SensorDeviceClass.ENERGY,
        state_class=SensorStateClass.TOTAL_INCREASING,
        native_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
        suggested_display_precision=2,
        value_fn=lambda data: kwh(data, "wh"),
    ),
    GoeSensorDescription(
        key="eto",
        keys=("eto",),
        translation_key="total_energy",
        device_class=SensorDeviceClass.ENERGY,
        state_class=SensorStateClass.TOTAL_INCREASING,
        native_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
        suggested_display_precision=1,
        value_fn=lambda data: kwh(data, "eto"),
    ),
    _enum("car", "car_state", CAR_STATES),
    _enum("err", "charger_error", ERRORS),
    _enum("modelStatus", "charging_reason", MODEL_STATUS),
    GoeSensorDescription(
        key="tma",
        keys=("tma",),
        translation_key="temperature",
        device_class=SensorDeviceClass.TEMPERATURE,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfTemperature.CELSIUS,
        value_fn=lambda data: item(data, "tma", 0),
    ),
    GoeSensorDescription(
        key="acu",
        keys=("acu",),
        translation_key="allowed_current",
        device_class=SensorDeviceClass.CURRENT,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=_A,
        value_fn=lambda data: number(data.get("acu")),
    ),
    GoeSensorDescription(
        key="fwv",
        keys=("fwv",),
        translation_key="firmware",
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda data: str(data["fwv"]) if data.get("fwv") is not None else None,
    ),
    GoeSensorDescription(
        key="rssi",
        keys=("rssi",),
        translation_key="wifi_signal",
        device_class=SensorDeviceClass.SIGNAL_STRENGTH,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=SIGNAL_STRENGTH_DECIBELS_MILLIWATT,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        value_fn=lambda data: number(data.get("rssi")),
    ),
)


@dataclass(frozen=True, kw_only=True)
class GoeNumberDescription(GoeDescription, NumberEntityDescription):
    """A number written to one key."""


AMP = GoeNumberDescription(
    key="amp",
    keys=("amp", "ama", "var"),
    translation_key="charging_current",
    device_class=NumberDeviceClass.CURRENT,
    native_unit_of_measurement=_A,
    native_min_value=6,
    native_max_value=32,
    native_step=1,
    mode=NumberMode.SLIDER,
)


ENERGY_LIMIT = GoeNumberDescription(
    key="dwo",
    keys=("dwo",),
    translation_key="session_energy_limit",
    device_class=NumberDeviceClass.ENERGY,
    native_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
    native_min_value=0,
    native_max_value=200,
    native_step=0.1,
    mode=NumberMode.BOX,
)


@dataclass(frozen=True, kw_only=True)
class GoeSelectDescription(GoeDescription, SelectEntityDescription):
    """A select of a code key."""

    codes: Mapping[int, str]


def _select(key: str, translation_key: str, codes: Mapping[int, str]) -> GoeSelectDescription:
    return GoeSelectDescription(
        key=key,
        keys=(key,),
        translation_key=translation_key,
        codes=codes,
        options=list(codes.values()),
    )


SELECTS: tuple[GoeSelectDescription, ...] = (
    _select("frc", "force_state", FORCE_STATES),
    _select("psm", "phase_mode", PHASE_MODES),
    _select("lmo", "logic_mode", LOGIC_MODES),
    _select("ust", "cable_lock", CABLE_LOCK_MODES),
)


@dataclass(frozen=True, kw_only=True)
class GoeSwitchDescription(GoeDescription, SwitchEntityDescription):
    """A switch of a 0/1 key."""


ACCESS_CONTROL = GoeSwitchDescription(key="acs", keys=("acs",), translation_key="access_control")


def all_keys() -> set[str]:
    """Every key any entity may need (the first read asks for all of them)."""
    descriptions: list[GoeDescription] = [
        *SENSORS,
        AMP,
        ENERGY_LIMIT,
        *SELECTS,
        ACCESS_CONTROL,
    ]
    return {key for d in descriptions for key in d.keys}
