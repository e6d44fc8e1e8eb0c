"""EMS gateway config flow: the connection form and its test."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_USERNAME
from homeassistant.core import HomeAssistant
from homeassistant.helpers import selector
from homeassistant.helpers.aiohttp_client import async_get_clientsession
import voluptuous as vol

from ...api.ems import EmsClient, EmsNotGatewayError
from ...api.errors import (
    EnergyHubApiError,
    EnergyHubAuthError,
    EnergyHubCertificateChangedError,
    EnergyHubCertificateError,
    EnergyHubConnectionError,
)
from ...api.http import InvalidHostError, normalize_base_url
from ...const import CONF_VERIFY_SSL
from ...contract import DeviceIdentity, FlowError, UntrustedCertificateError
from ...helpers import check_trust_choice, tls_settings
from .const import DEFAULT_SCHEME


def connection_schema(defaults: Mapping[str, Any]) -> vol.Schema:
    """Host, API user and password, and whether to verify the certificate."""
    return vol.Schema(
        {
            vol.Required(CONF_HOST): selector.TextSelector(),
            vol.Required(CONF_USERNAME): selector.TextSelector(
                selector.TextSelectorConfig(autocomplete="username")
            ),
            vol.Required(CONF_PASSWORD): selector.TextSelector(
                selector.TextSelectorConfig(
                    type=selector.TextSelectorType.PASSWORD, autocomplete="current-password"
                )
            ),
            vol.Required(
                CONF_VERIFY_SSL, default=bool(defaults.get(CONF_VERIFY_SSL, True))
            ): selector.BooleanSelector(),
        }
    )


def client(hass: HomeAssistant, data: Mapping[str, Any]) -> EmsClient:
    """A client for the connection data of a form or an entry."""
    verify_ssl, pin = tls_settings(data)
    gateway = EmsClient(
        async_get_clientsession(hass),
        str(data[CONF_HOST]),
        str(data[CONF_USERNAME]),
        str(data[CONF_PASSWORD]),
        verify_ssl=verify_ssl,
    )
    gateway.pin_certificate(pin)
    return gateway


async def async_validate(hass: HomeAssistant, data: dict[str, Any]) -> DeviceIdentity:
    """Recognise the gateway (``/ver``), log in and read its serial number."""
    try:
        url = normalize_base_url(str(data.get(CONF_HOST, "")), default_scheme=DEFAULT_SCHEME)
    except InvalidHostError as err:
        raise FlowError("invalid_host", field=CONF_HOST) from err
    check_trust_choice(url, data)
    gateway = client(hass, {**data, CONF_HOST: url})
    try:
        await gateway.api_version()
    except EnergyHubCertificateError as err:
        raise UntrustedCertificateError(
            url, changed=isinstance(err, EnergyHubCertificateChangedError)
        ) from err
    except EmsNotGatewayError as err:
        raise FlowError("ems_not_gateway", field=CONF_HOST) from err
    except EnergyHubApiError as err:
        raise FlowError("cannot_connect", field=CONF_HOST) from err
    try:
        system = await gateway.system_info()
    except EnergyHubAuthError as err:
        raise FlowError("invalid_auth") from err
    except EnergyHubConnectionError as err:
        raise FlowError("cannot_connect", field=CONF_HOST) from err
    except EnergyHubApiError as err:
        raise FlowError("ems_invalid_reply") from err
    return DeviceIdentity(
        unique_id=system.serial,
        title=f"EMS gateway {system.serial}",
        data_updates={CONF_HOST: url},
    )
