"""The gateway's button: read devices, loads and signals again now (not in 10 minutes)."""

from __future__ import annotations

from homeassistant.components.button import ButtonEntity, ButtonEntityDescription
from homeassistant.const import EntityCategory
from homeassistant.helpers.device_registry import DeviceInfo

from ...entity import EnergyHubEntity
from .coordinator import EmsCoordinator, gateway_identifier

REDISCOVER = ButtonEntityDescription(
    key="rediscover",
    translation_key="ems_rediscover",
    entity_category=EntityCategory.CONFIG,
)


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
