"""Long-term energy statistics from a device's own history (generic, used by vendors).

Why external statistics (``async_add_external_statistics``, ids ``energy_hub:...``) and not
``async_import_statistics`` into the sensors' own statistic ids: the recorder compiles a
sensor's statistics itself every hour from the states it saw. Importing into the same id
would race with that compiler (hours while Home Assistant was down get compiled as one
spike on restart, hours we import get overwritten or double counted). An external
statistic has one writer, us, so every hour comes from the meter's stored data and the
``sum`` continues from the previous hour we wrote. The Energy dashboard offers external
statistics with a unit of energy and ``has_sum`` in its grid, solar, battery and device
pickers (as it does for opower and tibber).

``sum`` continuation: each statistic's last written hour and sum are kept in the entry's
store (``EnergyStore``) and advanced as hours are written; writing an hour again (after a
crash, from the same stored rows) gives the same value and sum, so the upsert is harmless.
Without a stored cursor (first run, or a deleted store) the last row in the database is
looked up once, as opower and tibber do.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import KW_ONLY, dataclass, field
from datetime import UTC, datetime
import logging
from typing import Any

from homeassistant.components.recorder.models import (
    StatisticData,
    StatisticMeanType,
    StatisticMetaData,
)
from homeassistant.components.recorder.statistics import (
    async_add_external_statistics,
    get_last_statistics,
)
from homeassistant.components.sensor import SensorEntity, SensorEntityDescription
from homeassistant.const import PERCENTAGE, EntityCategory, UnitOfEnergy
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import selector
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.recorder import get_instance
from homeassistant.helpers.storage import Store
from homeassistant.util import slugify
import voluptuous as vol

from .api.energy import HOUR, CounterSplit, HourBucket, Series
from .api.errors import EnergyHubApiError
from .const import DOMAIN
from .contract import EnergyHubConfigEntry
from .coordinator import EnergyHubCoordinator
from .entity import EnergyHubEntity

_LOGGER = logging.getLogger(__name__)

STORE_VERSION = 1
#: Seconds between a change and the store's write (it is also written on unload and stop).
SAVE_DELAY = 30.0


def statistic_id(*parts: str) -> str:
    """``energy_hub:<part>_<part>...`` in the characters a statistic id allows."""
    return f"{DOMAIN}:" + "_".join(slugify(p) for p in parts)


def recorder_ready(hass: HomeAssistant) -> bool:
    """True when the recorder runs (statistics can be written)."""
    return "recorder" in hass.config.components


class EnergyStore:
    """What an entry keeps across restarts: splits, backfill progress, statistic cursors.

    A Home Assistant ``Store`` (one JSON file per entry) rather than RestoreSensor extra
    data: the split of one counter feeds two sensors and up to three statistics, and its
    last row time, its totals and the statistics cursors must come back as one consistent
    snapshot. Entity restore data is saved per entity and only every 15 minutes.
    """

    def __init__(self, hass: HomeAssistant, entry_id: str) -> None:
        """The store of one config entry."""
        self._store: Store[dict[str, Any]] = Store(
            hass, STORE_VERSION, f"{DOMAIN}.energy.{entry_id}"
        )
        self.splits: dict[str, CounterSplit] = {}
        #: statistic id -> (last hour start written, sum after it)
        self.cursors: dict[str, tuple[int, float]] = {}
        #: vendor-specific progress of the history import
        self.backfill: dict[str, Any] = {}

    async def async_load(self) -> None:
        """Read the stored snapshot (a missing or malformed one starts empty)."""
        data = await self._store.async_load()
        if not isinstance(data, dict):
            return
        splits = data.get("splits")
        if isinstance(splits, dict):
            self.splits = {str(k): CounterSplit.from_dict(v) for k, v in splits.items()}
        cursors = data.get("cursors")
        if isinstance(cursors, dict):
            for sid, value in cursors.items():
                try:
                    self.cursors[str(sid)] = (int(value[0]), float(value[1]))
                except TypeError, ValueError, IndexError:
                    continue
        backfill = data.get("backfill")
        if isinstance(backfill, dict):
            self.backfill = backfill

    def _data(self) -> dict[str, Any]:
        return {
            "splits": {k: v.as_dict() for k, v in self.splits.items()},
            "cursors": {k: [h, s] for k, (h, s) in self.cursors.items()},
            "backfill": self.backfill,
        }

    def async_schedule_save(self) -> None:
        """Write the snapshot soon (coalesced)."""
        self._store.async_delay_save(self._data, SAVE_DELAY)

    async def async_save(self) -> None:
        """Write the snapshot now (unload)."""
        await self._store.async_save(self._data())

    async def async_remove(self) -> None:
        """Delete the file (entry removed)."""
        await self._store.async_remove()


class HourlyStatistics:
    """Writes hourly energy (kWh) of external statistics, continuing each one's ``sum``."""

    def __init__(self, hass: HomeAssistant, store: EnergyStore) -> None:
        """Cursors live in ``store``."""
        self.hass = hass
        self.store = store
        self.written = 0

    async def _async_cursor(self, sid: str) -> tuple[int, float] | None:
        cursor = self.store.cursors.get(sid)
        if cursor is not None:
            return cursor
        last = await get_instance(self.hass).async_add_executor_job(
            get_last_statistics, self.hass, 1, sid, False, {"sum"}
        )
        rows = last.get(sid)
        if not rows:
            return None
        start = rows[0].get("start")
        total = rows[0].get("sum")
        if start is None or total is None:
            return None
        return int(start), float(total)

    async def async_write(self, sid: str, name: str, hours: Iterable[tuple[int, float]]) -> int:
        """Append hours ``(hour start, kWh)``, oldest first; returns how many were written.

        Hours at or before the last one written are skipped (already there).
        """
        if not recorder_ready(self.hass):
            return 0
        cursor = await self._async_cursor(sid)
        last_hour, total = cursor if cursor is not None else (None, 0.0)
        rows: list[StatisticData] = []
        for hour, value in sorted(hours):
            if last_hour is not None and hour <= last_hour:
                continue
            total += value
            rows.append(
                StatisticData(
                    start=datetime.fromtimestamp(hour - hour % HOUR, UTC),
                    state=total,
                    sum=total,
                )
            )
            last_hour = hour
        if not rows or last_hour is None:
            return 0
        metadata = StatisticMetaData(
            mean_type=StatisticMeanType.NONE,
            has_sum=True,
            name=name,
            source=DOMAIN,
            statistic_id=sid,
            unit_class="energy",
            unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
        )
        async_add_external_statistics(self.hass, metadata, rows)
        self.store.cursors[sid] = (last_hour, total)
        self.written += len(rows)
        return len(rows)


