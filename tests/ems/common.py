"""Helpers of the EMS tests."""

from __future__ import annotations

from typing import Any

from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_USERNAME
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.energy_hub.const import CONF_VENDOR, CONF_VERIFY_SSL, DOMAIN
from simulators.ems import EmsSimulator

SERIAL = "BX10000000"


def user_input(sim: EmsSimulator, password: str = "s3cret!") -> dict[str, Any]:
    """What a user types into the form."""
    return {
        CONF_HOST: sim.url,
        CONF_USERNAME: "admin",
        CONF_PASSWORD: password,
        CONF_VERIFY_SSL: True,
    }


async def setup_entry(hass: HomeAssistant, sim: EmsSimulator, **options: Any) -> MockConfigEntry:
    """Add and set up an entry for the simulated gateway."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=f"EMS gateway {sim.serial}",
        unique_id=sim.serial,
        data={CONF_VENDOR: "ems", **user_input(sim)},
        options=options,
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


def signal_entity(hass: HomeAssistant, uid: int, serial: str = SERIAL) -> str | None:
    """The entity id of a signal's sensor."""
    return er.async_get(hass).async_get_entity_id("sensor", DOMAIN, f"{serial}_signal_{uid}")
