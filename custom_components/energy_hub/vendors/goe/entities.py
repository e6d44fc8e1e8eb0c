"""The go-eCharger's entities: one generic class per platform, driven by the key catalogue."""

from __future__ import annotations

from collections.abc import Mapping
import copy
from typing import Any

from homeassistant.components.binary_sensor import BinarySensorEntity, BinarySensorEntityDescription
from homeassistant.components.button import ButtonEntity, ButtonEntityDescription
from homeassistant.components.number import NumberEntity, NumberEntityDescription
from homeassistant.components.select import SelectEntity, SelectEntityDescription
from homeassistant.components.sensor import SensorEntity, SensorEntityDescription
from homeassistant.components.switch import SwitchEntity, SwitchEntityDescription
from homeassistant.components.text import TextEntity, TextEntityDescription
from homeassistant.const import Platform
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity import Entity, EntityDescription

from ...api.values import finite_float
from ...const import DOMAIN
from ...entity import EnergyHubEntity
from .coordinator import GoeCoordinator
from .descriptions import Data, GoeKey, Path

#: A path that leads nowhere in the data.
MISSING: Any = object()


def number(value: Any) -> float | None:
    """A JSON number as a finite float; None for anything else.

    Null, booleans, text, NaN, infinities and numbers beyond the float range are None.
    """
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return finite_float(value)


def code(value: Any) -> int | None:
    """A JSON integer code; None for anything else."""
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value


def resolve(data: Data, path: Path) -> Any:
    """The value at ``path`` (key, then list indexes and object fields), or MISSING."""
    value: Any = data
    for part in path:
        if isinstance(part, int):
            if not isinstance(value, list) or not -len(value) <= part < len(value):
                return MISSING
            value = value[part]
        elif isinstance(value, Mapping) and part in value:
            value = value[part]
        else:
            return MISSING
    return value


def unique_id(serial: str, row: GoeKey) -> str:
    """The unique id of a row's entity (unchanged since the first release)."""
    return f"goe_{serial}_{row.key}"


class GoeEntity(EnergyHubEntity[GoeCoordinator]):
    """An entity of one catalogue row: asks for the row's keys in every poll while it exists."""

    row: GoeKey

    def __init__(
        self,
        coordinator: GoeCoordinator,
        row: GoeKey,
        description: EntityDescription,
        device: DeviceInfo,
    ) -> None:
        """Unique id from the charger's serial and the row's key."""
        super().__init__(
            coordinator,
            description,
            unique_id=unique_id(coordinator.serial, row),
            device_info=device,
        )
        self.row = row

    async def async_added_to_hass(self) -> None:
        """Ask for this entity's keys in every poll from now on (until it is removed)."""
        await super().async_added_to_hass()
        self.async_on_remove(self.coordinator.async_track_keys(self.row.api_keys))

    @property
    def data(self) -> Data:
        """The last status read."""
        return self.coordinator.data or {}

    def _path(self) -> Path | None:
        """The path of the firmware the charger runs (the first whose key it reports)."""
        data = self.data
        return next((p for p in self.row.paths if p[0] in data), None)

    @property
    def reported(self) -> Any:
        """The charger's value at the row's path (None when null or not there)."""
        path = self._path()
        value = MISSING if path is None else resolve(self.data, path)
        return None if value is MISSING else value

    @property
    def raw(self) -> Any:
        """The value the entity shows, before scaling (the row's ``value_fn`` if it has one)."""
        if self.row.value_fn is not None:
            return self.row.value_fn(self.data)
        return self.reported

    @property
    def available(self) -> bool:
        """Available while polls succeed and the charger reports the row's key."""
        return super().available and self._path() is not None

    @property
    def extra_state_attributes(self) -> dict[str, Any] | None:
        """The row's attributes (e.g. an RFID card's name), and the raw code of enums."""
        attrs: dict[str, Any] = {}
        data = self.data
        for name, paths in self.row.attributes.items():
            value = next(
                (v for p in paths if p[0] in data and (v := resolve(data, p)) is not MISSING),
                None,
            )
            attrs[name] = value if isinstance(value, (str, int, float, bool)) else None
        if self.row.options is not None and self.row.platform in (
            Platform.SENSOR,
            Platform.SELECT,
        ):
            attrs["code"] = code(self.reported)
        return attrs or None

    def option_of(self, raw: Any) -> str | None:
        """The state name of a code (``code_<n>`` for one this version does not know)."""
        options = self.row.options or {}
        if isinstance(raw, bool) or not isinstance(raw, (int, type(None))):
            return None
        if raw in options:
            return options[raw]
        return f"code_{raw}" if raw is not None else None

    async def async_write(self, value: Any) -> None:
        """Write ``value`` at the row's path (a field is written with its whole object)."""
        path = self._path() or self.row.path
        key = str(path[0])
        if len(path) == 1:
            await self.coordinator.async_write({key: value})
            return
        container = copy.deepcopy(self.data.get(key))
        parent: Any = resolve({"": container}, ("", *path[1:-1]))
        last = path[-1]
        fits = (isinstance(parent, dict) and isinstance(last, str)) or (
            isinstance(parent, list)
            and isinstance(last, int)
            and -len(parent) <= last < len(parent)
        )
        if not fits:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="goe_not_writable",
                translation_placeholders={"key": key},
            )
        parent[last] = value
        await self.coordinator.async_write({key: container})


