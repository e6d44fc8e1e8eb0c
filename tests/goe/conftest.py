"""Fixtures of the go-e tests: the simulator, the cloud URL pointed at it, entry helpers."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.energy_hub.api.goe import CLOUD_URL_TEMPLATE, MIN_REQUEST_INTERVAL
from custom_components.energy_hub.const import CONF_VENDOR, DOMAIN
from custom_components.energy_hub.vendors.goe import VENDOR
from simulators.goe import GoeSimulator

from ..conftest import StartSimulator


@pytest.fixture
async def sim(start_simulator: StartSimulator) -> GoeSimulator:
    """A charger with its cloud front, both on loopback."""
    return await start_simulator(GoeSimulator())


@pytest.fixture(autouse=True)
def no_request_spacing() -> Iterator[None]:
    """Home Assistant tests run on frozen time: no spacing unless a test asks for it.

    The spacing itself is tested on the client and in test_request_spacing.
    """
    VENDOR.min_request_interval = 0
    yield
    VENDOR.min_request_interval = MIN_REQUEST_INTERVAL


@pytest.fixture
def cloud(sim: GoeSimulator) -> Iterator[GoeSimulator]:
    """Point the vendor's cloud URL template at the simulator's cloud front."""
    VENDOR.cloud_url_template = f"{sim.url}/cloud/{{serial}}"
    yield sim
    VENDOR.cloud_url_template = CLOUD_URL_TEMPLATE


def cloud_data(sim: GoeSimulator, token: str | None = None) -> dict[str, Any]:
    """Entry data of a cloud connection."""
    return {
        CONF_VENDOR: "goe",
        "goe_mode": "cloud",
        "serial": sim.serial,
        "api_token": token or sim.token,
    }


def local_data(sim: GoeSimulator) -> dict[str, Any]:
    """Entry data of a local connection."""
    return {CONF_VENDOR: "goe", "goe_mode": "local", "host": sim.url}


async def setup_entry(
    hass: HomeAssistant, data: dict[str, Any], *, serial: str = "012345", **options: Any
) -> MockConfigEntry:
    """Add and set up a go-e entry."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=f"go-eCharger {serial}",
        unique_id=f"goe_{serial}",
        data=data,
        options=options,
    )
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry
