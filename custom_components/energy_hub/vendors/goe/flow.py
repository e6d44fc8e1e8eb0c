"""go-e config flow: cloud or local, the connection forms and their test; the solar surplus options."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from homeassistant.config_entries import ConfigFlowResult
from homeassistant.const import CONF_API_TOKEN, CONF_HOST
from homeassistant.core import HomeAssistant
from homeassistant.helpers import selector
from homeassistant.helpers.aiohttp_client import async_get_clientsession
import voluptuous as vol

from ...api.errors import (
    EnergyHubApiError,
    EnergyHubAuthError,
    EnergyHubConnectionError,
    EnergyHubUnavailableError,
)
from ...api.goe import REASON_OFFLINE, GoeClient, normalize_serial
from ...api.goe_surplus import (
    BATTERY_CONVENTIONS,
    BATTERY_DISCHARGE_POSITIVE,
    GRID_CONVENTIONS,
    GRID_IMPORT_POSITIVE,
)
from ...api.http import InvalidHostError, normalize_base_url
from ...contract import DeviceIdentity, FlowError, VendorFlow, VendorOptionsFlow, get_vendor
from .const import (
    CONF_MODE,
    CONF_PV_BATTERY,
    CONF_PV_BATTERY_SIGN,
    CONF_PV_GRID,
    CONF_PV_GRID_SIGN,
    CONF_PV_INTERVAL,
    CONF_PV_PRIORITY,
    CONF_PV_PV,
    CONF_SERIAL,
    DEFAULT_PV_INTERVAL,
    DEVICE_KEYS,
    MAX_PV_INTERVAL,
    MAX_PV_PRIORITY,
    MIN_PV_INTERVAL,
    MODE_CLOUD,
    MODE_LOCAL,
    PV_OPTION_KEYS,
    STEP_PV_SURPLUS,
    VENDOR_KEY,
)

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
    flow.flow_data[CONF_MODE] = MODE_CLOUD
    return await flow.async_connection_step(get_vendor(VENDOR_KEY), STEP_CLOUD, user_input)


async def async_step_local(flow: VendorFlow, user_input: dict[str, Any] | None) -> ConfigFlowResult:
    """The charger's address on the local network."""
    flow.flow_data[CONF_MODE] = MODE_LOCAL
    return await flow.async_connection_step(get_vendor(VENDOR_KEY), STEP_LOCAL, user_input)


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


# -- options: solar surplus charging ---------------------------------------------------

#: What a solar surplus option is when the user has not chosen it (form and parser).
PV_DEFAULTS: dict[str, Any] = {
    CONF_PV_GRID_SIGN: GRID_IMPORT_POSITIVE,
    CONF_PV_BATTERY_SIGN: BATTERY_DISCHARGE_POSITIVE,
    CONF_PV_INTERVAL: DEFAULT_PV_INTERVAL,
    CONF_PV_PRIORITY: 1,
}


@dataclass(frozen=True, slots=True)
class PvSurplusConfig:
    """What the user chose in the options step ``goe_pv_surplus``."""

    grid: str
    grid_sign: str
    pv: str | None
    battery: str | None
    battery_sign: str
    interval: float
    priority: int

    @classmethod
    def from_options(cls, options: Mapping[str, Any]) -> PvSurplusConfig | None:
        """The configuration in the entry's options, None while no grid entity is chosen."""
        grid = options.get(CONF_PV_GRID)
        if not isinstance(grid, str) or not grid:
            return None

        def number(key: str, low: float, high: float) -> float:
            default = float(PV_DEFAULTS[key])
            try:
                value = float(options.get(key, default))
            except TypeError, ValueError:
                value = default
            return max(low, min(high, value))

        return cls(
            grid=grid,
            grid_sign=str(options.get(CONF_PV_GRID_SIGN, PV_DEFAULTS[CONF_PV_GRID_SIGN])),
            pv=options.get(CONF_PV_PV) or None,
            battery=options.get(CONF_PV_BATTERY) or None,
            battery_sign=str(options.get(CONF_PV_BATTERY_SIGN, PV_DEFAULTS[CONF_PV_BATTERY_SIGN])),
            interval=number(CONF_PV_INTERVAL, MIN_PV_INTERVAL, MAX_PV_INTERVAL),
            priority=int(number(CONF_PV_PRIORITY, 1, MAX_PV_PRIORITY)),
        )

    @property
    def entities(self) -> tuple[str, ...]:
        """The chosen entities, grid first."""
        return tuple(e for e in (self.grid, self.pv, self.battery) if e)


