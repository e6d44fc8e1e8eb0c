"""Fixtures of the EKM tests: the simulator and the vendor pointed at it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from homeassistant.const import CONF_API_KEY, CONF_API_TOKEN
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.energy_hub.const import CONF_VENDOR, DOMAIN
from custom_components.energy_hub.vendors.ekm import VENDOR
from custom_components.energy_hub.vendors.ekm.const import (
    CONF_GATEWAY,
    CONF_METER_INFO,
    CONF_METERS,
)
from simulators.ekm import DEFAULT_KEY, DEFAULT_TOKEN, GATEWAY, EkmSimulator

from ..conftest import StartSimulator

METERS = ["000300000001", "000300000002", "000000000099"]
METER_INFO = {
    "000300000001": {"protocol": "v4", "gateway": GATEWAY},
    "000300000002": {"protocol": "v4", "gateway": GATEWAY},
    "000000000099": {"protocol": "v3", "gateway": GATEWAY},
}


@pytest.fixture
async def sim(start_simulator: StartSimulator) -> EkmSimulator:
    """A running EKM Push simulator."""
    return await start_simulator(EkmSimulator())


@pytest.fixture(autouse=True)
def vendor_urls(request: pytest.FixtureRequest) -> Iterator[None]:
    """Point the vendor's EKM Push hosts at the simulator (our own setting)."""
    saved = (VENDOR.api_url, VENDOR.push_url)
    if "sim" in request.fixturenames:
        sim: EkmSimulator = request.getfixturevalue("sim")
        VENDOR.api_url = VENDOR.push_url = sim.url
    yield
    VENDOR.api_url, VENDOR.push_url = saved


def entry_data(**changes: Any) -> dict[str, Any]:
    """The data of a configured EKM entry."""
    return {
        CONF_VENDOR: "ekm",
        CONF_API_KEY: DEFAULT_KEY,
        CONF_API_TOKEN: DEFAULT_TOKEN,
        CONF_GATEWAY: GATEWAY,
        CONF_METERS: list(METERS),
        CONF_METER_INFO: dict(METER_INFO),
        **changes,
    }


async def setup_entry(hass: HomeAssistant, **changes: Any) -> MockConfigEntry:
    """Add and set up an EKM entry for the simulated gateway."""
    data = entry_data(**changes)
    gateway = data[CONF_GATEWAY]
    entry = MockConfigEntry(domain=DOMAIN, title=f"EKM {gateway}", unique_id=gateway, data=data)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry
