"""The EMS smart-meter gateway (Carlo Gavazzi EMS Webapi 1.0.0) as an Energy Hub vendor.

One config entry per gateway (unique id: its serial number). The gateway is a device; each
EMS device is a device linked to it; each enabled signal is a sensor named after its load
and its meaning (from the ``si`` table in ``api/ems_signals.py``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from typing import Any, cast

from homeassistant.const import CONF_HOST, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers.device_registry import DeviceEntry
from homeassistant.helpers.entity import Entity
import voluptuous as vol

from ...api.ems import EmsClient
from ...api.ems_signals import signal_type
from ...contract import (
    EnergyHubConfigEntry,
    EnergyHubRuntimeData,
    OptionsStepHandler,
    PasswordVendor,
    PlatformSetup,
)
from ...helpers import DynamicEntities
from ...statistics import EnergyStore, async_stop_history_import
from . import flow, services
from .coordinator import EmsCoordinator, EmsData, current_identifiers
from .entities import EmsRediscoverButton, EmsSignalSensor, history_import_sensor


def _coordinator(entry: EnergyHubConfigEntry) -> EmsCoordinator:
    return cast("EmsCoordinator", entry.runtime_data.coordinator)


#: Realtime samples shown in the diagnostics (the rest are counted).
DIAGNOSTIC_SAMPLES = 20


class EmsVendor(PasswordVendor):
    """The EMS gateway plug-in."""

    key = "ems"
    name = "EMS gateway"
    platforms = (Platform.BUTTON, Platform.SENSOR)
    min_scan_interval = 10
    redact_keys = frozenset({"sn", CONF_HOST, "configuration_url"})

    # -- config flow (vendors/ems/flow.py) --------------------------------------------

    connection_schema = staticmethod(flow.connection_schema)
    async_validate = staticmethod(flow.async_validate)

    # -- runtime -----------------------------------------------------------------------

    async def async_setup_entry(
        self, hass: HomeAssistant, entry: EnergyHubConfigEntry
    ) -> EnergyHubRuntimeData:
        """Read system info, discover and poll once; then poll every interval."""
        client = flow.client(hass, entry.data)
        store = EnergyStore(hass, entry.entry_id)
        await store.async_load()
        coordinator = EmsCoordinator(hass, entry, client, self.scan_interval(entry), store)
        await coordinator.async_config_entry_first_refresh()
        # the gateway's history: in the background, setup does not wait for it
        coordinator.start_history_import(flow.history_days(entry.options))
        return EnergyHubRuntimeData(vendor=self, coordinator=coordinator, client=client)

    async def async_unload_entry(self, hass: HomeAssistant, entry: EnergyHubConfigEntry) -> None:
        """Stop the history import and keep where it and the statistics stand."""
        coordinator = _coordinator(entry)
        await async_stop_history_import(coordinator.history_task, coordinator.energy.store)

    def async_setup_platform(self, setup: PlatformSetup) -> None:
        """One sensor per enabled signal, following rediscoveries; the rediscover button."""
        coordinator = _coordinator(setup.entry)
        if setup.platform is Platform.BUTTON:
            setup.async_add_entities([EmsRediscoverButton(coordinator)])
            return
        setup.async_add_entities([history_import_sensor(coordinator)])
        prefix = f"{coordinator.data.system.serial}_signal_"

        def signal_sensor(key: str) -> list[Entity]:
            return [EmsSignalSensor(coordinator, int(key))]

        # the keys are made at discovery (the same tuple until the next one), not per poll
        tracker = DynamicEntities[EmsData](
            setup,
            coordinator,
            keys_fn=lambda _data: coordinator.signal_keys,
            create_fn=signal_sensor,
            unique_id_prefix=prefix,
        )
        tracker.async_start()

    async def async_diagnostics(
        self, hass: HomeAssistant, entry: EnergyHubConfigEntry
    ) -> dict[str, Any]:
        """System info, what discovery found, the meanings in use and rejected, samples."""
        coordinator = _coordinator(entry)
        client: EmsClient = entry.runtime_data.client
        data: EmsData = coordinator.data
        config = data.config
        book = coordinator.book
        unknown = sorted(
            {s.si for s in config.signals.values() if signal_type(s.si) is None},
            key=lambda si: (si is None, si or 0),
        )
        samples = sorted(data.realtime.items())[:DIAGNOSTIC_SAMPLES]
        meanings = []
        for si, summary in coordinator.codes.items():
            meaning = book.meaning(si)
            meanings.append(
                {
                    "code": si,
                    "signals": summary.signals,
                    "sample": summary.sample,
                    "meaning": meaning.choice,
                    "source": meaning.source,
                    "rejected": si in book.rejections,
                }
            )
        return {
            "system": asdict(data.system),
            "client": {
                "page_limit": client.page_limit,
                "requests": client.request_count,
                "logins": client.tokens.login_count,
                "realtime_requests_per_poll": coordinator.realtime_plan.requests,
                "sensors_read": len(coordinator.entities),
            },
            "discovered_at": data.discovered_at.isoformat(),
            "devices": [asdict(device) for device in config.devices.values()],
            "loads": [asdict(load) for load in config.loads.values()],
            "signals": {
                "total": len(config.signals),
                "enabled": len(config.enabled_signals),
                "unknown_codes": unknown,
            },
            "meanings": meanings,
            # which sensor shows which signal (its UID and code are no state attributes)
            "sensors": [
                {"entity_id": entity.entity_id, "uid": uid, "code": entity.si}
                for uid, entity in sorted(coordinator.entities.items())
            ],
            "rejected_meanings": [
                {**asdict(rejection), "samples": list(rejection.samples)}
                for rejection in book.rejections.values()
            ],
            "confirmed_meanings": {str(si): m.choice for si, m in book.confirmed.items()},
            "realtime": {
                "count": len(data.entries),
                "first_samples": [asdict(sample) for _, sample in samples],
            },
            "energy": {
                "counters": len(coordinator.energy.counters),
                "since": coordinator.energy.since,
                "history_progress": coordinator.backfill.progress,
                "history_import_requests": coordinator.backfill.requests,
                "history_requests": coordinator.history_requests,
                "statistics_written": coordinator.energy.statistics.written,
                "skipped_steps": {
                    key: split.skipped
                    for key, split in coordinator.energy.store.splits.items()
                    if split.skipped
                },
            },
        }

    def options_schema(self, options: Mapping[str, Any]) -> dict[vol.Marker, Any]:
        """How many days of history to import."""
        return flow.options_schema(options)

    def options_steps(self) -> Mapping[str, OptionsStepHandler]:
        """The signal meanings step (what each code measures on this gateway)."""
        return {"ems_meanings": flow.async_step_meanings}

    def async_register_services(self, hass: HomeAssistant) -> None:
        """The ``get_history`` action."""
        services.async_register(hass)

    def device_removable(self, entry: EnergyHubConfigEntry, device: DeviceEntry) -> bool:
        """A device may be deleted once the gateway no longer reports it."""
        data: EmsData = _coordinator(entry).data
        return not (device.identifiers & current_identifiers(data.system.serial, data.config))


VENDOR = EmsVendor()
