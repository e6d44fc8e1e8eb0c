"""Helpers shared by the tests."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import async_fire_time_changed

from custom_components.energy_hub.const import DOMAIN


async def advance(hass: HomeAssistant, freezer: FrozenDateTimeFactory, seconds: float) -> None:
    """Move time on by ``seconds`` and let every timer, poll and HTTP request finish.

    Coordinator refreshes run as background tasks doing real HTTP to the simulators,
    so this waits for background tasks too.
    """
    freezer.tick(timedelta(seconds=seconds))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)


async def history_call(hass: HomeAssistant, action: str, **data: Any) -> Any:
    """Call a history action of ours and return its response (by default: the last two hours)."""
    now = dt_util.utcnow()
    data.setdefault("start", (now - timedelta(hours=2)).isoformat())
    data.setdefault("end", now.isoformat())
    return await hass.services.async_call(DOMAIN, action, data, blocking=True, return_response=True)
