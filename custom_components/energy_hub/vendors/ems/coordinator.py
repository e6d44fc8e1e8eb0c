"""Polling of an EMS gateway: system info once, discovery now and then, realtime every poll."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryAuthFailed
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.update_coordinator import UpdateFailed
from homeassistant.util import dt as dt_util

from ...api.ems import EmsClient, EmsConfiguration, EmsDevice, EmsSample, EmsSystemInfo
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
from .const import MANUFACTURER

#: How often devices, loads and signals are read again (not every poll: it costs requests).
REDISCOVER_INTERVAL = timedelta(minutes=10)
#: A sample older than this (or than three poll intervals, if longer) is stale.
STALE_AFTER = timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class EmsData:
    """One poll's result."""

    system: EmsSystemInfo
    config: EmsConfiguration
    realtime: dict[int, EmsSample]
    discovered_at: datetime
    polled_at: datetime


def gateway_identifier(serial: str) -> tuple[str, str]:
    """Device-registry identifier of the gateway."""
    return device_identifier(serial)


def ems_device_identifier(serial: str, did: int) -> tuple[str, str]:
    """Device-registry identifier of one EMS device of the gateway."""
    return device_identifier(serial, "device", did)


def gateway_device_info(system: EmsSystemInfo) -> DeviceInfo:
    """The gateway's device entry."""
    info = DeviceInfo(
        identifiers={gateway_identifier(system.serial)},
        manufacturer=MANUFACTURER,
        name="EMS gateway",
        model=system.part_number,
        sw_version=system.firmware,
        serial_number=system.serial,
    )
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
                LOGGER.warning(
                    "Could not read the configuration of %s again (%s); keeping the known "
                    "devices and signals",
                    self.config_entry.title,
                    err,
                )
            else:
                self.configuration = configuration
                self._sync_devices(self.system, configuration)
            self.discovered_at = now
        realtime = await self.client.realtime(self.configuration.enabled_signals)
        return EmsData(
            system=self.system,
            config=self.configuration,
            realtime=realtime,
            discovered_at=self.discovered_at,
            polled_at=now,
        )

    def _sync_devices(self, system: EmsSystemInfo, config: EmsConfiguration) -> None:
        """Create the gateway and one device per EMS device; drop devices that are gone."""
        dev_reg = dr.async_get(self.hass)
        entry_id = self.config_entry.entry_id
        gateway = dev_reg.async_get_or_create(
            config_entry_id=entry_id, **gateway_device_info(system)
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
