"""go-eCharger wallboxes through the go-e cloud API or the charger's local HTTP API v2."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
import os
from typing import Any, cast

from homeassistant.const import CONF_API_TOKEN, CONF_SCAN_INTERVAL, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er, selector
from homeassistant.helpers.device_registry import DeviceInfo
import voluptuous as vol

from ...api.goe import CLOUD_URL_TEMPLATE, MIN_REQUEST_INTERVAL, UNSUPPORTED_MISSING, GoeClient
from ...const import DOMAIN
from ...contract import (
    DeviceIdentity,
    EnergyHubConfigEntry,
    EnergyHubRuntimeData,
    OptionsStepHandler,
    PlatformSetup,
    StepHandler,
    Vendor,
)
from ...helpers import device_identifier, redact_unknown
from . import flow
from .const import (
    CONF_AGE,
    CONF_MODE,
    CONF_SERIAL,
    DEFAULT_AGE,
    DEFAULT_SCAN_CLOUD,
    DEFAULT_SCAN_LOCAL,
    DEVICE_KEYS,
    MANUFACTURER,
    MODE_LOCAL,
    PV_MODE_KEYS,
    STEP_PV_SURPLUS,
)
from .coordinator import GoeCoordinator, GoePvSurplusSender
from .descriptions import CATALOGUE, GoeKey
from .entities import entity_of, unique_id
from .flow import PvSurplusConfig
from .services import async_register_services

#: Status keys shown in diagnostics: those entities (the catalogue) and the surplus sender
#: read, and the device's identity.
KNOWN_STATUS_KEYS = (
    frozenset(key for row in CATALOGUE for key in row.api_keys)
    | frozenset(DEVICE_KEYS)
    | frozenset(PV_MODE_KEYS)
)


class GoeVendor(Vendor):
    """go-eCharger (cloud or local API v2)."""

    key = "goe"
    name = "go-eCharger"
    platforms = (
        Platform.BINARY_SENSOR,
        Platform.BUTTON,
        Platform.NUMBER,
        Platform.SELECT,
        Platform.SENSOR,
        Platform.SWITCH,
        Platform.TEXT,
    )
    default_scan_interval = DEFAULT_SCAN_CLOUD
    min_scan_interval = 5
    max_scan_interval = 3600
    reauth_keys = (CONF_API_TOKEN,)
    secret_keys = frozenset({CONF_API_TOKEN})
    #: RFID card names (``cards`` before firmware 60, ``c0n``... after) may be people's names.
    redact_keys = frozenset(
        {"sse", "fna", "cak", "wcb", "ccw", "wifis", "cards", CONF_SERIAL, "configuration_url"}
        | {f"c{i}n" for i in range(10)}
    )
    diagnostics_data_keys = frozenset({CONF_MODE})

    def __init__(self) -> None:
        """The cloud URL template is ours to change.

        Tests point it at the simulator; a development instance does it with the
        ``ENERGY_HUB_GOE_CLOUD_URL`` environment variable (set by ``scripts/develop``).
        """
        self.cloud_url_template = os.environ.get("ENERGY_HUB_GOE_CLOUD_URL") or CLOUD_URL_TEMPLATE
        #: Seconds between two requests to one charger (it cannot deliver faster).
        self.min_request_interval = MIN_REQUEST_INTERVAL

    # -- config flow (vendors/goe/flow.py) --------------------------------------------

    def flow_steps(self) -> Mapping[str, StepHandler]:
        """A menu (cloud or local), then the form of the chosen mode."""
        return {
            self.key: flow.async_step_menu,
            "goe_cloud": flow.async_step_cloud,
            "goe_local": flow.async_step_local,
        }

    def connection_schema(self, defaults: Mapping[str, Any]) -> vol.Schema:
        """Cloud: serial and token; local: the charger's address."""
        return flow.connection_schema(defaults)

    def options_steps(self) -> Mapping[str, OptionsStepHandler]:
        """Solar surplus charging: the entities Energy Hub sends to the charger."""
        return {STEP_PV_SURPLUS: flow.async_step_pv_surplus}

    def _client(
        self, hass: HomeAssistant, data: Mapping[str, Any], age: int | None = None
    ) -> GoeClient:
        return flow.client(
            hass,
            data,
            cloud_url_template=self.cloud_url_template,
            min_request_interval=self.min_request_interval,
            age=age,
        )

    async def async_validate(self, hass: HomeAssistant, data: dict[str, Any]) -> DeviceIdentity:
        """Read the charger's identity through the chosen API."""
        return await flow.async_validate(hass, data, self._client)

    def entry_options_schema(self, entry: EnergyHubConfigEntry) -> dict[vol.Marker, Any]:
        """Cloud entries: how old a status from the cloud may be."""
        if entry.data.get(CONF_MODE) == MODE_LOCAL:
            return {}
        return {
            vol.Required(
                CONF_AGE, default=int(entry.options.get(CONF_AGE, DEFAULT_AGE))
            ): selector.NumberSelector(
                selector.NumberSelectorConfig(
                    min=1,
                    max=3600,
                    step=1,
                    mode=selector.NumberSelectorMode.BOX,
                    unit_of_measurement="s",
                )
            )
        }

    # -- runtime -----------------------------------------------------------------------

    def scan_interval(self, entry: EnergyHubConfigEntry) -> timedelta:
        """Cloud 30 s, local 10 s unless the user chose otherwise."""
        if CONF_SCAN_INTERVAL in entry.options:
            return super().scan_interval(entry)
        local = entry.data.get(CONF_MODE) == MODE_LOCAL
        return timedelta(seconds=DEFAULT_SCAN_LOCAL if local else DEFAULT_SCAN_CLOUD)

    async def async_setup_entry(
        self, hass: HomeAssistant, entry: EnergyHubConfigEntry
    ) -> EnergyHubRuntimeData:
        """One client and one coordinator per charger."""
        age: int | None = None
        if entry.data.get(CONF_MODE) != MODE_LOCAL:
            try:
                age = int(entry.options.get(CONF_AGE, DEFAULT_AGE))
            except TypeError, ValueError:
                age = DEFAULT_AGE
        client = self._client(hass, entry.data, age)
        serial = (entry.unique_id or "").removeprefix("goe_") or str(entry.data.get(CONF_SERIAL))
        pv_config = PvSurplusConfig.from_options(entry.options)
        initial_keys = enabled_keys(hass, entry, serial) | set(DEVICE_KEYS)
        if pv_config is not None:
            initial_keys |= set(PV_MODE_KEYS)
        coordinator = GoeCoordinator(
            hass,
            entry,
            client,
            serial=serial,
            update_interval=self.scan_interval(entry),
            initial_keys=initial_keys,
        )
        entry.async_on_unload(coordinator.async_cancel_refresh)
        await coordinator.async_config_entry_first_refresh()
        # started after the first poll: until the entities are added, a poll reads
        # the initial keys (a tracked key would narrow it to the sender's keys)
        if pv_config is not None:
            sender = GoePvSurplusSender(hass, coordinator, pv_config)
            coordinator.pv_sender = sender
            sender.async_start()
            entry.async_on_unload(sender.async_stop)
        return EnergyHubRuntimeData(vendor=self, coordinator=coordinator, client=client)

    def _device_info(self, coordinator: GoeCoordinator) -> DeviceInfo:
        data = coordinator.data or {}
        model = str(data["typ"]) if data.get("typ") else "go-eCharger"
        if isinstance(data.get("var"), int):
            model = f"{model} ({data['var']} kW)"
        return DeviceInfo(
            identifiers={device_identifier(self.key, coordinator.serial)},
            manufacturer=MANUFACTURER,
            model=model,
            name=f"go-eCharger {coordinator.serial}",
            serial_number=coordinator.serial,
            sw_version=str(data["fwv"]) if data.get("fwv") is not None else None,
            # the charger's own web page ("Visit"), only for the local API
            configuration_url=None
            if coordinator.client.is_cloud
            else str(coordinator.client.base_url),
        )

    def async_setup_platform(self, setup: PlatformSetup) -> None:
        """The catalogue's entities of ``platform``.

        An entity whose keys the charger did not report in the first poll is left out when
        it is new (a CORE has no ``psm``); one already in the registry stays (unavailable).
        """
        coordinator = cast("GoeCoordinator", setup.entry.runtime_data.coordinator)
        device = self._device_info(coordinator)
        unsupported = coordinator.support.unsupported
        ent_reg = er.async_get(setup.hass)
        entities = [
            entity_of(coordinator, row, device)
            for row in CATALOGUE
            if row.platform is setup.platform
            and (
                not row.api_keys
                or not all(str(p[0]) in unsupported for p in row.paths)
                or ent_reg.async_get_entity_id(
                    setup.platform, DOMAIN, unique_id(coordinator.serial, row)
                )
                is not None
            )
        ]
        setup.async_add_entities(entities)

    async def async_diagnostics(
        self, hass: HomeAssistant, entry: EnergyHubConfigEntry
    ) -> dict[str, Any]:
        """The last status read, the keys the next poll asks for and those the charger lacks."""
        coordinator = cast("GoeCoordinator", entry.runtime_data.coordinator)
        support = coordinator.support
        data = coordinator.data or {}
        unavailable: dict[str, str] = {}
        ent_reg = er.async_get(hass)
        enabled = {
            e.unique_id
            for e in er.async_entries_for_config_entry(ent_reg, entry.entry_id)
            if e.disabled_by is None
        }
        for row in CATALOGUE:
            if unique_id(coordinator.serial, row) not in enabled or not row.api_keys:
                continue
            if any(str(p[0]) in data for p in row.paths):
                continue
            missing = sorted(str(p[0]) for p in row.paths)
            reasons = {support.unsupported.get(k, UNSUPPORTED_MISSING) for k in missing}
            unavailable[row.key] = f"{', '.join(missing)}: {'; '.join(sorted(reasons))}"
        return {
            "mode": entry.data.get(CONF_MODE),
            "wanted_keys": sorted(coordinator.wanted_keys),
            "unsupported_keys": support.as_dict(),
            "unavailable_entities": unavailable,
            "firmware": support.firmware,
            # by allow-list: keys the charger sends unasked (OCPP credentials, cloud data,
            # ...) are redacted; only the status keys the entities read are shown
            "status": redact_unknown(dict(data), KNOWN_STATUS_KEYS),
            "request_count": coordinator.client.request_count,
            "pv_surplus": coordinator.pv_sender.diagnostics() if coordinator.pv_sender else None,
        }

    def async_register_services(self, hass: HomeAssistant) -> None:
        """``energy_hub.set_pv_surplus``."""
        async_register_services(hass)


def enabled_rows(hass: HomeAssistant, entry: EnergyHubConfigEntry, serial: str) -> list[GoeKey]:
    """The catalogue rows whose entities are enabled (registry; else the row's default).

    Home Assistant reloads the entry after the user enables an entity, so reading this at
    setup gives the first poll exactly the keys of the enabled entities.
    """
    ent_reg = er.async_get(hass)
    known = {
        e.unique_id: e.disabled_by is None
        for e in er.async_entries_for_config_entry(ent_reg, entry.entry_id)
    }
    return [row for row in CATALOGUE if known.get(unique_id(serial, row), row.enabled)]


def enabled_keys(hass: HomeAssistant, entry: EnergyHubConfigEntry, serial: str) -> set[str]:
    """The status keys of the enabled entities."""
    return {key for row in enabled_rows(hass, entry, serial) for key in row.api_keys}


VENDOR = GoeVendor()