# -- sensors ------------------------------------------------------------------------------


class GoeSensor(GoeEntity, SensorEntity):
    """A sensor: a number (scaled), a text, or an enum state."""

    @property
    def native_value(self) -> float | str | None:
        """The value in Home Assistant's unit; for enums the state name."""
        raw = self.raw
        row = self.row
        if row.options is not None:
            return self.option_of(raw)
        if row.unit or row.device_class or row.state_class:
            value = number(raw)
            return None if value is None else round(value * row.scale, 6)
        if isinstance(raw, (str, int, float)) and not isinstance(raw, bool):
            return str(raw)
        return None

    @property
    def options(self) -> list[str] | None:
        """Enum states: the known ones, plus an unknown code the charger reports now."""
        if self.row.options is None:
            return None
        options = list(dict.fromkeys(self.row.options.values()))
        current = self.native_value
        if isinstance(current, str) and current not in options:
            options.append(current)
        return options


class GoeBinarySensor(GoeEntity, BinarySensorEntity):
    """A yes/no value of the charger."""

    @property
    def is_on(self) -> bool | None:
        """On when the charger reports the row's on value."""
        return _is_on(self.row, self.raw)


def _is_on(row: GoeKey, raw: Any) -> bool | None:
    if isinstance(row.on_value, bool):
        return raw if isinstance(raw, bool) else None
    value = code(raw)
    return None if value is None else value != row.off_value


# -- controls -----------------------------------------------------------------------------


class GoeNumber(GoeEntity, NumberEntity):
    """A number setting, in Home Assistant's unit (the charger's times scale)."""

    @property
    def native_value(self) -> float | None:
        """The charger's value; ``null`` as 0 where 0 means off."""
        raw = self.raw
        value = number(raw)
        if value is None:
            return 0.0 if raw is None and self.row.zero_is_null else None
        return round(value * self.row.scale, 6)

    @property
    def native_max_value(self) -> float:
        """The row's maximum, or what the charger allows right now."""
        if self.row.max_fn is not None:
            return self.row.max_fn(self.data)
        return float(self.row.maximum if self.row.maximum is not None else 100)

    async def async_set_native_value(self, value: float) -> None:
        """Write the value; one off the step is refused with a message, never rounded silently."""
        row = self.row
        step = row.step or 1
        low = row.minimum or 0
        steps = (value - low) / step
        if abs(steps - round(steps)) > 1e-6:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="goe_not_a_step",
                translation_placeholders={
                    "value": f"{value:g}",
                    "step": f"{step:g}",
                    "unit": row.unit or "",
                },
            )
        raw: Any = value / row.scale
        if float(step / row.scale).is_integer():
            raw = round(raw)
        if row.zero_is_null and value == 0:
            raw = None
        await self.async_write(raw)


class GoeSelect(GoeEntity, SelectEntity):
    """A choice between the codes of the row."""

    @property
    def current_option(self) -> str | None:
        """The option of the reported code (None for a code this version does not know)."""
        state = self.option_of(self.raw)
        return state if state in (self.row.options or {}).values() else None

    async def async_select_option(self, option: str) -> None:
        """Write the option's code."""
        value = next(k for k, v in (self.row.options or {}).items() if v == option)
        await self.async_write(value)


