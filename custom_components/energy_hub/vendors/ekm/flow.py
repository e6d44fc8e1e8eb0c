"""Config flow of the EKM vendor: key + API token, then the gateway and meters."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol, cast

from homeassistant.config_entries import ConfigFlowResult
from homeassistant.const import CONF_API_KEY, CONF_API_TOKEN
from homeassistant.core import HomeAssistant
from homeassistant.helpers import selector
import voluptuous as vol

from ...api import EnergyHubApiError, EnergyHubAuthError
from ...config_flow import suggest_values
from ...const import LOGGER
from ...contract import FlowError, Vendor, VendorFlow
from .const import CONF_GATEWAY, CONF_METER_INFO, CONF_METERS, VENDOR_KEY


class Discovering(Protocol):
    """What the first step needs besides the ``Vendor`` contract (``vendor.EkmVendor``)."""

    async def async_discover(self, hass: HomeAssistant, data: Mapping[str, Any]) -> dict[str, Any]:
        """Check key and token; return the account's gateways and meters."""


STEP_GATEWAY = f"{VENDOR_KEY}_gateway"

_SECRET = selector.TextSelector(
    selector.TextSelectorConfig(type=selector.TextSelectorType.PASSWORD)
)


def credentials_schema() -> vol.Schema:
    """The account key and the API token."""
    return vol.Schema({vol.Required(CONF_API_KEY): _SECRET, vol.Required(CONF_API_TOKEN): _SECRET})


async def async_step_credentials(
    vendor: Vendor, flow: VendorFlow, user_input: dict[str, Any] | None
) -> ConfigFlowResult:
    """First step: check the key (account API) and the token (Trigger API)."""
    errors: dict[str, str] = {}
    if user_input is not None:
        try:
            found = await cast("Discovering", vendor).async_discover(flow.hass, user_input)
        except FlowError as err:
            errors[err.field] = err.error
        except Exception:  # noqa: BLE001 - any bug becomes 'unknown', never a trace
            LOGGER.exception("Unexpected error while testing the EKM account")
            errors["base"] = "unknown"
        else:
            flow.flow_data = {
                CONF_API_KEY: user_input[CONF_API_KEY],
                CONF_API_TOKEN: user_input[CONF_API_TOKEN],
                **found,
            }
            return await async_step_gateway(vendor, flow, None)
    schema = credentials_schema()
    if user_input is not None:
        # keep what was typed in this flow (one typo must not wipe key and token)
        schema = suggest_values(schema, user_input)
    return flow.async_show_form(step_id=VENDOR_KEY, data_schema=schema, errors=errors)


def _meter_label(meter: str, info: dict[str, Any]) -> str:
    parts = [meter]
    if info.get("protocol"):
        parts.append(str(info["protocol"]))
    if info.get("gateway"):
        parts.append(str(info["gateway"]))
    return " · ".join(parts)


async def async_step_gateway(
    vendor: Vendor, flow: VendorFlow, user_input: dict[str, Any] | None
) -> ConfigFlowResult:
    """Second step: the gateway this entry manages and the meters it reads."""
    if CONF_API_KEY not in flow.flow_data:
        return await async_step_credentials(vendor, flow, None)
    gateways: list[str] = flow.flow_data["gateways"]
    meter_info: dict[str, dict[str, Any]] = flow.flow_data["meter_info"]
    errors: dict[str, str] = {}
    placeholders: dict[str, str] = {}
    if user_input is not None:
        meters = [m for m in user_input.get(CONF_METERS, []) if m in meter_info]
        data = {
            CONF_API_KEY: flow.flow_data[CONF_API_KEY],
            CONF_API_TOKEN: flow.flow_data[CONF_API_TOKEN],
            CONF_GATEWAY: user_input[CONF_GATEWAY],
            CONF_METERS: meters,
            CONF_METER_INFO: {m: meter_info[m] for m in meters},
        }
        try:
            identity = await vendor.async_validate(flow.hass, data)
        except FlowError as err:
            errors[err.field] = err.error
            placeholders.update(err.placeholders)
        except Exception:  # noqa: BLE001 - any bug becomes 'unknown', never a trace
            LOGGER.exception("Unexpected error while testing the EKM gateway")
            errors["base"] = "unknown"
        else:
            return await flow.async_finish(vendor, identity, data)
    schema = vol.Schema(
        {
            vol.Required(CONF_GATEWAY, default=gateways[0]): selector.SelectSelector(
                selector.SelectSelectorConfig(
                    options=gateways, mode=selector.SelectSelectorMode.DROPDOWN
                )
            ),
            vol.Optional(CONF_METERS, default=list(meter_info)): selector.SelectSelector(
                selector.SelectSelectorConfig(
                    options=[
                        selector.SelectOptionDict(value=m, label=_meter_label(m, info))
                        for m, info in meter_info.items()
                    ],
                    multiple=True,
                    mode=selector.SelectSelectorMode.LIST,
                )
            ),
        }
    )
    return flow.async_show_form(
        step_id=STEP_GATEWAY,
        data_schema=schema,
        errors=errors,
        description_placeholders=placeholders or None,
    )


def map_api_error(err: EnergyHubApiError, *, auth_error: str) -> FlowError:
    """A client error as a config-flow error."""
    if isinstance(err, EnergyHubAuthError):
        return FlowError(auth_error)
    # unreachable, or answering something that is not EKM Push
    return FlowError("cannot_connect")
