"""Polling of an EMS gateway: system info once, discovery now and then, realtime every poll.

The gateway's energy counters (the signals whose meaning in use is active energy) also
become hourly long-term statistics from the gateway's own history: once an hour ended, a
poll reads the history samples since the last one counted (``/v1/signals/history`` with a
``uids`` filter: one request for every counter) and writes the completed hours. After an
outage the hours missed come from the gateway's history too, so they show their true values.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property
import logging
from typing import Any, Protocol

from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryAuthFailed
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.translation import async_get_translations
from homeassistant.helpers.update_coordinator import UpdateFailed
from homeassistant.util import dt as dt_util

from ...api.ems import (
    EmsClient,
    EmsConfiguration,
    EmsDevice,
    EmsHistorySample,
    EmsSample,
    EmsSignal,
    EmsSystemInfo,
    RealtimePlan,
    parse_samples,
)
from ...api.ems_signals import BAD_VALUE, QUANTITY_BY_KEY, REJECTED, Meaning, MeaningBook
from ...api.energy import HOUR
from ...api.errors import (
    EnergyHubApiError,
    EnergyHubAuthError,
    EnergyHubRequestError,
    EnergyHubUnavailableError,
)
from ...const import DOMAIN, LOGGER
from ...contract import EnergyHubConfigEntry
from ...coordinator import EnergyHubCoordinator
from ...helpers import async_remove_stale_devices, device_identifier
from ...statistics import (
    Counter,
    EnergyCounters,
    EnergyStore,
    HistoryBackfill,
    async_start_history_import,
)
from .const import CONF_MEANINGS, MANUFACTURER

#: How often devices, loads and signals are read again (not every poll: it costs requests).
REDISCOVER_INTERVAL = timedelta(minutes=10)
#: A sample older than this (or than three poll intervals, if longer) is stale.
STALE_AFTER = timedelta(minutes=5)
_UNSET: Any = object()

#: Seconds of history one request covers (a day: 96 samples a signal at 15 minutes).
HISTORY_CHUNK = 86400
#: Seconds between two requests of the history import (the gateway serves people too).
BACKFILL_INTERVAL = 1.0
#: After an hour ended, its last sample is read this many seconds later (the gateway
#: stores a sample at the end of its period).
HISTORY_LAG = 60
#: Seconds before a history read is tried again when the last one failed or brought
#: nothing new.
HISTORY_RETRY = 300.0
#: History requests at most in one poll after an outage (then the next poll goes on).
MAX_CATCH_UP_CHUNKS = 7
#: Wh per unit of an energy counter (its samples are counted in Wh).
WH_PER_UNIT: Mapping[str | None, float] = {"Wh": 1.0, "kWh": 1e3, "MWh": 1e6}
#: The largest plausible power of one channel (its power range: 1 MW), in Wh per second:
#: a step of a counter beyond it is bad history (a reset, a moved counter), never an hour.
MAX_RATE_WH = QUANTITY_BY_KEY["active_power"].ranges["W"][1] / 3600
#: The key of a counter in the energy store (and in its statistic id).
COUNTER_PREFIX = "signal_"


def confirmed_meanings(options: Mapping[str, Any]) -> dict[int, str]:
    """The user's confirmed meanings (``{si: choice}``) from an entry's options."""
    raw = options.get(CONF_MEANINGS)
    result: dict[int, str] = {}
    if isinstance(raw, dict):
        for key, value in raw.items():
            if isinstance(value, str) and value and str(key).isdigit():
                result[int(key)] = value
    return result


@dataclass(frozen=True, slots=True)
class CodeSummary:
    """One signal code of the gateway: how many signals use it and a sample value."""

    signals: int
    sample: float | str | None


class SignalEntity(Protocol):
    """What the coordinator needs of a signal sensor to dispatch to it."""

    si: int | None
    entity_id: str
    #: The meaning shown (the book's meaning of ``si``, applied by ``apply_meaning``).
    meaning: Meaning
    #: True while the meaning comes from the table (its values are checked).
    checked: bool

    def async_write_ha_state(self) -> None:
        """Write the state."""

    def apply_meaning(self, meaning: Meaning) -> None:
        """Take a new meaning (unit, device class, state class)."""


@dataclass
class EmsData:
    """One poll's result: the raw realtime entries, parsed into samples on demand."""

    system: EmsSystemInfo
    config: EmsConfiguration
    #: The realtime entries read at this poll, keyed by signal UID text.
    entries: dict[str, Any]
    discovered_at: datetime
    polled_at: datetime
    #: The value each entry shows (:func:`sample_value`: None when invalid or stale),
    #: keyed like ``entries``.
    values: dict[str, float | str | None] = field(default_factory=dict)

    @cached_property
    def realtime(self) -> dict[int, EmsSample]:
        """The entries as samples (parsed when first asked: diagnostics, checks)."""
        return parse_samples(self.entries)


