"""eGauge entities: a sensor per register (rate, and total where it means something), a reboot button."""

from __future__ import annotations

from homeassistant.components.button import ButtonDeviceClass, ButtonEntity, ButtonEntityDescription
from homeassistant.components.sensor import SensorEntity
from homeassistant.const import EntityCategory
from homeassistant.core import callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.device_registry import DeviceInfo

from ...api.egauge import EgaugePermissionError, Register, RegisterData
from ...api.errors import EnergyHubApiError
from ...api.values import finite_float
from ...const import DOMAIN
from ...coordinator import action_error
from ...entity import EnergyHubEntity, EnergyHubItemEntity
from ...helpers import device_identifier
from ...statistics import HistoryImportSensor
from .const import REBOOT_GRACE
from .coordinator import EgaugeCoordinator
from .descriptions import HISTORY_IMPORT, SPLIT_SENSORS, EgaugeSensorDescription, descriptions_for

#: The DynamicEntities key of the history import sensor (no register has it).
HISTORY_KEY = "history"


def meter_device_info(coordinator: EgaugeCoordinator) -> DeviceInfo:
    """The one device of a meter."""
    meter = coordinator.meter
    return DeviceInfo(
        identifiers={device_identifier(meter.serial)},
        manufacturer="eGauge Systems",
        model=meter.model,
        name=meter.hostname or f"eGauge {meter.serial}",
        serial_number=meter.serial,
        sw_version=meter.firmware,
        configuration_url=str(coordinator.client.base_url),
    )


def register_unique_id(
    serial: str, register: Register, description: EgaugeSensorDescription
) -> str:
    """``<serial>_reg<did>_<kind>``; virtual registers (no did) use their name."""
    return f"{serial}_{register.key}_{description.key}"


def display_name(name: str) -> str:
    """A register's name as shown: first letter capitalised ("gen" -> "Gen")."""
    return name[:1].upper() + name[1:]


def register_entity_key(register: Register) -> str:
    """What DynamicEntities tracks: the register and its type (a type change is a new sensor)."""
    return f"{register.key}|{register.type_code}"


class EgaugeRegisterSensor(EnergyHubItemEntity[EgaugeCoordinator, Register], SensorEntity):
    """The rate or the total of one register."""

    entity_description: EgaugeSensorDescription

    def __init__(
        self,
        coordinator: EgaugeCoordinator,
        register: Register,
        description: EgaugeSensorDescription,
    ) -> None:
        """Bind to a register by its key (did), so a rename keeps the entity."""
        super().__init__(
            coordinator,
            description,
            unique_id=register_unique_id(coordinator.meter.serial, register, description),
            device_info=meter_device_info(coordinator),
        )
        self._register_key = register.key
        self._register_name = ""
        self._follow_name(register.name)

    def _follow_name(self, name: str) -> None:
        """Name the entity after the register (display names only; the unique id stays)."""
        self._register_name = name
        description = self.entity_description
        words = name.lower().split()
        doubled = bool(words) and words[-1] in description.doubled_words
        self._attr_translation_key = (
            description.short_translation_key
            if doubled and description.short_translation_key
            else description.translation_key
        )
        self._attr_translation_placeholders = {"register": display_name(name)}

    @property
    def item(self) -> Register | None:
        """The register as the last poll saw it (None: the meter no longer reports it)."""
        return self.coordinator.data.registers.get(self._register_key)

    @property
    def native_value(self) -> float | None:
        """The rate or the total; None (unknown) when the meter sent no value."""
        register = self.item
        if register is None:
            return None
        direction = self.entity_description.direction
        if direction is not None:
            return self.coordinator.energy.kwh(register.key, direction)
        if self.entity_description.total:
            total = register.total
            if total is not None and register.key in self.coordinator.inverted:
                return finite_float(-total)
            return finite_float(total)
        return finite_float(register.rate)

    @callback
    def _handle_coordinator_update(self) -> None:
        register = self.item
        if register is not None and register.name != self._register_name:
            # renamed on the meter (same did): follow the new name, keep the entity
            self._follow_name(register.name)
            self.__dict__.pop("name", None)
        super()._handle_coordinator_update()


class EgaugeRebootButton(EnergyHubEntity[EgaugeCoordinator], ButtonEntity):
    """Reboot the meter (needs the save right)."""

    def __init__(self, coordinator: EgaugeCoordinator) -> None:
        """The meter's reboot button."""
        super().__init__(
            coordinator,
            ButtonEntityDescription(
                key="reboot",
                translation_key="egauge_reboot",
                device_class=ButtonDeviceClass.RESTART,
                entity_category=EntityCategory.CONFIG,
            ),
            unique_id=f"{coordinator.meter.serial}_reboot",
            device_info=meter_device_info(coordinator),
        )

    async def async_press(self) -> None:
        """POST /api/cmd/reboot; errors become clear translated messages."""
        try:
            await self.coordinator.client.async_reboot()
        except EgaugePermissionError as err:
            raise HomeAssistantError(
                translation_domain=DOMAIN, translation_key="egauge_reboot_not_allowed"
            ) from err
        except EnergyHubApiError as err:
            raise action_error(self.hass, self.coordinator.config_entry, err) from err
        self.coordinator.expect_outage(REBOOT_GRACE)


def sensors_for(coordinator: EgaugeCoordinator, entity_key: str) -> list[SensorEntity]:
    """The sensors of the register behind ``entity_key`` (none for unknown type codes)."""
    if entity_key == HISTORY_KEY:
        return [
            HistoryImportSensor(
                coordinator,
                coordinator.backfill,
                HISTORY_IMPORT,
                unique_id=f"{coordinator.meter.serial}_history_import",
                device_info=meter_device_info(coordinator),
            )
        ]
    key = entity_key.partition("|")[0]
    register = coordinator.data.registers.get(key)
    if register is None:
        return []
    descriptions = descriptions_for(register.type_code)
    if register.splits:
        descriptions = [*descriptions, *SPLIT_SENSORS]
    return [
        EgaugeRegisterSensor(coordinator, register, description) for description in descriptions
    ]


def entity_keys(data: RegisterData) -> list[str]:
    """Keys of the registers that get entities (unknown type codes are kept, not shown)."""
    return [
        HISTORY_KEY,
        *(register_entity_key(r) for r in data.registers.values() if descriptions_for(r.type_code)),
    ]
