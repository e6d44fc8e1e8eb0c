"""eGauge config flow: the connection form and its test."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeassistant.config_entries import ConfigFlowResult
from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_USERNAME
from homeassistant.core import HomeAssistant
from homeassistant.helpers import selector
from homeassistant.helpers.aiohttp_client import async_get_clientsession
import voluptuous as vol

from ... import statistics
from ...api.egauge import EgaugeClient, EgaugePermissionError, RegisterData
from ...api.errors import (
    EnergyHubApiError,
    EnergyHubAuthError,
    EnergyHubConnectionError,
    EnergyHubUnavailableError,
)
from ...const import CONF_VERIFY_SSL
from ...contract import DeviceIdentity, VendorOptionsFlow
from ...helpers import connection_errors, connection_url, tls_settings
from .const import (
    CONF_HISTORY_DAYS,
    CONF_INVERTED,
    DEFAULT_HISTORY_DAYS,
    DEFAULT_USERNAME,
    STEP_SIGNS,
)


def connection_schema(defaults: Mapping[str, Any]) -> vol.Schema:
    """Address (http or https URL, or a bare host), user, password, certificate check."""
    return vol.Schema(
        {
            vol.Required(CONF_HOST, default=defaults.get(CONF_HOST, vol.UNDEFINED)): str,
            vol.Required(CONF_USERNAME, default=defaults.get(CONF_USERNAME, DEFAULT_USERNAME)): str,
            vol.Required(CONF_PASSWORD): selector.TextSelector(
                selector.TextSelectorConfig(type=selector.TextSelectorType.PASSWORD)
            ),
            vol.Required(CONF_VERIFY_SSL, default=bool(defaults.get(CONF_VERIFY_SSL, True))): bool,
        }
    )


def client(hass: HomeAssistant, data: Mapping[str, Any]) -> EgaugeClient:
    """A client on Home Assistant's shared session for a form's or an entry's data."""
    verify_ssl, pin = tls_settings(data)
    meter_client = EgaugeClient(
        async_get_clientsession(hass),
        data[CONF_HOST],
        data[CONF_USERNAME],
        data[CONF_PASSWORD],
        verify_ssl=verify_ssl,
    )
    meter_client.pin_certificate(pin)
    return meter_client


#: What a failed connection test tells the user (the first class that fits).
CONNECTION_ERRORS = (
    (EgaugePermissionError, "egauge_missing_permission", "base"),
    (EnergyHubAuthError, "invalid_auth", "base"),
    # only the meter's own nonce trouble is an unavailable error here
    (EnergyHubUnavailableError, "egauge_clock", "base"),
    (EnergyHubConnectionError, "cannot_connect", CONF_HOST),
    (EnergyHubApiError, "egauge_not_a_meter", CONF_HOST),
)


async def async_validate(hass: HomeAssistant, data: dict[str, Any]) -> DeviceIdentity:
    """Log in, read the identity and the registers once."""
    url = connection_url(data)
    meter_client = client(hass, {**data, CONF_HOST: url})
    try:
        with connection_errors(url, CONNECTION_ERRORS):
            meter = await meter_client.async_get_meter_info()
            await meter_client.async_get_registers(series=False)
    finally:
        await meter_client.async_logout()
    return DeviceIdentity(
        unique_id=meter.serial,
        title=meter.hostname or f"eGauge {meter.serial}",
        data_updates={CONF_HOST: url},
    )


# -- options ---------------------------------------------------------------------------


def history_days(options: Mapping[str, Any]) -> int:
    """The history import's depth in days (0 = off), clamped to the allowed range."""
    return statistics.history_days(options, CONF_HISTORY_DAYS, DEFAULT_HISTORY_DAYS)


def options_schema(options: Mapping[str, Any]) -> dict[vol.Marker, Any]:
    """The general settings: how many days of the meter's history to import."""
    return statistics.history_days_schema(options, CONF_HISTORY_DAYS, DEFAULT_HISTORY_DAYS)


def inverted(options: Mapping[str, Any]) -> frozenset[str]:
    """Keys of the power registers whose sign the user flipped."""
    keys = options.get(CONF_INVERTED)
    return (
        frozenset(k for k in keys if isinstance(k, str)) if isinstance(keys, list) else frozenset()
    )


async def async_step_signs(
    flow: VendorOptionsFlow, user_input: dict[str, Any] | None
) -> ConfigFlowResult:
    """Choose the power registers measured the other way round (imported <-> exported)."""
    entry = flow.config_entry
    options = dict(entry.options)
    if user_input is not None:
        options[CONF_INVERTED] = sorted(user_input.get(CONF_INVERTED, []))
        return flow.async_create_entry(data=options)
    choices: dict[str, str] = {}
    runtime = getattr(entry, "runtime_data", None)
    data = getattr(getattr(runtime, "coordinator", None), "data", None)
    if isinstance(data, RegisterData):
        choices = {key: reg.name for key, reg in data.registers.items() if reg.splits}
    current = sorted(inverted(options))
    for key in current:
        choices.setdefault(key, key)
    schema = vol.Schema(
        {
            vol.Optional(CONF_INVERTED, default=current): selector.SelectSelector(
                selector.SelectSelectorConfig(
                    options=[
                        selector.SelectOptionDict(value=key, label=name)
                        for key, name in choices.items()
                    ],
                    multiple=True,
                    mode=selector.SelectSelectorMode.LIST,
                )
            )
        }
    )
    return flow.async_show_form(step_id=STEP_SIGNS, data_schema=schema)
