"""Fixtures of the eGauge tests."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any
from unittest.mock import PropertyMock, patch

import aiohttp
from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_USERNAME
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.energy_hub.const import CONF_VENDOR, CONF_VERIFY_SSL, DOMAIN
from custom_components.energy_hub.vendors.egauge.const import CONF_HISTORY_DAYS
from simulators.egauge import EgaugeSimulator

from ..conftest import StartSimulator
from .test_simulator import Raw


@pytest.fixture
async def meter(start_simulator: StartSimulator) -> EgaugeSimulator:
    """A running simulated meter."""
    return await start_simulator(EgaugeSimulator())


def entry_data(meter: EgaugeSimulator, password: str = "secret") -> dict[str, Any]:
    """The config-entry data of the simulated meter."""
    return {
        CONF_VENDOR: "egauge",
        CONF_HOST: meter.url,
        CONF_USERNAME: "owner",
        CONF_PASSWORD: password,
        CONF_VERIFY_SSL: False,
    }


async def setup_meter(
    hass: HomeAssistant, meter: EgaugeSimulator, **options: Any
) -> MockConfigEntry:
    """Add and set up an entry for the meter.

    The history import is off unless asked for: it paces its requests on the event loop's
    clock, which the tests freeze (and ``advance`` waits for background tasks).
    """
    options.setdefault(CONF_HISTORY_DAYS, 0)
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=meter.hostname,
        unique_id=meter.serial,
        data=entry_data(meter),
        options=options,
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


@pytest.fixture
def entity_registry_enabled_by_default() -> Iterator[None]:
    """Create every entity enabled, also those disabled by default."""
    with patch(
        "homeassistant.helpers.entity.Entity.entity_registry_enabled_default",
        return_value=True,
        new_callable=PropertyMock,
    ):
        yield


@pytest.fixture
async def raw(start_simulator: StartSimulator) -> AsyncIterator[Raw]:
    """A logged-in raw client of a running meter."""
    sim = await start_simulator(EgaugeSimulator())
    async with aiohttp.ClientSession() as session:
        client = Raw(session, sim)
        assert "jwt" in await client.login()
        yield client
