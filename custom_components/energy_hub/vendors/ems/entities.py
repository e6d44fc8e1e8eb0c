"""EMS entities: one sensor per enabled signal (meaning from its code), one button.

Loads are shown in the entity name (``{load} voltage L1`` on the EMS device's page), not as
devices of their own: a load is a measurement channel of a meter, not a separate piece of
hardware, and Home Assistant's device tree has only one level below the gateway.
"""

from __future__ import annotations

from homeassistant.components.button import ButtonEntity
from homeassistant.components.sensor import SensorDeviceClass, SensorEntity, SensorStateClass
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.update_coordinator import BaseCoordinatorEntity

from ...api.ems_signals import Meaning
from ...entity import EnergyHubEntity
from ...statistics import HistoryImportSensor
from .coordinator import EmsCoordinator, ems_device_identifier, gateway_identifier, load_label
from .descriptions import HISTORY_IMPORT, REDISCOVER, describe


def signal_unique_id(serial: str, uid: int) -> str:
    """Unique id of a signal's sensor."""
    return f"{serial}_signal_{uid}"


def uid_from_unique_id(unique_id: str) -> int | None:
    """The signal UID of a sensor's unique id (None if it is no signal sensor)."""
    _, sep, tail = unique_id.rpartition("_signal_")
    if not sep or not tail.isdigit():
        return None
    return int(tail)


class EmsSignalSensor(EnergyHubEntity[EmsCoordinator], SensorEntity):
    """The latest value of one signal, written only when it changes.

    The sensor is not a coordinator listener: the coordinator keeps the sensors that are
    in Home Assistant (enabled) by UID, reads only their signals, and writes only those
    whose value changed (:meth:`EmsCoordinator.async_update_listeners`).
    """

    def __init__(self, coordinator: EmsCoordinator, uid: int) -> None:
        """Describe the signal from its code's meaning, its load and its device."""
        data = coordinator.data
        serial = data.system.serial
        signal = data.config.signals[uid]
        self._uid = uid
        self.si = signal.si
        meaning = coordinator.book.meaning(signal.si)
        # the coordinator registers the devices with their details; link to them here
        identifier = (
            ems_device_identifier(serial, signal.did)
            if signal.did is not None and signal.did in data.config.devices
            else gateway_identifier(serial)
        )
        load = data.config.loads.get(signal.lid) if signal.lid is not None else None
        super().__init__(
            coordinator,
            describe(uid, meaning, main=load is not None and load.main),
            unique_id=signal_unique_id(serial, uid),
            device_info=DeviceInfo(identifiers={identifier}),
        )
        label, self._own = load_label(data.config, signal)
        self._attr_translation_placeholders = {
            "load": label,
            "si": "?" if signal.si is None else str(signal.si),
        }
        self._numeric = True
        self.checked = False
        self.apply_meaning(meaning)

    def apply_meaning(self, meaning: Meaning) -> None:
        """Show the signal as ``meaning`` says: unit, device class, state class, name."""
        self.meaning = meaning
        self._attr_translation_key = f"{meaning.name_key}_own" if self._own else meaning.name_key
        self._attr_device_class = (
            SensorDeviceClass(meaning.device_class) if meaning.device_class else None
        )
        self._attr_native_unit_of_measurement = meaning.unit
        self._attr_state_class = (
            SensorStateClass(meaning.state_class) if meaning.state_class else None
        )
        self._numeric = meaning.state_class is not None
        self.checked = meaning.source in ("documented", "assumed")

    async def async_added_to_hass(self) -> None:
        """Register with the coordinator's dispatch (instead of as a listener)."""
        # BaseCoordinatorEntity would make every sensor a listener written at every poll
        await super(BaseCoordinatorEntity, self).async_added_to_hass()
        coordinator = self.coordinator
        uid = self._uid
        coordinator.add_sensor(uid, self)
        self.async_on_remove(lambda: coordinator.remove_sensor(uid))

    @property
    def available(self) -> bool:
        """Unavailable when the gateway is unreachable or the signal is gone."""
        coordinator = self.coordinator
        return coordinator.last_update_success and self._uid in coordinator.data.config.signals

    @property
    def native_value(self) -> float | str | None:
        """The value; unknown when missing, invalid, stale or not a number where one belongs."""
        value = self.coordinator.values.get(self._uid)
        if self._numeric and type(value) is not float:
            return None
        return value


class EmsRediscoverButton(EnergyHubEntity[EmsCoordinator], ButtonEntity):
    """Rediscover at once, so that a change made on the gateway shows up now."""

    def __init__(self, coordinator: EmsCoordinator) -> None:
        """Attach the button to the gateway device."""
        serial = coordinator.data.system.serial
        super().__init__(
            coordinator,
            REDISCOVER,
            unique_id=f"{serial}_rediscover",
            device_info=DeviceInfo(identifiers={gateway_identifier(serial)}),
        )

    async def async_press(self) -> None:
        """Read the configuration and the realtime values now."""
        self.coordinator.discovered_at = None
        await self.coordinator.async_refresh()


def history_import_sensor(coordinator: EmsCoordinator) -> HistoryImportSensor:
    """How far the import of the gateway's history into the statistics has got."""
    serial = coordinator.data.system.serial
    return HistoryImportSensor(
        coordinator,
        coordinator.backfill,
        HISTORY_IMPORT,
        unique_id=f"{serial}_history_import",
        device_info=DeviceInfo(identifiers={gateway_identifier(serial)}),
    )
