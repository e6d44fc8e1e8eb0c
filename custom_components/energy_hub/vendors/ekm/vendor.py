"""The EKM vendor: EKM Push cloud account, one config entry per Push3 gateway."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
import os
from typing import Any

from homeassistant.const import CONF_API_KEY, CONF_API_TOKEN, Platform
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.device_registry import DeviceEntry
from homeassistant.helpers.entity import Entity
import voluptuous as vol

from ...api.ekm import DEFAULT_API_URL, DEFAULT_PUSH_URL, EkmClient
from ...api.errors import EnergyHubApiError
from ...const import DOMAIN, LOGGER
from ...contract import (
    DeviceIdentity,
    EnergyHubConfigEntry,
    EnergyHubRuntimeData,
    FlowError,
    PlatformSetup,
    StepHandler,
    Vendor,
)
from ...helpers import DynamicEntities, async_remove_stale_devices, redact_unknown
from . import flow, services
from .const import CONF_GATEWAY, CONF_METER_INFO, CONF_METERS, VENDOR_KEY
from .coordinator import EkmCoordinator, EkmData
from .descriptions import LAST_READING, RELAY_SWITCHES, SENSORS
from .entities import (
    EkmLastReadingSensor,
    EkmRelaySwitch,
    EkmSensor,
    EkmTriggerSwitch,
    ekm_coordinator,
    gateway_device,
    gateway_identifier,
    meter_device,
    meter_identifier,
    meter_unique_id,
)

#: Reading fields shown in diagnostics: those entities read, the relay state and the
#: meter's model and clock. Any other field a reply carries is redacted.
KNOWN_READING_FIELDS = frozenset(d.field for d in SENSORS) | {
    "State_Out",
    "Model",
    "Firmware",
    "Meter_Time",
    "Date",
    "Time",
}
#: Trigger members shown in diagnostics (EKM Push trigger objects and their parts).
KNOWN_TRIGGER_KEYS = frozenset(
    {
        "trigger_name",
        "trigger_uuid",
        "enabled",
        "created_at",
        "updated_at",
        "conditions",
        "actions",
        "type",
        "source",
        "source_id",
        "field",
        "threshold_value",
        "threshold_test",
        "duration",
        "hysteresis",
        "continuous",
        "target",
        "target_id",
        "command",
        "params",
        "relay",
        "status",
    }
)


class EkmVendor(Vendor):
    """EKM Omnimeters through the EKM Push cloud."""

    key = VENDOR_KEY
    name = "EKM"
    platforms = (Platform.SENSOR, Platform.SWITCH)
    default_scan_interval = 60
    min_scan_interval = 30
    max_scan_interval = 3600
    reauth_keys = (CONF_API_KEY, CONF_API_TOKEN)
    secret_keys = frozenset({CONF_API_KEY, CONF_API_TOKEN})
    redact_keys = frozenset({CONF_GATEWAY, "gateway", "gateways", "MAC_Addr", "mac_address"})

    def __init__(self) -> None:
        """Use the real EKM Push hosts.

        Tests point these at the simulator; a development instance does it with the
        ``ENERGY_HUB_EKM_URL`` environment variable (set by ``scripts/develop``).
        """
        override = os.environ.get("ENERGY_HUB_EKM_URL")
        self.api_url = override or DEFAULT_API_URL
        self.push_url = override or DEFAULT_PUSH_URL

    def client(self, hass: HomeAssistant, data: Mapping[str, Any]) -> EkmClient:
        """A client for the key and token in ``data``."""
        return EkmClient(
            async_get_clientsession(hass),
            str(data[CONF_API_KEY]).strip(),
            str(data[CONF_API_TOKEN]).strip(),
            api_url=self.api_url,
            push_url=self.push_url,
        )

    # -- config flow -------------------------------------------------------------------

    def connection_schema(self, defaults: Mapping[str, Any]) -> vol.Schema:
        """The key and token (reconfigure; the first step is ``flow_steps``)."""
        return flow.credentials_schema()

    def flow_steps(self) -> Mapping[str, StepHandler]:
        """Credentials first, then the gateway, then its meters."""
        return {
            VENDOR_KEY: partial(flow.async_step_credentials, self),
            flow.STEP_GATEWAY: partial(flow.async_step_gateway, self),
            flow.STEP_METERS: partial(flow.async_step_meters, self),
        }

    async def async_discover(self, hass: HomeAssistant, data: Mapping[str, Any]) -> dict[str, Any]:
        """Check key and token; return the account's gateways and what each meter is."""
        client = self.client(hass, data)
        try:
            account = await client.account()
        except EnergyHubApiError as err:
            raise flow.map_api_error(err, auth_error="ekm_invalid_key") from err
        if not account.gateways:
            raise FlowError("ekm_no_gateways")
        try:
            await client.list_triggers(account.gateways[0])
        except EnergyHubApiError as err:
            raise flow.map_api_error(err, auth_error="ekm_invalid_token") from err
        try:
            readings = await client.read_meters(account.meters)
        except EnergyHubApiError as err:
            raise flow.map_api_error(err, auth_error="ekm_invalid_key") from err
        meter_info = {
            meter: {
                "protocol": readings[meter].protocol if meter in readings else None,
                "gateway": readings[meter].gateway if meter in readings else None,
            }
            for meter in account.meters
        }
        return {"gateways": list(account.gateways), "meter_info": meter_info}

    async def async_validate(self, hass: HomeAssistant, data: dict[str, Any]) -> DeviceIdentity:
        """Key, token and gateway: the key must see the gateway, the token its triggers."""
        client = self.client(hass, data)
        gateway = str(data.get(CONF_GATEWAY, "")).lower()
        try:
            account = await client.account()
        except EnergyHubApiError as err:
            raise flow.map_api_error(err, auth_error="ekm_invalid_key") from err
        if gateway not in account.gateways:
            raise FlowError("ekm_unknown_gateway", placeholders={"gateway": gateway})
        try:
            await client.list_triggers(gateway)
        except EnergyHubApiError as err:
            raise flow.map_api_error(err, auth_error="ekm_invalid_token") from err
        return DeviceIdentity(
            unique_id=gateway,
            title=f"EKM {gateway}",
            data_updates={CONF_GATEWAY: gateway},
        )

    # -- runtime -----------------------------------------------------------------------

    async def async_setup_entry(
        self, hass: HomeAssistant, entry: EnergyHubConfigEntry
    ) -> EnergyHubRuntimeData:
        """Create the client and coordinator, register the devices, read once."""
        client = self.client(hass, entry.data)
        gateway = str(entry.data[CONF_GATEWAY])
        meters = [str(m) for m in entry.data.get(CONF_METERS, [])]
        coordinator = EkmCoordinator(
            hass,
            entry,
            client,
            gateway=gateway,
            meters=meters,
            update_interval=self.scan_interval(entry),
        )
        await coordinator.async_config_entry_first_refresh()
        dev_reg = dr.async_get(hass)
        coordinator.gateway_device_id = dev_reg.async_get_or_create(
            config_entry_id=entry.entry_id, **gateway_device(gateway)
        ).id
        async_remove_stale_devices(
            hass,
            entry,
            [gateway_identifier(gateway), *(meter_identifier(gateway, m) for m in meters)],
        )
        return EnergyHubRuntimeData(vendor=self, coordinator=coordinator, client=client)

    async def async_migrate_entry(
        self, hass: HomeAssistant, entry: EnergyHubConfigEntry, from_version: tuple[int, int]
    ) -> bool:
        """1.1/1.2 -> 1.3: meter unique ids and devices scoped to the entry's gateway.

        ``ekm_<meter>_<field>`` becomes ``ekm_<gateway>_<meter>_<field>`` (entity ids and
        history stay), the meter device ``ekm_<meter>`` becomes ``ekm_<gateway>_<meter>``.
        """
        if from_version >= (1, 3):
            return True
        gateway = str(entry.data.get(CONF_GATEWAY, "")).lower()
        meters = [str(m) for m in entry.data.get(CONF_METERS, [])]
        if not gateway:
            return False
        ent_reg = er.async_get(hass)
        old_prefixes = {f"{VENDOR_KEY}_{meter}_": meter for meter in meters}

        @callback
        def migrate(reg: er.RegistryEntry) -> dict[str, Any] | None:
            for prefix, meter in old_prefixes.items():
                if reg.unique_id.startswith(prefix):
                    new_id = meter_unique_id(gateway, meter, reg.unique_id.removeprefix(prefix))
                    if ent_reg.async_get_entity_id(reg.domain, DOMAIN, new_id) is not None:
                        return None
                    return {"new_unique_id": new_id}
            return None

        await er.async_migrate_entries(hass, entry.entry_id, migrate)
        dev_reg = dr.async_get(hass)
        renames = {(DOMAIN, f"{VENDOR_KEY}_{m}"): meter_identifier(gateway, m) for m in meters}
        for device in dr.async_entries_for_config_entry(dev_reg, entry.entry_id):
            old = device.identifiers & renames.keys()
            if old:
                dev_reg.async_update_device(
                    device.id,
                    new_identifiers=(device.identifiers - old) | {renames[i] for i in old},
                )
        LOGGER.debug("Scoped the meter ids of %s to gateway %s", entry.title, gateway)
        return True

    async def async_unload_entry(self, hass: HomeAssistant, entry: EnergyHubConfigEntry) -> None:
        """Leave no relay helper trigger behind."""
        await ekm_coordinator(entry).async_cancel_pending()

    def _meter_info(self, entry: EnergyHubConfigEntry, meter: str) -> dict[str, Any]:
        info = dict(entry.data.get(CONF_METER_INFO, {}).get(meter) or {})
        coordinator = ekm_coordinator(entry)
        reading = coordinator.data.readings.get(meter)
        if reading is not None:
            info["protocol"] = reading.protocol or info.get("protocol")
            info["gateway"] = reading.gateway or info.get("gateway")
        return info

    def async_setup_platform(self, setup: PlatformSetup) -> None:
        """Meter sensors, relay switches and the (dynamic) trigger switches."""
        coordinator = ekm_coordinator(setup.entry)
        entities: list[Entity] = []
        for meter in coordinator.meters:
            info = self._meter_info(setup.entry, meter)
            protocol = str(info.get("protocol") or "v4")
            device = meter_device(coordinator.gateway, meter, info, coordinator.gateway_device_id)
            if setup.platform is Platform.SENSOR:
                entities.extend(
                    EkmSensor(coordinator, desc, meter, device)
                    for desc in SENSORS
                    if protocol in desc.protocols
                )
                entities.append(EkmLastReadingSensor(coordinator, LAST_READING, meter, device))
            elif protocol == "v4" and info.get("gateway") == coordinator.gateway:
                entities.extend(
                    EkmRelaySwitch(coordinator, desc, meter, device) for desc in RELAY_SWITCHES
                )
        setup.async_add_entities(entities)
        if setup.platform is Platform.SWITCH:
            DynamicEntities[EkmData](
                setup,
                coordinator,
                keys_fn=lambda data: data.triggers,
                create_fn=lambda uid: [EkmTriggerSwitch(coordinator, uid)],
                unique_id_prefix=f"ekm_{coordinator.gateway}_trigger_",
            ).async_start()

    async def async_diagnostics(
        self, hass: HomeAssistant, entry: EnergyHubConfigEntry
    ) -> dict[str, Any]:
        """Readings, triggers and pending relay commands (redacted by the caller)."""
        coordinator = ekm_coordinator(entry)
        data = coordinator.data
        return {
            "meters": {
                meter: {
                    "good": reading.good,
                    "protocol": reading.protocol,
                    "gateway": reading.gateway,
                    "timestamp_ms": reading.timestamp_ms,
                    "values": redact_unknown(dict(reading.values), KNOWN_READING_FIELDS),
                    "text": redact_unknown(dict(reading.text), KNOWN_READING_FIELDS),
                }
                for meter, reading in data.readings.items()
            },
            "triggers": redact_unknown(list(data.triggers.values()), KNOWN_TRIGGER_KEYS),
            "pending_relay_commands": [
                {"meter": meter, "relay": relay, "target": p.target, "sent": p.sent.isoformat()}
                for (meter, relay), p in coordinator.pending.items()
            ],
            "request_count": coordinator.client.request_count,
        }

    def async_register_services(self, hass: HomeAssistant) -> None:
        """The trigger actions."""
        services.async_register_services(hass)

    def device_removable(self, entry: EnergyHubConfigEntry, device: DeviceEntry) -> bool:
        """Meters no longer configured (or gone) may be deleted; current ones not."""
        coordinator = ekm_coordinator(entry)
        current = {gateway_identifier(coordinator.gateway)} | {
            meter_identifier(coordinator.gateway, m) for m in coordinator.meters
        }
        return not (device.identifiers & current)


VENDOR = EkmVendor()
