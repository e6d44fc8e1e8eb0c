"""Binary sensor platform: each vendor adds its own binary sensor entities."""

from __future__ import annotations

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .contract import EnergyHubConfigEntry

# read-only: the coordinator does the I/O
PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant,
    entry: EnergyHubConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the entry's vendor's binary sensor entities."""
    entry.runtime_data.vendor.async_setup_platform(
        hass, entry, Platform.BINARY_SENSOR, async_add_entities
    )