@dataclass(frozen=True, slots=True)
class Counter:
    """A net counter of a device: how to name it and turn its counts into kWh."""

    #: key of the counter within its device (e.g. ``reg0``)
    key: str
    #: human name (``Grid``), used in the statistics' names
    name: str
    #: kWh per count
    scale: float
    #: -1: the device measures this counter the other way round (swap import/export)
    sign: int = 1
    #: True: the counter only counts up (an energy-imported register of its own): one
    #: statistic, its increase; a step back is bad history (skipped), not export
    monotonic: bool = False


KINDS = ("imported", "exported", "net")


class EnergyCounters:
    """The import/export split of a device's net counters, and their hourly statistics.

    The vendor feeds the stored rows each poll reads (``feed``); the split's running totals
    back the imported/exported sensors, completed hours become statistics. While a history
    import (``HistoryBackfill``) still runs, completed hours wait in the split (and in the
    store), so that ``sum`` continues in time order once the past is written.
    """

    def __init__(
        self,
        hass: HomeAssistant,
        store: EnergyStore,
        *,
        vendor: str,
        device: str,
        device_name: str,
        max_rate: float,
    ) -> None:
        """Counters of one device (``device`` is its stable id, e.g. the serial)."""
        self.hass = hass
        self.store = store
        self.statistics = HourlyStatistics(hass, store)
        self.vendor = vendor
        self.device = device
        self.device_name = device_name
        self.max_rate = max_rate
        self.counters: dict[str, Counter] = {}
        #: False while the history import runs (hours wait)
        self.history_done = True
        self._logged_bad: set[str] = set()

    def statistic_id(self, key: str, kind: str | None = None) -> str:
        """``energy_hub:<vendor>_<device>_<key>_<kind>`` (no kind: a monotonic counter's)."""
        if kind is None:
            return statistic_id(self.vendor, self.device, key)
        return statistic_id(self.vendor, self.device, key, kind)

    def statistics_of(self, counter: Counter) -> list[tuple[str, str, str]]:
        """``(bucket kind, statistic id, name)`` of each statistic a counter feeds.

        A net counter feeds ``imported``, ``exported`` and ``net``; a monotonic one only
        its increase, under the counter's own id and name.
        """
        if counter.monotonic:
            return [
                (
                    "imported",
                    self.statistic_id(counter.key),
                    f"{self.device_name} {counter.name}",
                )
            ]
        return [
            (
                kind,
                self.statistic_id(counter.key, kind),
                f"{self.device_name} {counter.name} {kind}",
            )
            for kind in KINDS
        ]

    def split(self, key: str) -> CounterSplit | None:
        """The split of a counter (None before its first row)."""
        return self.store.splits.get(key)

    def kwh(self, key: str, kind: str) -> float | None:
        """A counter's imported or exported total in kWh (None before its first row)."""
        split = self.store.splits.get(key)
        counter = self.counters.get(key)
        if split is None or counter is None or split.ts is None:
            return None
        counts = split.imported if kind == "imported" else split.exported
        return counts * counter.scale

    @property
    def since(self) -> float | None:
        """The last row time all current counters have counted (None: start afresh)."""
        times = [
            split.ts
            for key in self.counters
            if (split := self.store.splits.get(key)) is not None and split.ts is not None
        ]
        return min(times) if times else None

    def feed(self, rows: Mapping[str, Series]) -> None:
        """Count newly read rows of every known counter."""
        for key, counter in self.counters.items():
            series = rows.get(key)
            if not series:
                continue
            split = self.store.splits.setdefault(key, CounterSplit())
            before = split.skipped
            split.feed(
                series, max_rate=self.max_rate, sign=counter.sign, monotonic=counter.monotonic
            )
            self.log_skipped(counter, split.skipped - before)
        self.store.async_schedule_save()

    def log_skipped(self, counter: Counter, skipped: int) -> None:
        """Say once per counter (at debug level) that steps of its history were skipped."""
        if skipped <= 0 or counter.key in self._logged_bad:
            return
        self._logged_bad.add(counter.key)
        _LOGGER.debug(
            "%s %s: skipped %d implausible step(s) in the stored history "
            "(database gap, counter reset or moved epoch)",
            self.device_name,
            counter.name,
            skipped,
        )

    async def async_write_hours(self) -> int:
        """Write every completed hour (unless the history import still runs)."""
        if not self.history_done:
            return 0
        written = 0
        for key, counter in self.counters.items():
            split = self.store.splits.get(key)
            if split is None:
                continue
            written += await self.async_write_buckets(counter, split.complete_hours())
        if written:
            self.store.async_schedule_save()
        return written

    async def async_write_buckets(
        self, counter: Counter, hours: list[tuple[int, HourBucket]]
    ) -> int:
        """Write buckets of one counter as its three statistics."""
        if not hours:
            return 0
        written = 0
        for kind, sid, name in self.statistics_of(counter):
            values = [(hour, getattr(bucket, kind) * counter.scale) for hour, bucket in hours]
            written += await self.statistics.async_write(sid, name, values)
        return written

    def prune(self, present: set[str]) -> None:
        """Forget splits of counters the device no longer has."""
        for key in [k for k in self.store.splits if k not in present]:
            del self.store.splits[key]


