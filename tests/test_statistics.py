"""The generic statistics layer: store, hourly statistics with sum continuation, backfill."""

from __future__ import annotations

from datetime import UTC, datetime
import time
from typing import Any

import aiohttp
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.recorder import Recorder
from homeassistant.components.recorder.statistics import (
    get_last_statistics,
    statistics_during_period,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers.recorder import get_instance
import pytest
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
)

from custom_components.energy_hub.api.egauge import MAX_POWER, EgaugeClient
from custom_components.energy_hub.api.energy import HOUR, CounterSplit
from custom_components.energy_hub.api.errors import EnergyHubConnectionError
from custom_components.energy_hub.statistics import (
    Counter,
    EnergyCounters,
    EnergyStore,
    HistoryBackfill,
    HourlyStatistics,
    statistic_id,
)
from simulators.egauge import EgaugeSimulator

from .conftest import StartSimulator

KWH = 3_600_000


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(recorder_db_url: str, enable_custom_integrations: Any) -> None:
    """Custom integrations on; the recorder's database prepared before Home Assistant starts."""


async def _sums(hass: HomeAssistant, sid: str) -> dict[int, float]:
    await async_wait_recording_done(hass)
    stats = await get_instance(hass).async_add_executor_job(
        statistics_during_period,
        hass,
        datetime.fromtimestamp(0, UTC),
        None,
        {sid},
        "hour",
        None,
        {"sum"},
    )
    return {int(r["start"]): float(r["sum"]) for r in stats.get(sid, [])}


async def test_store_round_trip(hass: HomeAssistant) -> None:
    """Splits, cursors and backfill progress come back; junk is ignored."""
    store = EnergyStore(hass, "entry1")
    await store.async_load()
    assert store.splits == {}
    split = CounterSplit()
    split.feed([(0.0, 0), (1.0, 5), (2.0, 1)], max_rate=100)
    store.splits["reg0"] = split
    store.cursors["energy_hub:x"] = (3600, 1.5)
    store.backfill = {"done": True}
    await store.async_save()
    again = EnergyStore(hass, "entry1")
    await again.async_load()
    assert again.splits["reg0"].imported == 5
    assert again.cursors == {"energy_hub:x": (3600, 1.5)}
    assert again.backfill == {"done": True}
    again.cursors["bad"] = ("x", 1)  # type: ignore[assignment]
    await again.async_save()
    third = EnergyStore(hass, "entry1")
    await third.async_load()
    assert "bad" not in third.cursors
    await third.async_remove()
    assert statistic_id("egauge", "G10400", "reg0", "imported") == (
        "energy_hub:egauge_g10400_reg0_imported"
    )


async def test_sum_continues_and_cursor_from_database(
    recorder_mock: Recorder, hass: HomeAssistant
) -> None:
    """Hours append to the sum; old hours are skipped; a lost store reads the database."""
    store = EnergyStore(hass, "e")
    stats = HourlyStatistics(hass, store)
    sid = "energy_hub:test_imported"
    assert await stats.async_write(sid, "Test", [(0, 1.0), (HOUR, 2.0)]) == 2
    assert await stats.async_write(sid, "Test", [(HOUR, 2.0), (2 * HOUR, 0.5)]) == 1
    assert await stats.async_write(sid, "Test", []) == 0
    assert await _sums(hass, sid) == {0: 1.0, HOUR: 3.0, 2 * HOUR: 3.5}
    fresh = HourlyStatistics(hass, EnergyStore(hass, "e2"))
    assert await fresh.async_write(sid, "Test", [(2 * HOUR, 9.0), (3 * HOUR, 1.0)]) == 1
    assert (await _sums(hass, sid))[3 * HOUR] == 4.5
    last = await get_instance(hass).async_add_executor_job(
        get_last_statistics, hass, 1, sid, False, {"sum"}
    )
    assert last[sid][0]["sum"] == 4.5


async def test_no_recorder_writes_nothing(hass: HomeAssistant) -> None:
    """Without the recorder the statistics are skipped (sensors still work)."""
    stats = HourlyStatistics(hass, EnergyStore(hass, "e"))
    assert await stats.async_write("energy_hub:x", "X", [(0, 1.0)]) == 0


async def test_backfill_then_live(
    recorder_mock: Recorder,
    hass: HomeAssistant,
    start_simulator: StartSimulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Two days of history, then the live hours: one continuous sum, nothing doubled."""
    sim = await start_simulator(EgaugeSimulator())
    sim.epoch = sim.db_created
    freezer.move_to(datetime.fromtimestamp((int(time.time()) // HOUR) * HOUR + 1234, UTC))
    store = EnergyStore(hass, "e")
    counters = EnergyCounters(
        hass, store, vendor="egauge", device="G1", device_name="Meter", max_rate=MAX_POWER
    )
    counters.counters = {"reg0": Counter("reg0", "Grid", 1 / KWH)}
    async with aiohttp.ClientSession() as session:
        client = EgaugeClient(session, sim.url, "owner", "secret")
        live = await client.async_get_registers()
        counters.feed(live.series)
        failures = [EnergyHubConnectionError("down")]

        async def fetch(start: float, stop: float) -> dict[str, list[tuple[float, int]]]:
            if failures:
                raise failures.pop()
            return await client.async_get_history(start, stop, 60)

        backfill = HistoryBackfill(counters, fetch, chunk=86400, interval=0)
        assert backfill.progress is None
        backfill.plan(2)
        assert backfill.progress == 0
        assert counters.history_done is False
        # live hours wait while the history is imported
        freezer.tick(HOUR)
        counters.feed((await client.async_get_registers(since=counters.since)).series)
        assert await counters.async_write_hours() == 0
        progress: list[float | None] = []
        backfill.add_listener(lambda: progress.append(backfill.progress))
        import custom_components.energy_hub.statistics as statistics_module

        statistics_module.RETRY_AFTER = 0
        await backfill.async_run()
        assert backfill.requests == 2
        assert progress[-1] == 100
        sums = await _sums(hass, statistic_id("egauge", "G1", "reg0", "imported"))
        hours = sorted(sums)
        assert len(hours) == 48 + 1  # two days before setup, and the hour of setup
        values = [
            b - a
            for a, b in zip([sums[h] for h in hours], [sums[h] for h in hours[1:]], strict=False)
        ]
        assert all(v == pytest.approx(1798 * HOUR / KWH, rel=1e-6) for v in values)
        # planning again after it is done changes nothing
        backfill.plan(30)
        assert backfill.progress == 100
        await backfill.async_run()
        assert backfill.requests == 2


def test_backfill_plan_off(hass: HomeAssistant) -> None:
    """0 days: nothing to import, live hours are written at once."""
    store = EnergyStore(hass, "e")
    counters = EnergyCounters(hass, store, vendor="v", device="d", device_name="D", max_rate=1e9)
    backfill = HistoryBackfill(counters, _never, chunk=1, interval=0)
    backfill.plan(0)
    assert counters.history_done is True
    assert backfill.progress == 100


async def _never(start: float, stop: float) -> dict[str, Any]:  # pragma: no cover
    raise AssertionError
