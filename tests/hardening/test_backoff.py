"""HTTP 429 in Home Assistant: a translated 'rate limited', and no poll before Retry-After."""

from __future__ import annotations

from datetime import timedelta

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
import pytest

from custom_components.energy_hub.api.errors import EnergyHubRateLimitError
from custom_components.energy_hub.coordinator import action_error

from ..conftest import StartSimulator
from .entries import VENDORS, setup_vendor


@pytest.mark.parametrize("vendor", VENDORS)
async def test_rate_limit_backs_off_until_retry_after(
    hass: HomeAssistant,
    start_simulator: StartSimulator,
    freezer: FrozenDateTimeFactory,
    vendor: str,
) -> None:
    """429 + Retry-After 600: translated error, interval 600 s, nothing sent before, then back."""
    setup = await setup_vendor(hass, vendor, start_simulator)
    coordinator = setup.coordinator
    normal = coordinator.update_interval
    assert coordinator.last_update_success
    setup.sim.faults.rate_limited = True
    setup.sim.faults.retry_after = "600"
    setup.sim.faults.paths = (setup.poll_path,)
    await coordinator.async_refresh()
    assert not coordinator.last_update_success
    err = coordinator.last_exception
    assert err.translation_key == "unavailable_rate_limited"
    assert err.translation_placeholders == {"seconds": "600"}
    assert "600 s" in str(err)
    assert coordinator.update_interval == timedelta(seconds=600)
    assert coordinator.backing_off

    # the limit is lifted on the device, but asking before 600 s sends nothing
    setup.sim.faults.reset()
    setup.sim.clear_log()
    freezer.tick(300)
    await coordinator.async_refresh()
    assert not coordinator.last_update_success
    assert setup.sim.requests(setup.poll_path) == []

    freezer.tick(301)
    await coordinator.async_refresh()
    assert coordinator.last_update_success
    assert setup.sim.requests(setup.poll_path)
    assert coordinator.update_interval == normal
    assert not coordinator.backing_off


async def test_rate_limit_of_an_action_is_translated(hass: HomeAssistant) -> None:
    """An action that meets a 429 says so, with the wait."""
    err = action_error(hass, None, EnergyHubRateLimitError("x", retry_after=2.2))  # type: ignore[arg-type]
    assert isinstance(err, HomeAssistantError)
    assert err.translation_key == "unavailable_rate_limited"
    assert err.translation_placeholders == {"seconds": "3"}