type Fetch = Callable[[float, float], Awaitable[Mapping[str, Series]]]

#: Seconds to wait after a failed history request before trying again.
RETRY_AFTER = 300.0


@dataclass(eq=False)
class HistoryBackfill:
    """Imports a device's stored history from before setup as hourly statistics.

    Runs as a background task of the entry (Home Assistant cancels it on unload), one
    request per ``chunk`` seconds of history, at most one request every ``interval``
    seconds. Its progress (cursor, the partial split) is in the entry's store after every
    chunk, so a later start resumes where it stopped. It ends exactly at the first row the
    live polling counted, whose hour it completes; the live hours waiting meanwhile are
    then written after it, so ``sum`` runs on without a step.
    """

    counters: EnergyCounters
    #: ``fetch(start, stop)`` returns the stored rows per counter key.
    fetch: Fetch
    _: KW_ONLY
    chunk: float
    interval: float
    requests: int = field(default=0, init=False)
    _listeners: list[Callable[[], None]] = field(default_factory=list, init=False, repr=False)

    @property
    def state(self) -> dict[str, Any]:
        """The stored progress."""
        return self.counters.store.backfill

    def add_listener(self, listener: Callable[[], None]) -> Callable[[], None]:
        """Call ``listener`` on progress; returns the remover."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def _notify(self) -> None:
        for listener in list(self._listeners):
            listener()

    @property
    def progress(self) -> float | None:
        """Percent of the history imported (100 when done or off, None before planning)."""
        state = self.state
        if not state:
            return None
        if state.get("done"):
            return 100.0
        begin, end, cursor = (float(state[k]) for k in ("begin", "end", "cursor"))
        if end <= begin:
            return 100.0
        return round(100.0 * (cursor - begin) / (end - begin), 1)

    def plan(self, days: int, oldest: float | None = None) -> None:
        """First start: from ``days`` before the first live row (not before ``oldest``)."""
        if self.state:
            self.counters.history_done = bool(self.state.get("done"))
            return
        end = self.counters.since
        if days <= 0 or end is None:
            self.counters.store.backfill = {"done": True}
            self.counters.history_done = True
            return
        begin = float(int(end // HOUR) * HOUR - days * 86400)
        if oldest is not None and oldest > begin:
            begin = float(-(-int(oldest) // HOUR) * HOUR)
        values = {
            key: split.value
            for key in self.counters.counters
            if (split := self.counters.store.splits.get(key)) is not None
            and split.ts == end
            and split.value is not None
        }
        self.counters.store.backfill = {
            "begin": begin,
            "end": end,
            "cursor": min(begin, end),
            "end_values": values,
            "splits": {},
            "done": False,
        }
        self.counters.history_done = False
        self.counters.store.async_schedule_save()

    async def async_run(self) -> None:
        """Import chunk by chunk until the first live row; cancellable at any await."""
        state = self.state
        if not state or state.get("done"):
            self.counters.history_done = True
            return
        counters = self.counters
        splits = {k: CounterSplit.from_dict(v) for k, v in dict(state["splits"]).items()}
        end = float(state["end"])
        while float(state["cursor"]) < end:
            start = float(state["cursor"])
            stop = start + self.chunk
            if end - stop < HOUR:  # the rest of the hour of the first live row comes along
                stop = end
            try:
                rows = await self.fetch(start, stop)
            except EnergyHubApiError as err:
                _LOGGER.debug("History import of %s paused: %s", counters.device_name, err)
                await asyncio.sleep(RETRY_AFTER)
                continue
            self.requests += 1
            for key, counter in counters.counters.items():
                series = [row for row in rows.get(key, []) if start <= row[0] <= stop]
                last_value = state["end_values"].get(key)
                if stop >= end and last_value is not None:
                    series.append((end, int(last_value)))
                split = splits.setdefault(key, CounterSplit())
                before = split.skipped
                split.feed(
                    series,
                    max_rate=counters.max_rate,
                    sign=counter.sign,
                    monotonic=counter.monotonic,
                )
                counters.log_skipped(counter, split.skipped - before)
                await counters.async_write_buckets(counter, split.complete_hours())
            state["cursor"] = stop
            state["splits"] = {k: v.as_dict() for k, v in splits.items()}
            counters.store.async_schedule_save()
            self._notify()
            if stop < end:
                await asyncio.sleep(self.interval)
        # the hour of the first live row: its older part comes from the history
        for key, split in splits.items():
            live = counters.store.splits.get(key)
            if live is None:
                continue
            for hour, bucket in split.hours.items():
                target = live.hours.setdefault(hour, HourBucket())
                target.imported += bucket.imported
                target.exported += bucket.exported
        counters.store.backfill = {
            "done": True,
            "begin": state["begin"],
            "end": end,
            "cursor": end,
        }
        counters.history_done = True
        await counters.async_write_hours()
        counters.store.async_schedule_save()
        _LOGGER.debug(
            "History import of %s done (%d requests)", counters.device_name, self.requests
        )
        self._notify()


# -- the history import's option, task and progress sensor (shared by the vendors) ------

#: Days of history imported by default, and at most (the option's range).
DEFAULT_HISTORY_DAYS = 30
MAX_HISTORY_DAYS = 365


def history_days(options: Mapping[str, Any], key: str, default: int = DEFAULT_HISTORY_DAYS) -> int:
    """The history import's depth in days (0 = off) under ``key``, clamped to the range."""
    try:
        days = int(options.get(key, default))
    except TypeError, ValueError:
        days = default
    return max(0, min(MAX_HISTORY_DAYS, days))


