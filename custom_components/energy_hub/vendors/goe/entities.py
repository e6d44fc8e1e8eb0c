"""The go-eCharger's entities: what they read, how they write, which keys they need."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from homeassistant.components.number import (
    NumberDeviceClass,
    NumberEntity,
    NumberEntityDescription,
    NumberMode,
)
from homeassistant.components.select import SelectEntity, SelectEntityDescription
from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.components.switch import SwitchEntity, SwitchEntityDescription
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
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity import EntityDescription

from ...entity import EnergyHubEntity
from .const import (
    CABLE_LOCK_MODES,
    CAR_STATES,
    ERRORS,
    FORCE_STATES,
    LOGIC_MODES,
    MODEL_STATUS,
    PHASE_MODES,
)
from .coordinator import GoeCoordinator

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


class GoeEntity(EnergyHubEntity[GoeCoordinator]):
    """A go-e entity: registers the keys it needs, unavailable when its key is missing."""

    entity_description: GoeDescription

    def __init__(
        self, coordinator: GoeCoordinator, description: GoeDescription, device: DeviceInfo
    ) -> None:
        """Unique id from the charger serial and the description key."""
        super().__init__(
            coordinator,
            description,
            unique_id=f"goe_{coordinator.serial}_{description.key}",
            device_info=device,
        )

    async def async_added_to_hass(self) -> None:
        """Ask for this entity's keys in every poll from now on."""
        await super().async_added_to_hass()
        self.async_on_remove(self.coordinator.async_track_keys(self.entity_description.keys))

    @property
    def data(self) -> Data:
        """The last status read."""
        return self.coordinator.data or {}

    @property
    def available(self) -> bool:
        """Available while polls succeed and the charger reports the main key."""
        return super().available and self.entity_description.keys[0] in self.data


# -- sensors ----------------------------------------------------------------------------


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


class GoeSensor(GoeEntity, SensorEntity):
    """A sensor of the charger."""

    entity_description: GoeSensorDescription

    @property
    def native_value(self) -> float | str | None:
        """The value; for enums the state name, an unknown code kept as ``code_<n>``."""
        codes = self.entity_description.codes
        if codes is None:
            return self.entity_description.value_fn(self.data)
        value = code(self.data.get(self.entity_description.key))
        if value is None:
            return None
        return codes.get(value, f"code_{value}")

    @property
    def options(self) -> list[str] | None:
        """Enum states: the known ones, plus an unknown code the charger reports now."""
        codes = self.entity_description.codes
        if codes is None:
            return None
        options = list(codes.values())
        current = self.native_value
        if isinstance(current, str) and current not in options:
            options.append(current)
        return options

    @property
    def extra_state_attributes(self) -> dict[str, Any] | None:
        """For enums, the raw code (so automations can use it and nothing is lost)."""
        if self.entity_description.codes is None:
            return None
        return {"code": code(self.data.get(self.entity_description.key))}


# -- numbers ----------------------------------------------------------------------------


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


class GoeCurrentNumber(GoeEntity, NumberEntity):
    """Charging current ``amp``: 6 A up to the charger's maximum ``ama``."""

    entity_description: GoeNumberDescription

    @property
    def native_max_value(self) -> float:
        """The charger's own maximum (``ama``), else its variant (11 kW = 16 A)."""
        ama = number(self.data.get("ama"))
        if ama is not None and ama >= 6:
            return ama
        return 16 if self.data.get("var") == 11 else 32

    @property
    def native_value(self) -> float | None:
        """The current set."""
        return number(self.data.get("amp"))

    async def async_set_native_value(self, value: float) -> None:
        """Write ``amp``."""
        await self.coordinator.async_write({"amp": round(value)})


class GoeEnergyLimitNumber(GoeEntity, NumberEntity):
    """Session energy limit ``dwo`` in kWh; 0 means no limit (``null``)."""

    entity_description: GoeNumberDescription

    @property
    def native_value(self) -> float | None:
        """The limit in kWh, 0 when there is none."""
        wh = number(self.data.get("dwo"))
        return 0.0 if wh is None else round(wh / 1000, 3)

    async def async_set_native_value(self, value: float) -> None:
        """Write ``dwo`` in Wh (``null`` for 0)."""
        await self.coordinator.async_write({"dwo": round(value * 1000) if value > 0 else None})


# -- selects ----------------------------------------------------------------------------


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


class GoeSelect(GoeEntity, SelectEntity):
    """Writes the code of the chosen option."""

    entity_description: GoeSelectDescription

    @property
    def current_option(self) -> str | None:
        """The option of the reported code (None for a code this version does not know)."""
        value = code(self.data.get(self.entity_description.key))
        return None if value is None else self.entity_description.codes.get(value)

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        """The raw code, so an unknown one is not lost."""
        return {"code": code(self.data.get(self.entity_description.key))}

    async def async_select_option(self, option: str) -> None:
        """Write the option's code."""
        value = next(k for k, v in self.entity_description.codes.items() if v == option)
        await self.coordinator.async_write({self.entity_description.key: value})


# -- switch -----------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class GoeSwitchDescription(GoeDescription, SwitchEntityDescription):
    """A switch of a 0/1 key."""


ACCESS_CONTROL = GoeSwitchDescription(key="acs", keys=("acs",), translation_key="access_control")


class GoeAccessControlSwitch(GoeEntity, SwitchEntity):
    """Access control ``acs``: on = charging needs an RFID card or the app (1), off = open (0)."""

    entity_description: GoeSwitchDescription

    @property
    def is_on(self) -> bool | None:
        """True when a card or the app must authorise charging."""
        value = code(self.data.get("acs"))
        return None if value is None else value != 0

    async def async_turn_on(self, **kwargs: Any) -> None:
        """Require authorisation."""
        await self.coordinator.async_write({"acs": 1})

    async def async_turn_off(self, **kwargs: Any) -> None:
        """Let anyone charge."""
        await self.coordinator.async_write({"acs": 0})


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