def load_label(config: EmsConfiguration, signal: EmsSignal) -> tuple[str, bool]:
    """The label a signal's name starts with, and whether it repeats its device's name.

    The load's label ("Heat pump"), else "Load <lid>" or "Signal <uid>". A load whose label
    repeats its device's name ("Main" on "Main meter", "Workshop" on "Workshop") is left
    out of the name instead of doubling the word (``True``).
    """
    load = config.loads.get(signal.lid) if signal.lid is not None else None
    if load is not None:
        label = load.label
    elif signal.lid is not None:
        label = f"Load {signal.lid}"
    else:
        label = f"Signal {signal.uid}"
    device = config.devices.get(signal.did) if signal.did is not None else None
    return label, load is not None and repeats(label, device.label if device else None)


def repeats(load: str, device: str | None) -> bool:
    """Whether a load's label repeats its device's name (equal, or its first word)."""
    if not device:
        return False
    load_words = load.casefold().split()
    device_words = device.casefold().split()
    return bool(load_words) and device_words[: len(load_words)] == load_words


def history_rows(
    samples: Mapping[int, list[EmsHistorySample]], wh_per_unit: Mapping[int, float]
) -> dict[str, list[tuple[float, int]]]:
    """History samples of energy counters as ``(time, Wh)`` rows per counter key.

    A sample's time is the end of its period (``p``), else its own time (``t``);
    samples without a time or a number are left out.
    """
    rows: dict[str, list[tuple[float, int]]] = {}
    for uid, series in samples.items():
        factor = wh_per_unit.get(uid)
        if factor is None:
            continue
        out = rows.setdefault(f"{COUNTER_PREFIX}{uid}", [])
        for sample in series:
            at = sample.period if sample.period is not None else sample.time
            if at is not None and isinstance(sample.value, float):
                out.append((at, round(sample.value * factor)))
    return rows


def gateway_identifier(serial: str) -> tuple[str, str]:
    """Device-registry identifier of the gateway."""
    return device_identifier(serial)


def ems_device_identifier(serial: str, did: int) -> tuple[str, str]:
    """Device-registry identifier of one EMS device of the gateway."""
    return device_identifier(serial, "device", did)


def gateway_device_info(system: EmsSystemInfo, url: str | None = None) -> DeviceInfo:
    """The gateway's device entry (``url``: its web interface, the "Visit" link)."""
    info = DeviceInfo(
        identifiers={gateway_identifier(system.serial)},
        manufacturer=MANUFACTURER,
        name="EMS gateway",
        model=system.part_number,
        sw_version=system.firmware,
        serial_number=system.serial,
    )
    if url:
        info["configuration_url"] = url
    if system.mac:
        info["connections"] = {(dr.CONNECTION_NETWORK_MAC, dr.format_mac(system.mac))}
    return info


def ems_device_info(serial: str, device: EmsDevice, gateway_device_id: str) -> DeviceInfo:
    """The device entry of one EMS device, linked to the gateway's registry entry."""
    model = device.part_number
    if device.system:
        model = f"{model} ({device.system})" if model else device.system
    return DeviceInfo(
        identifiers={ems_device_identifier(serial, device.uid)},
        manufacturer=MANUFACTURER,
        name=device.label,
        model=model,
        via_device_id=gateway_device_id,
    )


