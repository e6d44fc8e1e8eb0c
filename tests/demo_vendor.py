"""A minimal test-only vendor: simulator, HA-free client and Vendor plug-in.

It exercises the foundation (config-flow menu, coordinator base, token helper, dynamic
entities, diagnostics) against a real HTTP server, and shows how a vendor plugs in.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast

from aiohttp import ClientSession, web
from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_USERNAME, Platform, UnitOfPower
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.device_registry import DeviceEntry, DeviceInfo
import voluptuous as vol

from custom_components.energy_hub.api.errors import (
    EnergyHubApiError,
    EnergyHubAuthError,
    EnergyHubConnectionError,
    EnergyHubResponseError,
)
from custom_components.energy_hub.api.http import HttpClient, expect_dict
from custom_components.energy_hub.api.tokens import TokenManager
from custom_components.energy_hub.contract import (
    DeviceIdentity,
    EnergyHubConfigEntry,
    EnergyHubRuntimeData,
    FlowError,
    PlatformSetup,
    Vendor,
)
from custom_components.energy_hub.coordinator import EnergyHubCoordinator
from custom_components.energy_hub.entity import EnergyHubEntity
from custom_components.energy_hub.helpers import (
    DynamicEntities,
    async_remove_stale_devices,
    device_identifier,
)
from simulators.base import Simulator, TokenStore, bearer_token

# -- simulator ---------------------------------------------------------------------------


class DemoSimulator(Simulator):
    """POST /login -> {"token"}; GET /status (Bearer) -> {"serial", "channels": {...}}."""

    name = "demo"

    def __init__(self, username: str = "demo", password: str = "secret") -> None:
        self.username = username
        self.password = password
        self.tokens = TokenStore(lifetime=600)
        self.serial = "D-0001"
        self.channels: dict[str, float] = {"a": 100.0, "b": 250.5}
        super().__init__()

    def setup_routes(self, router: web.UrlDispatcher) -> None:
        router.add_post("/login", self._login)
        router.add_get("/status", self._status)

    async def _login(self, request: web.Request) -> web.Response:
        body = await request.json()
        if body.get("username") != self.username or body.get("password") != self.password:
            return web.json_response({"error": "bad credentials"}, status=401)
        return web.json_response({"token": self.tokens.issue(self.username)})

    async def _status(self, request: web.Request) -> web.Response:
        token = bearer_token(request)
        if token is None or self.tokens.check(token) is None:
            return web.json_response({"error": "unauthorized"}, status=401)
        return web.json_response({"serial": self.serial, "channels": self.channels})


# -- client (no Home Assistant imports in a real vendor's api module) ---------------------


@dataclass(frozen=True, slots=True)
class DemoStatus:
    """One status reading."""

    serial: str
    channels: dict[str, float]


class DemoClient(HttpClient):
    """Client of the demo device."""

    def __init__(self, session: ClientSession, host: str, username: str, password: str) -> None:
        super().__init__(session, host, timeout=5)
        self._username = username
        self._password = password
        self.tokens = TokenManager(self._login)

    async def _login(self) -> str:
        resp = await self.request(
            "POST", "/login", json_body={"username": self._username, "password": self._password}
        )
        if resp.status == 401:
            raise EnergyHubAuthError("login refused")
        if resp.status != 200:
            raise EnergyHubResponseError(f"login: HTTP {resp.status}", status=resp.status)
        token = expect_dict(resp.json(), "login").get("token")
        if not isinstance(token, str):
            raise EnergyHubResponseError("login: no token")
        return token

    async def status(self) -> DemoStatus:
        token = await self.tokens.token()
        resp = await self.request("GET", "/status", headers={"Authorization": f"Bearer {token}"})
        if resp.status == 401:
            token = await self.tokens.refresh_after_401(token)
            resp = await self.request(
                "GET", "/status", headers={"Authorization": f"Bearer {token}"}
            )
            if resp.status == 401:
                raise EnergyHubAuthError("token refused")
        if resp.status != 200:
            raise EnergyHubResponseError(f"status: HTTP {resp.status}", status=resp.status)
        data = expect_dict(resp.json(), "status")
        channels = expect_dict(data.get("channels"), "channels")
        return DemoStatus(
            serial=str(data.get("serial")),
            channels={str(k): float(v) for k, v in channels.items()},
        )


# -- Home Assistant glue ----------------------------------------------------------------


class DemoCoordinator(EnergyHubCoordinator[DemoStatus]):
    """Polls the demo device."""

    def __init__(
        self, hass: HomeAssistant, entry: EnergyHubConfigEntry, client: DemoClient
    ) -> None:
        super().__init__(hass, entry, name="demo", update_interval=DEMO.scan_interval(entry))
        self.client = client

    async def _async_fetch(self) -> DemoStatus:
        status = await self.client.status()
        async_remove_stale_devices(
            self.hass,
            self.config_entry,
            [device_identifier(status.serial, ch) for ch in status.channels]
            + [device_identifier(status.serial)],
        )
        return status


class DemoChannelSensor(EnergyHubEntity[DemoCoordinator], SensorEntity):
    """Power of one channel."""

    def __init__(self, coordinator: DemoCoordinator, channel: str) -> None:
        serial = coordinator.data.serial
        device = DeviceInfo(
            identifiers={device_identifier(serial, channel)}, name=f"Channel {channel}"
        )
        # a channel is reached through the device (its registry id; via_device is deprecated)
        parent = dr.async_get(coordinator.hass).async_get_device_by_identifier(
            device_identifier(serial), coordinator.config_entry.entry_id
        )
        if parent is not None:
            device["via_device_id"] = parent.id
        super().__init__(
            coordinator,
            SensorEntityDescription(
                key=channel,
                device_class=SensorDeviceClass.POWER,
                state_class=SensorStateClass.MEASUREMENT,
                native_unit_of_measurement=UnitOfPower.WATT,
            ),
            unique_id=f"{serial}_{channel}",
            device_info=device,
        )
        self._channel = channel

    @property
    def native_value(self) -> float | None:
        return self.coordinator.data.channels.get(self._channel)


class DemoVendor(Vendor):
    """The demo vendor plug-in."""

    key = "demo"
    name = "Demo"
    platforms = (Platform.SENSOR,)
    default_scan_interval = 10
    min_scan_interval = 5
    max_scan_interval = 300
    reauth_keys = (CONF_PASSWORD,)
    secret_keys = frozenset({CONF_PASSWORD})

    def connection_schema(self, defaults: Mapping[str, Any]) -> vol.Schema:
        return vol.Schema(
            {
                vol.Required(CONF_HOST): str,
                vol.Required(CONF_USERNAME): str,
                vol.Required(CONF_PASSWORD): str,
            }
        )

    def _client(self, hass: HomeAssistant, data: Mapping[str, Any]) -> DemoClient:
        return DemoClient(
            async_get_clientsession(hass), data[CONF_HOST], data[CONF_USERNAME], data[CONF_PASSWORD]
        )

    async def async_validate(self, hass: HomeAssistant, data: dict[str, Any]) -> DeviceIdentity:
        try:
            status = await self._client(hass, data).status()
        except EnergyHubAuthError as err:
            raise FlowError("invalid_auth") from err
        except EnergyHubConnectionError as err:
            raise FlowError("cannot_connect", field=CONF_HOST) from err
        except EnergyHubApiError as err:
            raise FlowError("cannot_connect") from err
        return DeviceIdentity(unique_id=status.serial, title=f"Demo {status.serial}")

    async def async_setup_entry(
        self, hass: HomeAssistant, entry: EnergyHubConfigEntry
    ) -> EnergyHubRuntimeData:
        client = self._client(hass, entry.data)
        coordinator = DemoCoordinator(hass, entry, client)
        await coordinator.async_config_entry_first_refresh()
        # the device itself; its channels are devices reached through it
        dr.async_get(hass).async_get_or_create(
            config_entry_id=entry.entry_id,
            identifiers={device_identifier(coordinator.data.serial)},
            name=f"Demo {coordinator.data.serial}",
        )
        return EnergyHubRuntimeData(vendor=self, coordinator=coordinator, client=client)

    def async_setup_platform(self, setup: PlatformSetup) -> None:
        coordinator = cast("DemoCoordinator", setup.entry.runtime_data.coordinator)
        DynamicEntities(
            setup,
            coordinator,
            keys_fn=lambda data: data.channels,
            create_fn=lambda ch: [DemoChannelSensor(coordinator, ch)],
            unique_id_prefix=f"{coordinator.data.serial}_",
        ).async_start()

    async def async_diagnostics(
        self, hass: HomeAssistant, entry: EnergyHubConfigEntry
    ) -> dict[str, Any]:
        data: DemoStatus = entry.runtime_data.coordinator.data
        return {"serial": data.serial, "channels": data.channels}

    def device_removable(self, entry: EnergyHubConfigEntry, device: DeviceEntry) -> bool:
        data: DemoStatus = entry.runtime_data.coordinator.data
        current = {device_identifier(data.serial, ch) for ch in data.channels}
        return not (device.identifiers & current)


DEMO = DemoVendor()
