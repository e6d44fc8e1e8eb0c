"""go-e config flow: cloud or local, the connection forms and their test."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from homeassistant.config_entries import ConfigFlowResult
from homeassistant.const import CONF_API_TOKEN, CONF_HOST
from homeassistant.core import HomeAssistant
from homeassistant.helpers import selector
from homeassistant.helpers.aiohttp_client import async_get_clientsession
import voluptuous as vol

from ...api import (
    EnergyHubApiError,
    EnergyHubAuthError,
    EnergyHubConnectionError,
    EnergyHubUnavailableError,
)
from ...api.goe import REASON_OFFLINE, GoeClient, normalize_serial
from ...api.http import InvalidHostError, normalize_base_url
from ...contract import DeviceIdentity, FlowError, VendorFlow, get_vendor
from .const import CONF_MODE, CONF_SERIAL, DEVICE_KEYS, MODE_CLOUD, MODE_LOCAL, VENDOR_KEY

STEP_CLOUD = "goe_cloud"
STEP_LOCAL = "goe_local"


def charger_serial(status: Mapping[str, Any], fallback: str | None = None) -> str | None:
    """The 6-digit serial the charger reports (``sse``), leading zeros kept."""
    sse = status.get("sse")
    if isinstance(sse, int) and not isinstance(sse, bool):
        sse = str(sse)
    if isinstance(sse, str) and sse.strip():
        sse = sse.strip()
        return sse.zfill(6) if sse.isdigit() else sse
    return fallback


async def async_step_menu(flow: VendorFlow, user_input: dict[str, Any] | None) -> ConfigFlowResult:
    """Cloud or local API."""
    return flow.async_show_menu(step_id=VENDOR_KEY, menu_options=[STEP_CLOUD, STEP_LOCAL])


async def async_step_cloud(flow: VendorFlow, user_input: dict[str, Any] | None) -> ConfigFlowResult:
    """Serial number and API token."""
    return await flow.async_connection_step(
        get_vendor(VENDOR_KEY), STEP_CLOUD, user_input, fixed={CONF_MODE: MODE_CLOUD}
    )


async def async_step_local(flow: VendorFlow, user_input: dict[str, Any] | None) -> ConfigFlowResult:
    """The charger's address on the local network."""
    return await flow.async_connection_step(
        get_vendor(VENDOR_KEY), STEP_LOCAL, user_input, fixed={CONF_MODE: MODE_LOCAL}
    )


def connection_schema(defaults: Mapping[str, Any]) -> vol.Schema:
    """Cloud: serial and token; local: the charger's address."""
    if defaults.get(CONF_MODE) == MODE_LOCAL:
        return vol.Schema(
            {vol.Required(CONF_HOST): selector.TextSelector(selector.TextSelectorConfig())}
        )
    return vol.Schema(
        {
            vol.Required(CONF_SERIAL): selector.TextSelector(selector.TextSelectorConfig()),
            vol.Required(CONF_API_TOKEN): selector.TextSelector(
                selector.TextSelectorConfig(type=selector.TextSelectorType.PASSWORD)
            ),
        }
    )


def client(
    hass: HomeAssistant,
    data: Mapping[str, Any],
    *,
    cloud_url_template: str,
    min_request_interval: float,
    age: int | None = None,
) -> GoeClient:
    """A client of the cloud or the local API for a form's or an entry's data."""
    session = async_get_clientsession(hass)
    if data.get(CONF_MODE) == MODE_LOCAL:
        goe = GoeClient.local(session, str(data[CONF_HOST]))
    else:
        goe = GoeClient.cloud(
            session,
            str(data[CONF_SERIAL]),
            str(data[CONF_API_TOKEN]),
            url_template=cloud_url_template,
            age=age,
        )
    goe.limiter.interval = min_request_interval
    return goe


async def async_validate(
    hass: HomeAssistant,
    data: dict[str, Any],
    make_client: Callable[[HomeAssistant, Mapping[str, Any]], GoeClient],
) -> DeviceIdentity:
    """Read the charger's identity through the chosen API."""
    updates: dict[str, Any] = {}
    if data.get(CONF_MODE) == MODE_LOCAL:
        try:
            updates[CONF_HOST] = normalize_base_url(str(data.get(CONF_HOST, "")))
        except InvalidHostError as err:
            raise FlowError("invalid_host", field=CONF_HOST) from err
        field = CONF_HOST
    else:
        serial = normalize_serial(str(data.get(CONF_SERIAL, "")))
        if serial is None:
            raise FlowError("goe_invalid_serial", field=CONF_SERIAL)
        updates[CONF_SERIAL] = serial
        field = "base"
    goe = make_client(hass, {**data, **updates})
    try:
        status = await goe.status(DEVICE_KEYS)
    except EnergyHubAuthError as err:
        raise FlowError("invalid_auth") from err
    except EnergyHubUnavailableError as err:
        if err.reason == REASON_OFFLINE:
            raise FlowError("invalid_auth") from err
        raise FlowError("goe_no_data") from err
    except EnergyHubConnectionError as err:
        raise FlowError("cannot_connect", field=field) from err
    except EnergyHubApiError as err:
        raise FlowError("goe_not_a_charger", field=field) from err
    serial_found = charger_serial(status, updates.get(CONF_SERIAL))
    if serial_found is None:
        raise FlowError("goe_not_a_charger", field=field)
    return DeviceIdentity(
        unique_id=f"goe_{serial_found}",
        title=f"go-eCharger {serial_found}",
        data_updates=updates,
    )