def history_days_schema(
    options: Mapping[str, Any], key: str, default: int = DEFAULT_HISTORY_DAYS
) -> dict[vol.Marker, Any]:
    """The settings field of the history import's depth (days, 0 = off)."""
    return {
        vol.Required(key, default=history_days(options, key, default)): selector.NumberSelector(
            selector.NumberSelectorConfig(
                min=0,
                max=MAX_HISTORY_DAYS,
                step=1,
                mode=selector.NumberSelectorMode.BOX,
                unit_of_measurement="d",
            )
        ),
    }


def async_start_history_import(
    hass: HomeAssistant,
    entry: EnergyHubConfigEntry,
    backfill: HistoryBackfill,
    days: int,
    name: str,
) -> asyncio.Task[None]:
    """Plan the import (first start) and run it as the entry's background task.

    Setup does not wait for it; Home Assistant cancels the entry's background tasks on
    unload (``async_stop_history_import`` waits for that).
    """
    backfill.plan(days)
    return entry.async_create_background_task(hass, backfill.async_run(), name)


async def async_stop_history_import(task: asyncio.Task[None] | None, store: EnergyStore) -> None:
    """Cancel the import (if it still runs), wait until it stopped, keep where it stood."""
    if task is not None and not task.done():
        task.cancel()
        await asyncio.wait([task])
    await store.async_save()


