"""Helpers shared by the tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.recorder.statistics import statistics_during_period
from homeassistant.core import HomeAssistant
from homeassistant.helpers.recorder import get_instance
from pytest_homeassistant_custom_component.common import async_fire_time_changed
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
)


async def advance(hass: HomeAssistant, freezer: FrozenDateTimeFactory, seconds: float) -> None:
    """Move time on by ``seconds`` and let every timer, poll and HTTP request finish.

    Coordinator refreshes run as background tasks doing real HTTP to the simulators,
    so this waits for background tasks too.
    """
    freezer.tick(timedelta(seconds=seconds))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)


async def hourly_sums(hass: HomeAssistant, sid: str, start: float, stop: float) -> dict[int, float]:
    """The hourly ``sum`` of statistic ``sid`` by hour start, once the recorder caught up."""
    await async_wait_recording_done(hass)
    stats = await get_instance(hass).async_add_executor_job(
        statistics_during_period,
        hass,
        datetime.fromtimestamp(start, UTC),
        datetime.fromtimestamp(stop, UTC),
        {sid},
        "hour",
        None,
        {"sum", "state"},
    )
    return {int(row["start"]): float(row["sum"]) for row in stats.get(sid, [])}  # type: ignore[arg-type]
