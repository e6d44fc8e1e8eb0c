"""The go-eCharger's entity classes: how they read, write and which keys they need."""

from __future__ import annotations

from typing import Any

from homeassistant.components.number import NumberEntity
from homeassistant.components.select import SelectEntity
from homeassistant.components.sensor import SensorEntity
from homeassistant.components.switch import SwitchEntity
from homeassistant.helpers.device_registry import DeviceInfo

from ...entity import EnergyHubEntity
from .coordinator import GoeCoordinator
from .descriptions import (
    Data,
    GoeDescription,
    GoeNumberDescription,
    GoeSelectDescription,
    GoeSensorDescription,
    GoeSwitchDescription,
    code,
    number,
)


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