async def async_step_pv_surplus(
    flow: VendorOptionsFlow, user_input: dict[str, Any] | None
) -> ConfigFlowResult:
    """Options step: the grid (and PV, battery) power entities sent to the charger."""
    options = flow.config_entry.options
    errors: dict[str, str] = {}
    if user_input is not None:
        chosen = [user_input.get(k) for k in (CONF_PV_GRID, CONF_PV_PV, CONF_PV_BATTERY)]
        if not user_input.get(CONF_PV_GRID) and any(chosen):
            errors[CONF_PV_GRID] = "goe_pv_grid_required"
        elif len([c for c in chosen if c]) != len({c for c in chosen if c}):
            errors["base"] = "goe_pv_same_entity"
        else:
            kept = {k: v for k, v in options.items() if k not in PV_OPTION_KEYS}
            new = {k: v for k, v in user_input.items() if v not in (None, "")}
            # both are required in the form
            new[CONF_PV_INTERVAL] = int(new[CONF_PV_INTERVAL])
            new[CONF_PV_PRIORITY] = int(new[CONF_PV_PRIORITY])
            return flow.async_create_entry(data={**kept, **new})
    defaults = user_input if user_input is not None else options
    return flow.async_show_form(
        step_id=STEP_PV_SURPLUS,
        data_schema=pv_surplus_schema(defaults),
        errors=errors,
    )


def pv_surplus_schema(defaults: Mapping[str, Any]) -> vol.Schema:
    """The form of the solar surplus options step."""

    def power_entity() -> selector.EntitySelector:
        return selector.EntitySelector(
            selector.EntitySelectorConfig(domain="sensor", device_class="power")
        )

    def sign(key: str, options: tuple[str, ...]) -> selector.SelectSelector:
        return selector.SelectSelector(
            selector.SelectSelectorConfig(
                options=list(options),
                translation_key=key,
                mode=selector.SelectSelectorMode.DROPDOWN,
            )
        )

    def suggested(key: str) -> dict[str, Any]:
        value = defaults.get(key)
        return {"suggested_value": value} if value else {}

    return vol.Schema(
        {
            vol.Optional(CONF_PV_GRID, description=suggested(CONF_PV_GRID)): power_entity(),
            vol.Required(
                CONF_PV_GRID_SIGN,
                default=defaults.get(CONF_PV_GRID_SIGN, PV_DEFAULTS[CONF_PV_GRID_SIGN]),
            ): sign(CONF_PV_GRID_SIGN, GRID_CONVENTIONS),
            vol.Optional(CONF_PV_PV, description=suggested(CONF_PV_PV)): power_entity(),
            vol.Optional(CONF_PV_BATTERY, description=suggested(CONF_PV_BATTERY)): power_entity(),
            vol.Required(
                CONF_PV_BATTERY_SIGN,
                default=defaults.get(CONF_PV_BATTERY_SIGN, PV_DEFAULTS[CONF_PV_BATTERY_SIGN]),
            ): sign(CONF_PV_BATTERY_SIGN, BATTERY_CONVENTIONS),
            vol.Required(
                CONF_PV_INTERVAL,
                default=int(defaults.get(CONF_PV_INTERVAL, PV_DEFAULTS[CONF_PV_INTERVAL])),
            ): selector.NumberSelector(
                selector.NumberSelectorConfig(
                    min=MIN_PV_INTERVAL,
                    max=MAX_PV_INTERVAL,
                    step=1,
                    mode=selector.NumberSelectorMode.BOX,
                    unit_of_measurement="s",
                )
            ),
            vol.Required(
                CONF_PV_PRIORITY,
                default=int(defaults.get(CONF_PV_PRIORITY, PV_DEFAULTS[CONF_PV_PRIORITY])),
            ): selector.NumberSelector(
                selector.NumberSelectorConfig(
                    min=1, max=MAX_PV_PRIORITY, step=1, mode=selector.NumberSelectorMode.BOX
                )
            ),
        }
    )
