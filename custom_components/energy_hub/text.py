"""Text platform: each vendor adds its own text entities."""

from __future__ import annotations

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .contract import EnergyHubConfigEntry

# one write at a time per device
PARALLEL_UPDATES = 1


async def async_setup_entry(
    hass: HomeAssistant,
    entry: EnergyHubConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the entry's vendor's text entities."""
    entry.runtime_data.vendor.async_setup_platform(hass, entry, Platform.TEXT, async_add_entities)
