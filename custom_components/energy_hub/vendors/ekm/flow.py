"""Config flow of the EKM vendor: key + API token, then the gateway and meters."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from functools import wraps
from typing import Any, Protocol, cast

from homeassistant.config_entries import ConfigFlowResult
from homeassistant.const import CONF_API_KEY, CONF_API_TOKEN
from homeassistant.core import HomeAssistant
from homeassistant.helpers import selector
import voluptuous as vol

from ...api.errors import EnergyHubApiError, EnergyHubAuthError, EnergyHubUnavailableError
from ...config_flow import suggest_values
from ...const import CONF_VENDOR, DOMAIN, LOGGER
from ...contract import FlowError, Vendor, VendorFlow
from .const import CONF_GATEWAY, CONF_METER_INFO, CONF_METERS, VENDOR_KEY


class Discovering(Protocol):
    """What the first step needs besides the ``Vendor`` contract (``vendor.EkmVendor``)."""

    async def async_discover(self, hass: HomeAssistant, data: Mapping[str, Any]) -> dict[str, Any]:
        """Check key and token; return the account's gateways and meters."""


STEP_GATEWAY = f"{VENDOR_KEY}_gateway"
STEP_METERS = f"{VENDOR_KEY}_meters"

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


def configured(hass: HomeAssistant) -> tuple[set[str], set[str]]:
    """The gateways and the meters the existing EKM entries already have."""
    gateways: set[str] = set()
    meters: set[str] = set()
    for entry in hass.config_entries.async_entries(DOMAIN):
        if entry.data.get(CONF_VENDOR) != VENDOR_KEY:
            continue
        gateways.add(str(entry.data.get(CONF_GATEWAY, "")).lower())
        meters.update(str(m) for m in entry.data.get(CONF_METERS, []))
    return gateways, meters


#: A step of this flow (bound to the vendor by ``EkmVendor.flow_steps``).
type Step = Callable[[Vendor, VendorFlow, dict[str, Any] | None], Awaitable[ConfigFlowResult]]


def after(key: str, previous: Step) -> Callable[[Step], Step]:
    """A step needing ``flow_data[key]`` from ``previous``: reached without it, shows that."""

    def decorate(step: Step) -> Step:
        @wraps(step)
        async def guarded(
            vendor: Vendor, flow: VendorFlow, user_input: dict[str, Any] | None
        ) -> ConfigFlowResult:
            if key not in flow.flow_data:
                return await previous(vendor, flow, None)
            return await step(vendor, flow, user_input)

        return guarded

    return decorate


@after(CONF_API_KEY, async_step_credentials)
async def async_step_gateway(
    vendor: Vendor, flow: VendorFlow, user_input: dict[str, Any] | None
) -> ConfigFlowResult:
    """Second step: the gateway this entry manages (one not configured yet)."""
    taken, _ = configured(flow.hass)
    gateways = [g for g in flow.flow_data["gateways"] if g not in taken]
    if not gateways:
        return flow.async_abort(reason="ekm_all_gateways_configured")
    errors: dict[str, str] = {}
    placeholders: dict[str, str] = {}
    if user_input is not None:
        gateway = str(user_input[CONF_GATEWAY]).lower()
        placeholders["gateway"] = gateway
        if gateway in taken:
            errors[CONF_GATEWAY] = "ekm_gateway_configured"
        elif gateway not in gateways:
            errors[CONF_GATEWAY] = "ekm_unknown_gateway"
        else:
            flow.flow_data[CONF_GATEWAY] = gateway
            return await async_step_meters(vendor, flow, None)
    schema = vol.Schema(
        {
            vol.Required(CONF_GATEWAY, default=gateways[0]): selector.SelectSelector(
                selector.SelectSelectorConfig(
                    options=gateways, mode=selector.SelectSelectorMode.DROPDOWN
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


def meter_choice(
    meter_info: Mapping[str, Mapping[str, Any]], gateway: str, taken: set[str]
) -> tuple[list[str], list[str]]:
    """The meters offered for ``gateway`` and those preselected.

    Offered: the gateway's meters and meters whose gateway is not known (no read yet),
    never a meter another entry has. Preselected: the gateway's own meters.
    """
    offered = [
        meter
        for meter, info in meter_info.items()
        if meter not in taken and info.get("gateway") in (gateway, None)
    ]
    preselected = [m for m in offered if meter_info[m].get("gateway") == gateway]
    return offered, preselected


@after(CONF_GATEWAY, async_step_gateway)
async def async_step_meters(
    vendor: Vendor, flow: VendorFlow, user_input: dict[str, Any] | None
) -> ConfigFlowResult:
    """Third step: the meters of the chosen gateway that this entry reads."""
    gateway: str = flow.flow_data[CONF_GATEWAY]
    meter_info: dict[str, dict[str, Any]] = flow.flow_data["meter_info"]
    _, taken = configured(flow.hass)
    offered, preselected = meter_choice(meter_info, gateway, taken)
    errors: dict[str, str] = {}
    placeholders: dict[str, str] = {"gateway": gateway}
    if user_input is not None:
        meters = [m for m in user_input.get(CONF_METERS, []) if m in offered]
        data = {
            CONF_API_KEY: flow.flow_data[CONF_API_KEY],
            CONF_API_TOKEN: flow.flow_data[CONF_API_TOKEN],
            CONF_GATEWAY: gateway,
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
            vol.Optional(CONF_METERS, default=preselected): selector.SelectSelector(
                selector.SelectSelectorConfig(
                    options=[
                        selector.SelectOptionDict(value=m, label=_meter_label(m, meter_info[m]))
                        for m in offered
                    ],
                    multiple=True,
                    mode=selector.SelectSelectorMode.LIST,
                )
            ),
        }
    )
    return flow.async_show_form(
        step_id=STEP_METERS,
        data_schema=schema,
        errors=errors,
        description_placeholders=placeholders,
    )


def map_api_error(err: EnergyHubApiError, *, auth_error: str) -> FlowError:
    """A client error as a config-flow error."""
    if isinstance(err, EnergyHubAuthError):
        return FlowError(auth_error)
    if isinstance(err, EnergyHubUnavailableError) and err.reason == "service_unavailable":
        return FlowError("service_unavailable")
    # unreachable, or answering something that is not EKM Push
    return FlowError("cannot_connect")