class EmsCoordinator(EnergyHubCoordinator[EmsData]):
    """Reads the gateway: ONE paged realtime read per poll, discovery every 10 minutes."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: EnergyHubConfigEntry,
        client: EmsClient,
        update_interval: timedelta,
        store: EnergyStore | None = None,
    ) -> None:
        """Create the coordinator; the first refresh reads the system info."""
        super().__init__(hass, entry, name="EMS gateway", update_interval=update_interval)
        self.client = client
        #: The energy counters' hourly statistics from the gateway's history.
        self.energy = EnergyCounters(
            hass,
            store or EnergyStore(hass, entry.entry_id),
            vendor="ems",
            device=entry.unique_id or entry.entry_id,
            device_name=entry.title,
            max_rate=MAX_RATE_WH,
        )
        self.backfill = HistoryBackfill(
            self.energy, self._async_history, chunk=HISTORY_CHUNK, interval=BACKFILL_INTERVAL
        )
        #: Wh per unit of each energy counter, by signal UID.
        self._wh_per_unit: dict[int, float] = {}
        #: Whether the counters must be found again (a meaning changed).
        self._counters_stale = True
        #: Translated sensor names (``component.<domain>.entity.sensor.<key>.name``).
        self._names: dict[str, str] | None = None
        #: When the live history was last read (Unix seconds).
        self._history_read_at = 0.0
        self.history_requests = 0
        #: Days of history to import, once the first live history sample is known.
        self._pending_days: int | None = None
        #: The history import running in the background (None: not started).
        self.history_task: asyncio.Task[None] | None = None
        self.system: EmsSystemInfo | None = None
        self.configuration: EmsConfiguration | None = None
        self.discovered_at: datetime | None = None
        self.stale_after = max(STALE_AFTER, 3 * update_interval)
        #: whether the last rediscovery failed (logged once, and once when it works again)
        self._rediscovery_failing = False
        self._stale_ms = self.stale_after.total_seconds() * 1000
        #: What each code means on this gateway (table, plausibility, user's choices).
        self.book = MeaningBook(confirmed_meanings(entry.options))
        #: The codes the gateway uses (at the last discovery).
        self.codes: dict[int, CodeSummary] = {}
        #: The signal sensors in Home Assistant (enabled entities), by signal UID: only
        #: their signals are read at a poll, and only they are written, when they change.
        self.entities: dict[int, SignalEntity] = {}
        #: The value each of those sensors shows (None: unknown).
        self.values: dict[int, float | str | None] = {}
        #: The latest accepted number of each signal (for the counter checks).
        self._numbers: dict[int, float] = {}
        #: The latest value each sensor's signal had (before the checks).
        self._raws: dict[int, float | str | None] = {}
        self._enabled_count = 0
        self._written_success = True
        self._discovered_now = False
        #: Codes whose sensors took a new meaning and must be written.
        self._rewrite: set[int] = set()
        #: How a poll reads the sensors' signals (kept while they stay the same).
        self._plan: RealtimePlan | None = None
        #: The dispatch list: (UID text, UID, sensor), rebuilt when sensors come or go.
        self._targets: list[tuple[str, int, SignalEntity]] | None = None
        #: The enabled signals' UIDs as text (the entity keys), set at discovery.
        #: the enabled signals' keys, a new tuple at each discovery (DynamicEntities
        #: compares nothing while it stays the same object)
        self.signal_keys: tuple[str, ...] = ()

    def translate_error(self, err: EnergyHubApiError) -> UpdateFailed | ConfigEntryAuthFailed:
        """As the base class, but a refused request (400/404) says what the gateway said."""
        if isinstance(err, EnergyHubRequestError):
            return UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="ems_request_refused",
                translation_placeholders={"error": f"{err} {err.detail}".strip()},
            )
        return super().translate_error(err)

    async def _async_fetch(self) -> EmsData:
        now = dt_util.utcnow()
        if self.system is None:
            system = await self.client.system_info()
            unique_id = self.config_entry.unique_id
            if unique_id is not None and system.serial != unique_id:
                # the address now reaches another gateway: show nothing of it
                raise EnergyHubUnavailableError(
                    f"serial {system.serial} is not {unique_id}", reason="ems_wrong_device"
                )
            self.system = system
        if (
            self.configuration is None
            or self.discovered_at is None
            or now - self.discovered_at >= REDISCOVER_INTERVAL
        ):
            try:
                configuration = await self.client.discover()
            except EnergyHubAuthError:
                raise
            except EnergyHubApiError as err:
                if self.configuration is None:
                    raise
                # keep polling what is known; try again at the next rediscovery
                LOGGER.log(
                    logging.DEBUG if self._rediscovery_failing else logging.WARNING,
                    "Could not read the configuration of %s again (%s); keeping the known "
                    "devices and signals",
                    self.config_entry.title,
                    err,
                )
                self._rediscovery_failing = True
            else:
                if self._rediscovery_failing:
                    LOGGER.info(
                        "The configuration of %s is readable again", self.config_entry.title
                    )
                    self._rediscovery_failing = False
                self.configuration = configuration
                self._sync_devices(self.system, configuration)
            self.discovered_at = now
            self._discovered_now = True
        else:
            self._discovered_now = False
        config = self.configuration
        oldest_ms = now.timestamp() * 1000 - self._stale_ms
        if self._discovered_now:
            # every enabled signal once per discovery: the plausibility checks see them all
            enabled = config.enabled_signals
            if len(enabled) != self._enabled_count or self._plan is None:
                self._plan = None
            self._enabled_count = len(enabled)
            self.signal_keys = tuple(str(uid) for uid in enabled)
            entries, values = await self.client.realtime_read(
                self.client.realtime_plan(enabled, self._enabled_count), oldest_ms
            )
            data = EmsData(self.system, config, entries, self.discovered_at, now, values)
            self._assess(config, data)
            self._counters_stale = True
        else:
            if self._plan is None:
                self._plan = self.client.realtime_plan(self.entities, self._enabled_count)
            entries, values = await self.client.realtime_read(self._plan, oldest_ms)
            data = EmsData(self.system, config, entries, self.discovered_at, now, values)
        await self._async_energy(config, now.timestamp())
        return data

    # -- energy statistics from the gateway's history ------------------------------------

    async def _async_energy(self, config: EmsConfiguration, now: float) -> None:
        """Read the counters' history once an hour ended; write the completed hours.

        A failing history read never fails the poll: it is tried again later (the hours
        wait in the gateway's history).
        """
        if self._counters_stale:
            await self._async_find_counters(config)
        energy = self.energy
        if not energy.counters or now - self._history_read_at < HISTORY_RETRY:
            return
        since = self._newest_sample()
        if since is None:
            # first start: counting begins at the latest sample (older ones are the
            # history import's)
            start = now - 2 * HOUR
        elif now < (since // HOUR + 1) * HOUR + HISTORY_LAG:
            return  # the hour of the last sample counted is not over yet
        else:
            start = since
        self._history_read_at = now
        for _ in range(MAX_CATCH_UP_CHUNKS):
            stop = min(now, start + HISTORY_CHUNK)
            try:
                rows = await self._async_history(start, stop)
            except EnergyHubAuthError:
                raise
            except EnergyHubApiError as err:
                LOGGER.debug("Could not read the history of %s: %s", self.config_entry.title, err)
                break
            if since is None:
                rows = {key: [max(series)] for key, series in rows.items() if series}
            energy.feed(rows)
            newest = self._newest_sample()
            if stop >= now or newest is None or newest <= start:
                break
            start = newest
        await energy.async_write_hours()
        self._start_pending_history()

    def _newest_sample(self) -> float | None:
        """The time of the newest history sample counted (None: none yet).

        Reads go on from there: a counter whose signal lags (or fell silent) must not hold
        back the others. When it has samples again, its next step spans the time missed
        and is spread over those hours.
        """
        splits = self.energy.store.splits
        times = [
            split.ts
            for key in self.energy.counters
            if (split := splits.get(key)) is not None and split.ts is not None
        ]
        return max(times) if times else None

    async def _async_find_counters(self, config: EmsConfiguration) -> None:
        """The enabled signals whose meaning in use is active energy become counters."""
        if self._names is None:
            self._names = await async_get_translations(
                self.hass, self.hass.config.language, "entity", {DOMAIN}
            )
        counters: dict[str, Counter] = {}
        wh_per_unit: dict[int, float] = {}
        for uid, signal in sorted(config.enabled_signals.items()):
            meaning = self.book.meaning(signal.si)
            factor = WH_PER_UNIT.get(meaning.unit)
            if meaning.quantity != "active_energy" or factor is None:
                continue
            key = f"{COUNTER_PREFIX}{uid}"
            counters[key] = Counter(
                key=key,
                name=self._signal_name(config, signal, meaning),
                scale=1e-3,  # kWh per Wh
                monotonic=True,
            )
            wh_per_unit[uid] = factor
        self.energy.counters = counters
        self.energy.prune(set(counters))
        self._wh_per_unit = wh_per_unit
        self._counters_stale = False

    def _signal_name(self, config: EmsConfiguration, signal: EmsSignal, meaning: Meaning) -> str:
        """A signal's name as its sensor shows it: device, load and meaning."""
        label, own = load_label(config, signal)
        key = f"{meaning.name_key}_own" if own else meaning.name_key
        template = (self._names or {}).get(f"component.{DOMAIN}.entity.sensor.{key}.name")
        si = "?" if signal.si is None else str(signal.si)
        name = (
            template.replace("{load}", label).replace("{si}", si)
            if template
            else f"{label} signal {si}"
        )
        device = config.devices.get(signal.did) if signal.did is not None else None
        return f"{device.label} {name}" if device is not None else name

    async def _async_history(self, start: float, stop: float) -> dict[str, list[tuple[float, int]]]:
        """The counters' history samples in ``[start, stop]`` (one request per UID chunk)."""
        wh_per_unit = self._wh_per_unit
        samples: dict[int, list[EmsHistorySample]] = {}
        for chunk in self.client.uid_chunks(wh_per_unit):
            part = await self.client.signals_history(
                int(start * 1000),
                int(stop * 1000),
                uids=[int(uid) for uid in chunk.split(",")],
                limit=HISTORY_CHUNK,
            )
            self.history_requests += 1
            samples.update(part)
        return history_rows(samples, wh_per_unit)

    def start_history_import(self, days: int) -> None:
        """Import ``days`` of history once the first live sample is known (now or later)."""
        self._pending_days = days
        self._start_pending_history()

    def _start_pending_history(self) -> None:
        days = self._pending_days
        if days is None or (self.energy.since is None and self.energy.counters):
            return
        self._pending_days = None
        self.history_task = async_start_history_import(
            self.hass,
            self.config_entry,
            self.backfill,
            days,
            f"energy_hub EMS {self.energy.device} history",
        )

    @property
    def realtime_plan(self) -> RealtimePlan:
        """How polls read the enabled sensors' signals now."""
        if self._plan is None:
            self._plan = self.client.realtime_plan(self.entities, self._enabled_count)
        return self._plan

    def add_sensor(self, uid: int, entity: SignalEntity) -> None:
        """A signal sensor was added to Home Assistant: read and dispatch its signal."""
        self.entities[uid] = entity
        data = self.data
        value = data.values.get(str(uid)) if data is not None else None
        self._raws[uid] = self.values[uid] = value
        if type(value) is float:
            self._numbers[uid] = value
        self._plan = None
        self._targets = None

    def remove_sensor(self, uid: int) -> None:
        """A signal sensor left Home Assistant: stop reading its signal."""
        self.entities.pop(uid, None)
        self.values.pop(uid, None)
        self._raws.pop(uid, None)
        self._numbers.pop(uid, None)
        self._plan = None
        self._targets = None

    def _assess(self, config: EmsConfiguration, data: EmsData) -> None:
        """Judge every code's meaning by the values of all its signals."""
        shown = data.values
        by_code: dict[int, dict[int, float | str | None]] = {}
        for uid, signal in config.signals.items():
            if signal.si is not None:
                by_code.setdefault(signal.si, {})[uid] = shown.get(str(uid))
        self.codes = {
            si: CodeSummary(
                signals=len(values),
                sample=next((v for v in values.values() if v is not None), None),
            )
            for si, values in sorted(by_code.items())
        }
        changed = self.book.assess(by_code)
        if changed:
            self._apply(changed)

    def _apply(self, codes: set[int]) -> None:
        """Give the sensors of ``codes`` their code's new meaning; written at the dispatch."""
        self._counters_stale = True
        for entity in self.entities.values():
            if entity.si in codes:
                entity.apply_meaning(self.book.meaning(entity.si))
        self._rewrite |= codes

    @callback
    def async_update_listeners(self) -> None:
        """Notify the listeners, then write the signal sensors whose value changed.

        The signal sensors are not coordinator listeners: a refresh costs one pass over
        the enabled sensors with a lookup and a comparison each, and only changed ones
        are written.
        """
        super().async_update_listeners()
        entities = self.entities
        if not self.last_update_success:
            if self._written_success:
                self._written_success = False
                for entity in entities.values():
                    entity.async_write_ha_state()
            return
        force = not self._written_success
        self._written_success = True
        # locals for the loop below: it runs once per enabled signal at every poll
        shown = self.data.values
        values, numbers, raws, book = self.values, self._numbers, self._raws, self.book
        targets = self._targets
        if targets is None:
            targets = self._targets = [(str(uid), uid, e) for uid, e in entities.items()]
        rejected: set[int] = set()
        changed: list[SignalEntity] = []
        for key, uid, entity in targets:
            raw = shown.get(key)
            if raw == raws.get(uid, _UNSET) and not force:
                continue
            raws[uid] = raw
            value = raw
            if entity.checked and type(raw) is float:
                previous = numbers.get(uid)
                # the usual case, a value that fits the meaning, needs nothing of the book
                if entity.meaning.check(raw, previous) is None:
                    numbers[uid] = raw
                else:
                    # the book counts the strike: this value unknown, or the code's
                    # meaning rejected after repeated ones
                    verdict = book.observe(entity.si, uid, raw, previous)  # type: ignore[arg-type]
                    if verdict == REJECTED:
                        rejected.add(entity.si)  # type: ignore[arg-type]
                    elif verdict == BAD_VALUE:
                        value = None
            if value == values.get(uid, _UNSET) and not force:
                continue
            values[uid] = value
            changed.append(entity)
        if rejected:
            self._apply(rejected)
        if self._rewrite:
            rewrite = self._rewrite
            self._rewrite = set()
            changed.extend(e for e in entities.values() if e.si in rewrite)
        for entity in changed:
            entity.async_write_ha_state()

    def _sync_devices(self, system: EmsSystemInfo, config: EmsConfiguration) -> None:
        """Create the gateway and one device per EMS device; drop devices that are gone."""
        dev_reg = dr.async_get(self.hass)
        entry_id = self.config_entry.entry_id
        gateway = dev_reg.async_get_or_create(
            config_entry_id=entry_id,
            **gateway_device_info(system, str(self.client.base_url)),
        )
        for device in config.devices.values():
            dev_reg.async_get_or_create(
                config_entry_id=entry_id, **ems_device_info(system.serial, device, gateway.id)
            )
        async_remove_stale_devices(
            self.hass, self.config_entry, current_identifiers(system.serial, config)
        )


def current_identifiers(serial: str, config: EmsConfiguration) -> set[tuple[str, str]]:
    """Identifiers of the gateway and of the devices it reports now."""
    return {gateway_identifier(serial)} | {
        ems_device_identifier(serial, did) for did in config.devices
    }
