"""eGauge config flow: user step, errors, reauth, reconfigure."""

from __future__ import annotations

import asyncio
import ssl
from typing import Any

from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_USERNAME
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType

from custom_components.energy_hub.const import (
    CONF_CERTIFICATE_SHA256,
    CONF_VENDOR,
    CONF_VERIFY_SSL,
    DOMAIN,
)
from simulators.egauge import EgaugeSimulator

from ..conftest import StartSimulator
from .conftest import setup_meter


def _form(meter: EgaugeSimulator, **changes: Any) -> dict[str, Any]:
    return {
        CONF_HOST: meter.url,
        CONF_USERNAME: "owner",
        CONF_PASSWORD: "secret",
        CONF_VERIFY_SSL: False,
        **changes,
    }


async def _start(hass: HomeAssistant) -> dict[str, Any]:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert "egauge" in result["menu_options"]
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "egauge"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "egauge"
    return dict(result)


async def test_user_flow_errors_then_success(hass: HomeAssistant, meter: EgaugeSimulator) -> None:
    """Wrong password, unreachable, bad address, not a meter; then the entry is created."""
    result = await _start(hass)
    flow_id = result["flow_id"]

    result = await hass.config_entries.flow.async_configure(flow_id, _form(meter, password="bad"))
    assert result["errors"] == {"base": "invalid_auth"}

    result = await hass.config_entries.flow.async_configure(
        flow_id, _form(meter, host="http://127.0.0.1:9")
    )
    assert result["errors"] == {CONF_HOST: "cannot_connect"}

    result = await hass.config_entries.flow.async_configure(
        flow_id, _form(meter, host="ftp://meter")
    )
    assert result["errors"] == {CONF_HOST: "invalid_host"}

    meter.faults.status = 404
    result = await hass.config_entries.flow.async_configure(flow_id, _form(meter))
    assert result["errors"] == {CONF_HOST: "egauge_not_a_meter"}
    meter.faults.reset()

    meter.users["viewer"] = {"pwd": "view", "rights": set()}
    result = await hass.config_entries.flow.async_configure(
        flow_id, _form(meter, username="viewer", password="view")
    )
    assert result["errors"] == {"base": "egauge_missing_permission"}
    # a failed attempt keeps what the user typed, except the password
    assert result["type"] is FlowResultType.FORM

    # a bare host works too: http:// is added
    result = await hass.config_entries.flow.async_configure(
        flow_id, _form(meter, host=f"{meter.host}:{meter.port}")
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "egauge-sim"
    assert result["result"].unique_id == "G10400"
    assert result["data"] == {
        CONF_VENDOR: "egauge",
        CONF_HOST: meter.url,
        CONF_USERNAME: "owner",
        CONF_PASSWORD: "secret",
        CONF_VERIFY_SSL: False,
    }
    # the test login was given back
    assert len(meter.requests("/api/auth/logout")) >= 1


async def test_user_flow_already_configured(hass: HomeAssistant, meter: EgaugeSimulator) -> None:
    """The same meter (serial) twice aborts."""
    await setup_meter(hass, meter)
    result = await _start(hass)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], _form(meter))
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def test_reauth(hass: HomeAssistant, meter: EgaugeSimulator) -> None:
    """A changed password: reauth asks for it and keeps everything else."""
    entry = await setup_meter(hass, meter)
    meter.users["owner"]["pwd"] = "new-secret"
    result = await entry.start_reauth_flow(hass)
    assert result["step_id"] == "reauth_confirm"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PASSWORD: "wrong"}
    )
    assert result["errors"] == {"base": "invalid_auth"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PASSWORD: "new-secret"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert entry.data[CONF_PASSWORD] == "new-secret"
    assert entry.data[CONF_HOST] == meter.url
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED


async def test_reconfigure(
    hass: HomeAssistant, meter: EgaugeSimulator, start_simulator: StartSimulator
) -> None:
    """Moving the meter to a new address; another meter's address is refused."""
    entry = await setup_meter(hass, meter)
    moved = EgaugeSimulator()
    await start_simulator(moved)
    other = EgaugeSimulator()
    other.serial = "G99999"
    await start_simulator(other)

    result = await entry.start_reconfigure_flow(hass)
    assert result["step_id"] == "reconfigure"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _form(other, password="")
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "wrong_device"
    assert entry.data[CONF_HOST] == meter.url

    result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _form(moved, host=f"{moved.url}/api/", password="")
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert entry.data[CONF_HOST] == moved.url
    assert entry.data[CONF_PASSWORD] == "secret"
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED


async def test_https_self_signed(hass: HomeAssistant, start_simulator: StartSimulator) -> None:
    """HTTPS with the meter's self-signed certificate: verification refuses it, the flow
    offers to trust exactly that certificate, and the entry pins it (more in test_tls.py)."""
    # the simulated meter's side of the refused handshake is not an error of the integration
    loop = asyncio.get_running_loop()
    handler = loop.get_exception_handler()
    assert handler is not None

    def ignore_refused_handshake(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        if not isinstance(context.get("exception"), (ConnectionResetError, ssl.SSLError)):
            handler(loop, context)

    loop.set_exception_handler(ignore_refused_handshake)
    meter = EgaugeSimulator()
    meter.use_self_signed_certificate()
    await start_simulator(meter)
    assert meter.url.startswith("https://")
    result = await _start(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _form(meter, verify_ssl=True)
    )
    assert result["step_id"] == "trust_certificate"
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_HOST] == meter.url
    assert result["data"][CONF_CERTIFICATE_SHA256] == meter.certificate_sha256
    await hass.async_block_till_done()
    entry = result["result"]
    assert entry.state is ConfigEntryState.LOADED


async def test_invalid_addresses(hass: HomeAssistant) -> None:
    """Addresses that are no http(s) URL are refused before anything is sent."""
    result = await _start(hass)
    for host in ("http://[bad", "http://", "http://a b"):
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"],
            {CONF_HOST: host, CONF_USERNAME: "owner", CONF_PASSWORD: "x", CONF_VERIFY_SSL: False},
        )
        assert result["errors"] == {CONF_HOST: "invalid_host"}, host
