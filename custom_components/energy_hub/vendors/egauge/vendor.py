"""eGauge meters through the eGauge WebAPI: every register, one request per poll."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from homeassistant.const import CONF_HOST, Platform
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryAuthFailed, ConfigEntryError, ConfigEntryNotReady
import voluptuous as vol

from ...api.egauge import EgaugeClient, MeterInfo
from ...api.errors import EnergyHubApiError, EnergyHubAuthError, EnergyHubCertificateError
from ...const import DOMAIN
from ...contract import (
    EnergyHubConfigEntry,
    EnergyHubRuntimeData,
    OptionsStepHandler,
    PasswordVendor,
    PlatformSetup,
)
from ...coordinator import async_certificate_issue, certificate_error_key
from ...helpers import DynamicEntities
from ...statistics import EnergyStore, async_start_history_import, async_stop_history_import
from . import flow, services
from .const import STEP_SIGNS
from .coordinator import EgaugeCoordinator, EgaugeRuntimeData
from .entities import EgaugeRebootButton, entity_keys, sensors_for


class EgaugeVendor(PasswordVendor):
    """The eGauge plug-in."""

    key = "egauge"
    name = "eGauge"
    platforms = (Platform.BUTTON, Platform.SENSOR)
    redact_keys = frozenset({CONF_HOST, "hostname", "configuration_url"})

    # -- config flow (vendors/egauge/flow.py) -----------------------------------------

    connection_schema = staticmethod(flow.connection_schema)
    async_validate = staticmethod(flow.async_validate)

    def options_schema(self, options: Mapping[str, Any]) -> dict[vol.Marker, Any]:
        """How many days of history to import."""
        return flow.options_schema(options)

    def options_steps(self) -> Mapping[str, OptionsStepHandler]:
        """Which power registers count the other way round."""
        return {STEP_SIGNS: flow.async_step_signs}

    # -- runtime -------------------------------------------------------------------------

    async def async_setup_entry(
        self, hass: HomeAssistant, entry: EnergyHubConfigEntry
    ) -> EnergyHubRuntimeData:
        """Read the meter's identity, then the first poll."""
        client = flow.client(hass, entry.data)
        meter = await self._async_meter_info(hass, entry, client)
        if entry.unique_id is not None and meter.serial != entry.unique_id:
            raise ConfigEntryError(
                translation_domain=DOMAIN,
                translation_key="egauge_wrong_meter",
                translation_placeholders={"serial": meter.serial},
            )
        store = EnergyStore(hass, entry.entry_id)
        await store.async_load()
        coordinator = EgaugeCoordinator(
            hass,
            entry,
            client,
            meter,
            self.scan_interval(entry),
            store=store,
            inverted=flow.inverted(entry.options),
        )
        await coordinator.async_config_entry_first_refresh()
        # the meter's history: in the background, setup does not wait for it
        task = async_start_history_import(
            hass,
            entry,
            coordinator.backfill,
            flow.history_days(entry.options),
            f"energy_hub eGauge {meter.serial} history",
        )
        return EgaugeRuntimeData(
            vendor=self, coordinator=coordinator, client=client, meter=meter, history_task=task
        )

    @staticmethod
    async def _async_meter_info(
        hass: HomeAssistant, entry: EnergyHubConfigEntry, client: EgaugeClient
    ) -> MeterInfo:
        try:
            return await client.async_get_meter_info()
        except EnergyHubCertificateError as err:
            async_certificate_issue(hass, entry, err)
            raise ConfigEntryNotReady(
                translation_domain=DOMAIN, translation_key=certificate_error_key(err)
            ) from err
        except EnergyHubAuthError as err:
            raise ConfigEntryAuthFailed(
                translation_domain=DOMAIN, translation_key="auth_failed"
            ) from err
        except EnergyHubApiError as err:
            raise ConfigEntryNotReady(
                translation_domain=DOMAIN,
                translation_key="communication_error",
                translation_placeholders={"error": str(err)},
            ) from err

    def async_setup_platform(self, setup: PlatformSetup) -> None:
        """Sensors follow the meter's registers; one reboot button."""
        coordinator = cast("EgaugeCoordinator", setup.entry.runtime_data.coordinator)
        if setup.platform is Platform.BUTTON:
            setup.async_add_entities([EgaugeRebootButton(coordinator)])
            return
        DynamicEntities(
            setup,
            coordinator,
            keys_fn=entity_keys,
            create_fn=lambda key: list(sensors_for(coordinator, key)),
            unique_id_prefix=f"{coordinator.meter.serial}_",
        ).async_start()

    def async_register_services(self, hass: HomeAssistant) -> None:
        """The ``get_register_history`` action."""
        services.async_register(hass)

    async def async_unload_entry(self, hass: HomeAssistant, entry: EnergyHubConfigEntry) -> None:
        """Stop the history import, keep where everything stands, give the token back."""
        runtime = cast("EgaugeRuntimeData", entry.runtime_data)
        coordinator = cast("EgaugeCoordinator", runtime.coordinator)
        await async_stop_history_import(runtime.history_task, coordinator.energy.store)
        await runtime.client.async_logout()

    async def async_diagnostics(
        self, hass: HomeAssistant, entry: EnergyHubConfigEntry
    ) -> dict[str, Any]:
        """Meter identity, the last poll's registers and the client's counters."""
        runtime = entry.runtime_data
        client: EgaugeClient = runtime.client
        meter = cast("EgaugeRuntimeData", runtime).meter
        coordinator = cast("EgaugeCoordinator", runtime.coordinator)
        data = coordinator.data
        return {
            "meter": {
                "serial": meter.serial,
                "model": meter.model,
                "firmware": meter.firmware,
                "hostname": meter.hostname,
            },
            "client": {
                "request_count": client.request_count,
                "login_count": client.tokens.login_count,
                "scheme": client.base_url.scheme,
            },
            "registers": data.as_dict() if data is not None else None,
            "energy": {
                "since": coordinator.energy.since,
                "inverted": sorted(coordinator.inverted),
                "history_progress": coordinator.backfill.progress,
                "history_requests": coordinator.backfill.requests,
                "catch_up_requests": coordinator.catch_up_requests,
                "statistics_written": coordinator.energy.statistics.written,
                "skipped_steps": {
                    key: split.skipped for key, split in coordinator.energy.store.splits.items()
                },
            },
        }


VENDOR = EgaugeVendor()
