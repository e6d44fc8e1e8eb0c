"""eGauge meters through the eGauge WebAPI: every register, one request per poll."""

from __future__ import annotations

from collections.abc import Mapping
import logging
from typing import Any, cast

import aiohttp
from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_USERNAME, Platform
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryAuthFailed, ConfigEntryError, ConfigEntryNotReady
from homeassistant.helpers import selector
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
import probatio as vol
from yarl import URL

from ...api.egauge import EgaugeClient, EgaugePermissionError, MeterInfo, normalize_host
from ...api.errors import EnergyHubApiError, EnergyHubAuthError, EnergyHubConnectionError
from ...const import CONF_VERIFY_SSL, DOMAIN
from ...coordinator import EnergyHubConfigEntry, EnergyHubRuntimeData
from ...helpers import DynamicEntities
from ..base import DeviceIdentity, FlowError, Vendor
from .coordinator import EgaugeCoordinator, EgaugeRuntimeData
from .entities import EgaugeRebootButton, entity_keys, sensors_for

_LOGGER = logging.getLogger(__name__)

DEFAULT_USERNAME = "owner"


def _valid_url(host: str) -> str | None:
    """The normalised base URL, or None when it is not an http(s) URL with a host."""
    try:
        url = URL(normalize_host(host))
    except ValueError:
        return None
    if url.scheme not in ("http", "https") or not url.host or " " in url.host:
        return None
    return str(url)


def _is_certificate_error(err: BaseException) -> bool:
    cause = err.__cause__
    return isinstance(cause, (aiohttp.ClientSSLError, aiohttp.ServerFingerprintMismatch))


class EgaugeVendor(Vendor):
    """The eGauge plug-in."""

    key = "egauge"
    name = "eGauge"
    platforms = (Platform.BUTTON, Platform.SENSOR)
    default_scan_interval = 30
    min_scan_interval = 5
    max_scan_interval = 3600
    reauth_keys = (CONF_PASSWORD,)
    secret_keys = frozenset({CONF_PASSWORD})
    redact_keys = frozenset({CONF_HOST, "hostname", "configuration_url"})

    # -- config flow ---------------------------------------------------------------------

    def connection_schema(self, defaults: Mapping[str, Any]) -> vol.Schema:
        """Address (http or https URL, or a bare host), user, password, certificate check."""
        return vol.Schema(
            {
                vol.Required(CONF_HOST, default=defaults.get(CONF_HOST, vol.UNDEFINED)): str,
                vol.Required(
                    CONF_USERNAME, default=defaults.get(CONF_USERNAME, DEFAULT_USERNAME)
                ): str,
                vol.Required(CONF_PASSWORD): selector.TextSelector(
                    selector.TextSelectorConfig(type=selector.TextSelectorType.PASSWORD)
                ),
                vol.Required(
                    CONF_VERIFY_SSL, default=bool(defaults.get(CONF_VERIFY_SSL, False))
                ): bool,
            }
        )

    def client(self, hass: HomeAssistant, data: Mapping[str, Any]) -> EgaugeClient:
        """A client on Home Assistant's shared session."""
        return EgaugeClient(
            async_get_clientsession(hass),
            data[CONF_HOST],
            data[CONF_USERNAME],
            data[CONF_PASSWORD],
            verify_ssl=bool(data.get(CONF_VERIFY_SSL, False)),
        )

    async def async_validate(self, hass: HomeAssistant, data: dict[str, Any]) -> DeviceIdentity:
        """Log in, read the identity and the registers once."""
        url = _valid_url(str(data.get(CONF_HOST, "")))
        if url is None:
            raise FlowError("egauge_invalid_host", field=CONF_HOST)
        data = {**data, CONF_HOST: url}
        client = self.client(hass, data)
        try:
            meter = await client.async_get_meter_info()
            await client.async_get_registers()
        except EgaugePermissionError as err:
            raise FlowError("egauge_missing_permission") from err
        except EnergyHubAuthError as err:
            raise FlowError("invalid_auth") from err
        except EnergyHubConnectionError as err:
            if _is_certificate_error(err):
                raise FlowError("egauge_certificate", field=CONF_VERIFY_SSL) from err
            raise FlowError("cannot_connect", field=CONF_HOST) from err
        except EnergyHubApiError as err:
            raise FlowError("egauge_not_a_meter", field=CONF_HOST) from err
        finally:
            await client.async_logout()
        return DeviceIdentity(
            unique_id=meter.serial,
            title=meter.hostname or f"eGauge {meter.serial}",
            data_updates={CONF_HOST: url},
        )

    # -- runtime -------------------------------------------------------------------------

    async def async_setup_entry(
        self, hass: HomeAssistant, entry: EnergyHubConfigEntry
    ) -> EnergyHubRuntimeData:
        """Read the meter's identity, then the first poll."""
        client = self.client(hass, entry.data)
        meter = await self._async_meter_info(client)
        if entry.unique_id is not None and meter.serial != entry.unique_id:
            raise ConfigEntryError(
                translation_domain=DOMAIN,
                translation_key="egauge_wrong_meter",
                translation_placeholders={"serial": meter.serial},
            )
        coordinator = EgaugeCoordinator(hass, entry, client, meter, self.scan_interval(entry))
        await coordinator.async_config_entry_first_refresh()
        return EgaugeRuntimeData(vendor=self, coordinator=coordinator, client=client, meter=meter)

    @staticmethod
    async def _async_meter_info(client: EgaugeClient) -> MeterInfo:
        try:
            return await client.async_get_meter_info()
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

    def async_setup_platform(
        self,
        hass: HomeAssistant,
        entry: EnergyHubConfigEntry,
        platform: Platform,
        async_add_entities: AddConfigEntryEntitiesCallback,
    ) -> None:
        """Sensors follow the meter's registers; one reboot button."""
        coordinator = cast("EgaugeCoordinator", entry.runtime_data.coordinator)
        if platform is Platform.BUTTON:
            async_add_entities([EgaugeRebootButton(coordinator)])
            return
        DynamicEntities(
            hass,
            entry,
            coordinator,
            platform,
            async_add_entities,
            keys_fn=entity_keys,
            create_fn=lambda key: list(sensors_for(coordinator, key)),
            unique_id_prefix=f"{coordinator.meter.serial}_",
        ).async_start()

    async def async_unload_entry(self, hass: HomeAssistant, entry: EnergyHubConfigEntry) -> None:
        """Give the token back."""
        client: EgaugeClient = entry.runtime_data.client
        await client.async_logout()

    async def async_diagnostics(
        self, hass: HomeAssistant, entry: EnergyHubConfigEntry
    ) -> dict[str, Any]:
        """Meter identity, the last poll's registers and the client's counters."""
        runtime = entry.runtime_data
        client: EgaugeClient = runtime.client
        meter = cast("EgaugeRuntimeData", runtime).meter
        data = runtime.coordinator.data
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
        }


VENDOR = EgaugeVendor()
