"""The eGauge coordinator: one ``/api/register`` request per poll.

Each poll also carries every stored row since the previous one (``time=<last>:1:now``
with ``delta``): the power registers' positive and negative steps are added up
separately (exact import/export) and per clock hour (long-term statistics). After a long
outage the rows missed are read first in chunks of ``MAX_POLL_SPAN`` seconds.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import timedelta
import time

from homeassistant.core import HomeAssistant

from ...api.egauge import (
    MAX_POLL_SPAN,
    MAX_POWER,
    REASON_NONCE_EXPIRED,
    EgaugeClient,
    MeterInfo,
    RegisterData,
)
from ...api.energy import Series
from ...contract import EnergyHubConfigEntry, EnergyHubRuntimeData
from ...coordinator import EnergyHubCoordinator
from ...statistics import Counter, EnergyCounters, EnergyStore, HistoryBackfill

#: Seconds of history a backfill request covers (minute rows: 1,441 rows a request).
BACKFILL_CHUNK = 86400
#: Seconds between two backfill requests (the meter serves people too).
BACKFILL_INTERVAL = 1.0
#: Catch-up chunks read at most in one poll after an outage (then the next poll goes on).
MAX_CATCH_UP_CHUNKS = 48


class EgaugeCoordinator(EnergyHubCoordinator[RegisterData]):
    """Polls every register of one meter and splits its power registers."""

    #: a meter declaring every fresh login nonce expired has a clock problem only the user
    #: can fix (on the meter): a repair issue says so while it lasts
    repair_reasons = frozenset({REASON_NONCE_EXPIRED})

    def __init__(
        self,
        hass: HomeAssistant,
        entry: EnergyHubConfigEntry,
        client: EgaugeClient,
        meter: MeterInfo,
        update_interval: timedelta,
        *,
        store: EnergyStore,
        inverted: frozenset[str] = frozenset(),
    ) -> None:
        """Poll at the entry's interval."""
        super().__init__(
            hass, entry, name=f"eGauge {meter.serial}", update_interval=update_interval
        )
        self.client = client
        self.meter = meter
        self.inverted = inverted
        self.energy = EnergyCounters(
            hass,
            store,
            vendor="egauge",
            device=meter.serial,
            device_name=meter.hostname or f"eGauge {meter.serial}",
            max_rate=MAX_POWER,
        )
        # the counters of the last run, until the first poll names them again: a restart
        # then reads the rows it missed before anything else
        self.energy.counters = {
            key: Counter(key=key, name=key, scale=0.0, sign=-1 if key in inverted else 1)
            for key in store.splits
        }
        self.backfill = HistoryBackfill(
            self.energy, self._async_history, chunk=BACKFILL_CHUNK, interval=BACKFILL_INTERVAL
        )
        self.catch_up_requests = 0

    async def _async_fetch(self) -> RegisterData:
        since = self.energy.since
        chunks = 0
        while (
            since is not None
            and time.time() - since > MAX_POLL_SPAN
            and chunks < MAX_CATCH_UP_CHUNKS
        ):
            rows = await self.client.async_get_history(
                since, since + MAX_POLL_SPAN, 1, self._split_indices()
            )
            self.catch_up_requests += 1
            chunks += 1
            self.energy.feed(rows)
            if self.energy.since == since:
                break  # the meter had nothing newer
            since = self.energy.since
        data = await self.client.async_get_registers(since=since)
        self._account(data)
        await self.energy.async_write_hours()
        return data

    def _split_indices(self) -> list[int] | None:
        data: RegisterData | None = self.data
        if data is None:
            return None
        return [r.idx for r in data.registers.values() if r.splits]

    def _account(self, data: RegisterData) -> None:
        """Register the power registers as counters and count their new rows."""
        counters: dict[str, Counter] = {}
        for key, register in data.registers.items():
            reg_type = register.type
            if not register.splits or reg_type is None or reg_type.cumul_scale is None:
                continue
            counters[key] = Counter(
                key=key,
                name=register.name,
                scale=reg_type.quantum * reg_type.cumul_scale,
                sign=-1 if key in self.inverted else 1,
            )
        self.energy.counters = counters
        self.energy.feed(data.series)
        self.energy.prune(set(counters))

    async def _async_history(self, start: float, stop: float) -> dict[str, Series]:
        return await self.client.async_get_history(start, stop, 60, self._split_indices())


@dataclass(kw_only=True)
class EgaugeRuntimeData(EnergyHubRuntimeData):
    """Runtime data of an eGauge entry: also the meter's identity."""

    meter: MeterInfo
    #: the history import running in the background (None: not started)
    history_task: asyncio.Task[None] | None = None