def history_import_description(translation_key: str) -> SensorEntityDescription:
    """A diagnostic percentage sensor: how far the history import has got."""
    return SensorEntityDescription(
        key="history_import",
        translation_key=translation_key,
        native_unit_of_measurement=PERCENTAGE,
        entity_category=EntityCategory.DIAGNOSTIC,
        suggested_display_precision=0,
    )


class HistoryImportSensor(EnergyHubEntity[EnergyHubCoordinator[Any]], SensorEntity):
    """How far the import of a device's history into the statistics has got (percent)."""

    def __init__(
        self,
        coordinator: EnergyHubCoordinator[Any],
        backfill: HistoryBackfill,
        description: SensorEntityDescription,
        *,
        unique_id: str,
        device_info: DeviceInfo,
    ) -> None:
        """One per device whose history is imported."""
        super().__init__(coordinator, description, unique_id=unique_id, device_info=device_info)
        self._backfill = backfill

    @property
    def native_value(self) -> float | None:
        """Percent done (100 when done or switched off)."""
        return self._backfill.progress

    async def async_added_to_hass(self) -> None:
        """Follow the import's progress between polls."""
        await super().async_added_to_hass()
        self.async_on_remove(self._backfill.add_listener(self._async_progress))

    @callback
    def _async_progress(self) -> None:
        self.async_write_ha_state()
