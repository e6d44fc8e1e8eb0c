"""go-eCharger wallboxes through the go-e cloud API or the charger's local HTTP API v2."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
import os
from typing import Any, cast

from homeassistant.const import CONF_API_TOKEN, CONF_SCAN_INTERVAL, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import selector
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity import Entity
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
import probatio as vol

from ...api.goe import CLOUD_URL_TEMPLATE, MIN_REQUEST_INTERVAL, GoeClient
from ...contract import (
    DeviceIdentity,
    EnergyHubConfigEntry,
    EnergyHubRuntimeData,
    StepHandler,
    Vendor,
)
from ...helpers import device_identifier
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
)
from .coordinator import GoeCoordinator
from .descriptions import ACCESS_CONTROL, AMP, ENERGY_LIMIT, SELECTS, SENSORS, all_keys
from .entities import (
    GoeAccessControlSwitch,
    GoeCurrentNumber,
    GoeEnergyLimitNumber,
    GoeSelect,
    GoeSensor,
)
from .services import async_register_services


class GoeVendor(Vendor):
    """go-eCharger (cloud or local API v2)."""

    key = "goe"
    name = "go-eCharger"
    platforms = (Platform.NUMBER, Platform.SELECT, Platform.SENSOR, Platform.SWITCH)
    default_scan_interval = DEFAULT_SCAN_CLOUD
    min_scan_interval = 5
    max_scan_interval = 3600
    reauth_keys = (CONF_API_TOKEN,)
    secret_keys = frozenset({CONF_API_TOKEN})
    redact_keys = frozenset({"sse", "fna", "cak", "wcb", "ccw", "wifis", CONF_SERIAL})

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
        coordinator = GoeCoordinator(
            hass,
            entry,
            client,
            serial=serial,
            update_interval=self.scan_interval(entry),
            initial_keys=all_keys() | set(DEVICE_KEYS),
        )
        entry.async_on_unload(coordinator.async_cancel_refresh)
        await coordinator.async_config_entry_first_refresh()
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
        )

    def async_setup_platform(
        self,
        hass: HomeAssistant,
        entry: EnergyHubConfigEntry,
        platform: Platform,
        async_add_entities: AddConfigEntryEntitiesCallback,
    ) -> None:
        """Entities for the keys the charger reports (e.g. ``psm`` only where it exists)."""
        coordinator = cast("GoeCoordinator", entry.runtime_data.coordinator)
        device = self._device_info(coordinator)
        data = coordinator.data or {}
        entities: list[Entity] = []
        if platform is Platform.SENSOR:
            entities = [GoeSensor(coordinator, d, device) for d in SENSORS if d.keys[0] in data]
        elif platform is Platform.NUMBER:
            if "amp" in data:
                entities.append(GoeCurrentNumber(coordinator, AMP, device))
            if "dwo" in data:
                entities.append(GoeEnergyLimitNumber(coordinator, ENERGY_LIMIT, device))
        elif platform is Platform.SELECT:
            entities = [GoeSelect(coordinator, d, device) for d in SELECTS if d.key in data]
        elif platform is Platform.SWITCH and "acs" in data:
            entities = [GoeAccessControlSwitch(coordinator, ACCESS_CONTROL, device)]
        async_add_entities(entities)

    async def async_diagnostics(
        self, hass: HomeAssistant, entry: EnergyHubConfigEntry
    ) -> dict[str, Any]:
        """The last status read and the keys the next poll asks for."""
        coordinator = cast("GoeCoordinator", entry.runtime_data.coordinator)
        return {
            "mode": entry.data.get(CONF_MODE),
            "wanted_keys": sorted(coordinator.wanted_keys),
            "status": dict(coordinator.data or {}),
            "request_count": coordinator.client.request_count,
        }

    def async_register_services(self, hass: HomeAssistant) -> None:
        """``energy_hub.set_pv_surplus``."""
        async_register_services(hass)


VENDOR = GoeVendor()
