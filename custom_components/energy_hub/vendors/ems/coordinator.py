"""Polling of an EMS gateway: system info once, discovery now and then, realtime every poll."""

from __future__ import annotations

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
from homeassistant.helpers.update_coordinator import UpdateFailed
from homeassistant.util import dt as dt_util

from ...api.ems import (
    EmsClient,
    EmsConfiguration,
    EmsDevice,
    EmsSample,
    EmsSystemInfo,
    RealtimePlan,
    parse_samples,
    sample_value,
)
from ...api.ems_signals import BAD_VALUE, REJECTED, Meaning, MeaningBook
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
from .const import CONF_MEANINGS, MANUFACTURER

#: How often devices, loads and signals are read again (not every poll: it costs requests).
REDISCOVER_INTERVAL = timedelta(minutes=10)
#: A sample older than this (or than three poll intervals, if longer) is stale.
STALE_AFTER = timedelta(minutes=5)
_UNSET: Any = object()


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
    #: Stale samples are those taken before this (Unix ms).
    oldest_ms: float = field(default=0.0)

    @cached_property
    def realtime(self) -> dict[int, EmsSample]:
        """The entries as samples (parsed when first asked: diagnostics, checks)."""
        return parse_samples(self.entries)


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
    ) -> None:
        """Create the coordinator; the first refresh reads the system info."""
        super().__init__(hass, entry, name="EMS gateway", update_interval=update_interval)
        self.client = client
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
            entries = await self.client.realtime_entries(
                self.client.realtime_plan(enabled, self._enabled_count)
            )
            data = EmsData(self.system, config, entries, self.discovered_at, now, oldest_ms)
            self._assess(config, data)
            return data
        if self._plan is None:
            self._plan = self.client.realtime_plan(self.entities, self._enabled_count)
        entries = await self.client.realtime_entries(self._plan)
        return EmsData(self.system, config, entries, self.discovered_at, now, oldest_ms)

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
        value = (
            sample_value(data.entries.get(str(uid)), data.oldest_ms) if data is not None else None
        )
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
        entries = data.entries
        oldest_ms = data.oldest_ms
        by_code: dict[int, dict[int, float | str | None]] = {}
        for uid, signal in config.signals.items():
            if signal.si is not None:
                by_code.setdefault(signal.si, {})[uid] = sample_value(
                    entries.get(str(uid)), oldest_ms
                )
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
        data = self.data
        entries = data.entries
        oldest_ms = data.oldest_ms
        values = self.values
        numbers = self._numbers
        book = self.book
        targets = self._targets
        if targets is None:
            targets = self._targets = [(str(uid), uid, e) for uid, e in entities.items()]
        raws = self._raws
        rejected: set[int] = set()
        changed: list[SignalEntity] = []
        for key, uid, entity in targets:
            raw = sample_value(entries.get(key), oldest_ms)
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