class GoePresetSelect(GoeEntity, SelectEntity):
    """Charging current presets ``clp``: choosing one sets ``amp``."""

    def _presets(self) -> list[int]:
        values = self.raw if isinstance(self.raw, list) else []
        return [int(v) for v in values if number(v) is not None and float(v).is_integer()]

    @property
    def options(self) -> list[str]:
        """The presets the charger has, as ``<n> A``."""
        return [f"{v} A" for v in self._presets()]

    @property
    def current_option(self) -> str | None:
        """The preset equal to the current ``amp``, if any."""
        amp = code(self.data.get("amp"))
        return f"{amp} A" if amp in self._presets() else None

    async def async_select_option(self, option: str) -> None:
        """Set the charging current to the preset."""
        await self.coordinator.async_write({"amp": int(option.removesuffix(" A"))})


class GoeSwitch(GoeEntity, SwitchEntity):
    """An on/off setting."""

    @property
    def is_on(self) -> bool | None:
        """On when the charger has the row's on value."""
        return _is_on(self.row, self.raw)

    async def async_turn_on(self, **kwargs: Any) -> None:
        """Write the on value."""
        await self.async_write(self.row.on_value)

    async def async_turn_off(self, **kwargs: Any) -> None:
        """Write the off value."""
        await self.async_write(self.row.off_value)


class GoeButton(GoeEntity, ButtonEntity):
    """A command (reboot)."""

    async def async_press(self) -> None:
        """Send the command."""
        await self.coordinator.async_write({str(self.row.path[0]): self.row.press_value})

    @property
    def available(self) -> bool:
        """Commands are not reported in the status: available while polls succeed."""
        return self.coordinator.last_update_success


class GoeText(GoeEntity, TextEntity):
    """A free-text setting (car type)."""

    @property
    def native_value(self) -> str | None:
        """The text the charger has."""
        return self.raw if isinstance(self.raw, str) else None

    async def async_set_value(self, value: str) -> None:
        """Write the text."""
        await self.async_write(value)


# -- building entities from the catalogue -------------------------------------------------


def description_of(row: GoeKey) -> EntityDescription:
    """The Home Assistant entity description of a row."""
    common: dict[str, Any] = {
        "key": row.key,
        "translation_key": row.translation_key,
        "translation_placeholders": row.placeholders,
        "entity_category": row.category,
        "entity_registry_enabled_default": row.enabled,
    }
    if row.platform is Platform.SENSOR:
        return SensorEntityDescription(
            **common,
            device_class=row.device_class,  # type: ignore[arg-type]
            state_class=row.state_class,
            native_unit_of_measurement=row.unit,
            suggested_display_precision=row.precision,
        )
    if row.platform is Platform.BINARY_SENSOR:
        return BinarySensorEntityDescription(**common)
    if row.platform is Platform.NUMBER:
        return NumberEntityDescription(
            **common,
            device_class=row.device_class,  # type: ignore[arg-type]
            native_unit_of_measurement=row.unit,
            native_min_value=row.minimum if row.minimum is not None else 0,
            native_max_value=row.maximum if row.maximum is not None else 100,
            native_step=row.step,
            mode=row.mode,
        )
    if row.platform is Platform.SELECT:
        options = list(dict.fromkeys(row.options.values())) if row.options else []
        return SelectEntityDescription(**common, options=options)
    if row.platform is Platform.SWITCH:
        return SwitchEntityDescription(**common)
    if row.platform is Platform.BUTTON:
        return ButtonEntityDescription(**common)
    return TextEntityDescription(**common, native_max=64)


def entity_of(coordinator: GoeCoordinator, row: GoeKey, device: DeviceInfo) -> Entity:
    """The entity of a catalogue row."""
    description = description_of(row)
    cls: type[GoeEntity]
    if row.platform is Platform.SELECT and row.options is None:
        cls = GoePresetSelect
    else:
        cls = CLASSES[row.platform]
    return cls(coordinator, row, description, device)


CLASSES: dict[Platform, type[GoeEntity]] = {
    Platform.SENSOR: GoeSensor,
    Platform.BINARY_SENSOR: GoeBinarySensor,
    Platform.NUMBER: GoeNumber,
    Platform.SELECT: GoeSelect,
    Platform.SWITCH: GoeSwitch,
    Platform.BUTTON: GoeButton,
    Platform.TEXT: GoeText,
}
