"""Helpers shared by the tests."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
import time
from types import ModuleType
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.recorder.statistics import statistics_during_period
from homeassistant.core import HomeAssistant
from homeassistant.helpers.recorder import get_instance
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
)

from custom_components.energy_hub.const import DOMAIN
from simulators.base import Simulator


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


async def stop_and_resume_history_import(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    monkeypatch: pytest.MonkeyPatch,
    coordinator_module: ModuleType,
    simulator: Simulator,
) -> None:
    """Unload while the history import runs (no task may be left), start again, let it end.

    The restart imports without pauses (``BACKFILL_INTERVAL`` of the vendor's coordinator
    module is 0) and with the simulator's request log cleared.
    """
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    assert not entry._background_tasks
    assert not [t for t in asyncio.all_tasks() if "history" in t.get_name().lower()]
    monkeypatch.setattr(coordinator_module, "BACKFILL_INTERVAL", 0.0)
    simulator.clear_log()
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)


async def run_then_outage(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, entry: MockConfigEntry
) -> float:
    """Poll every 5 minutes for 2 hours, unload, 3 hours pass, set up again.

    Returns when Home Assistant went down (Unix seconds).
    """
    for _ in range(24):
        await advance(hass, freezer, 300)
    assert await hass.config_entries.async_unload(entry.entry_id)
    down_from = time.time()
    freezer.tick(3 * 3600)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return down_from
