"""Entity base shared by every vendor."""

from __future__ import annotations

from typing import Any

from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity import EntityDescription
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .coordinator import EnergyHubCoordinator


class EnergyHubEntity[CoordinatorT: EnergyHubCoordinator[Any]](CoordinatorEntity[CoordinatorT]):
    """An entity of one vendor device, fed by a coordinator.

    Names come from ``translation_key`` (``has_entity_name``); the unique id is given by
    the vendor (built from the device's serial, never from the host).
    """

    _attr_has_entity_name = True

    def __init__(
        self,
        coordinator: CoordinatorT,
        description: EntityDescription,
        *,
        unique_id: str,
        device_info: DeviceInfo,
    ) -> None:
        """Bind the entity to its coordinator, description and device."""
        super().__init__(coordinator)
        self.entity_description = description
        self._attr_unique_id = unique_id
        self._attr_device_info = device_info


class EnergyHubItemEntity[CoordinatorT: EnergyHubCoordinator[Any], ItemT](
    EnergyHubEntity[CoordinatorT]
):
    """An entity of one item the device reports (a register, a meter, ...).

    It is unavailable while the device does not report its item; a bad value of a
    reported item makes the value unknown instead.
    """

    @property
    def item(self) -> ItemT | None:
        """The entity's item in the coordinator's latest data (None: not reported)."""
        raise NotImplementedError

    @property
    def available(self) -> bool:
        """Unavailable while the device does not report the item."""
        return super().available and self.item is not None
