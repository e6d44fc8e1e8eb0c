"""Config flow of the EMS gateway: user, reauth and reconfigure against the simulator."""

from __future__ import annotations

from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_USERNAME
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
import pytest

from custom_components.energy_hub.const import (
    CONF_CERTIFICATE_SHA256,
    CONF_VENDOR,
    CONF_VERIFY_SSL,
    DOMAIN,
)
from simulators.base import Simulator
from simulators.ems import EmsSimulator

from ..conftest import StartSimulator
from .common import SERIAL, serve_tls, setup_entry, user_input


@pytest.fixture
async def sim(start_simulator: StartSimulator) -> EmsSimulator:
    return await start_simulator(EmsSimulator())


async def _ems_form(hass: HomeAssistant) -> str:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert "ems" in result["menu_options"]
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "ems"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "ems"
    assert set(result["data_schema"].schema) == {
        CONF_HOST,
        CONF_USERNAME,
        CONF_PASSWORD,
        CONF_VERIFY_SSL,
    }
    return result["flow_id"]


async def test_flow_errors_then_success(
    hass: HomeAssistant, sim: EmsSimulator, start_simulator: StartSimulator
) -> None:
    flow_id = await _ems_form(hass)

    result = await hass.config_entries.flow.async_configure(
        flow_id, user_input(sim, password="wrong")
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "invalid_auth"}

    result = await hass.config_entries.flow.async_configure(
        flow_id, {**user_input(sim), CONF_HOST: "http://127.0.0.1:9"}
    )
    assert result["errors"] == {CONF_HOST: "cannot_connect"}

    # something that answers HTTP but is no EMS gateway
    other = await start_simulator(Simulator())
    result = await hass.config_entries.flow.async_configure(
        flow_id, {**user_input(sim), CONF_HOST: other.url}
    )
    assert result["errors"] == {CONF_HOST: "ems_not_gateway"}

    # a gateway that signs in but answers garbage
    sim.faults.malformed_json = True
    sim.faults.paths = ("/v1/serial-number",)
    result = await hass.config_entries.flow.async_configure(flow_id, user_input(sim))
    assert result["errors"] == {"base": "ems_invalid_reply"}
    sim.faults.reset()

    # a gateway that drops the connection after /ver
    sim.faults.close_connection = True
    sim.faults.paths = ("/v1/auth/login",)
    result = await hass.config_entries.flow.async_configure(flow_id, user_input(sim))
    assert result["errors"] == {CONF_HOST: "cannot_connect"}
    sim.faults.reset()

    # a failed attempt keeps what the user typed in this flow, the password too
    suggested = {
        str(marker): (marker.description or {}).get("suggested_value")
        for marker in result["data_schema"].schema
    }
    assert suggested[CONF_HOST] == sim.url
    assert suggested[CONF_PASSWORD] == user_input(sim)[CONF_PASSWORD]

    result = await hass.config_entries.flow.async_configure(flow_id, user_input(sim))
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == f"EMS gateway {SERIAL}"
    assert result["result"].unique_id == SERIAL
    assert result["data"] == {CONF_VENDOR: "ems", **user_input(sim)}
    await hass.async_block_till_done()
    assert result["result"].state is ConfigEntryState.LOADED


async def test_flow_host_without_scheme_uses_https(hass: HomeAssistant, sim: EmsSimulator) -> None:
    """A bare address means HTTPS; the simulator speaks HTTP, so that cannot connect."""
    flow_id = await _ems_form(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id, {**user_input(sim), CONF_HOST: f"127.0.0.1:{sim.port}"}
    )
    assert result["errors"] == {CONF_HOST: "cannot_connect"}
    assert sim.requests("/ver") == []  # the TLS handshake failed before any request


async def test_flow_self_signed_certificate(hass: HomeAssistant, socket_enabled: None) -> None:
    """A self-signed gateway: verification refuses it, the flow offers to trust (pin) it."""
    sim = EmsSimulator()
    async with serve_tls(sim) as port:
        flow_id = await _ems_form(hass)
        # without a scheme the address means HTTPS; verification is on by default
        typed = {**user_input(sim), CONF_HOST: f"127.0.0.1:{port}"}
        del typed[CONF_VERIFY_SSL]
        result = await hass.config_entries.flow.async_configure(flow_id, typed)
        assert result["step_id"] == "trust_certificate"
        assert sim.requests("/ver") == []
        result = await hass.config_entries.flow.async_configure(flow_id, {})
        assert result["type"] is FlowResultType.CREATE_ENTRY
        assert result["data"][CONF_HOST] == f"https://127.0.0.1:{port}"
        assert result["data"][CONF_VERIFY_SSL] is False
        assert len(result["data"][CONF_CERTIFICATE_SHA256]) == 64
        await hass.async_block_till_done()
        assert result["result"].state is ConfigEntryState.LOADED
        assert sim.requests("/v1/signals/realtime")
        assert await hass.config_entries.async_unload(result["result"].entry_id)


async def test_flow_already_configured(hass: HomeAssistant, sim: EmsSimulator) -> None:
    await setup_entry(hass, sim)
    flow_id = await _ems_form(hass)
    result = await hass.config_entries.flow.async_configure(flow_id, user_input(sim))
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def test_reauth(hass: HomeAssistant, sim: EmsSimulator) -> None:
    entry = await setup_entry(hass, sim, scan_interval=60)
    sim.password = "new-secret"
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
    assert entry.data[CONF_USERNAME] == "admin"
    assert entry.options == {"scan_interval": 60, "ems_history_days": 0}
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED


async def test_reconfigure(
    hass: HomeAssistant, sim: EmsSimulator, start_simulator: StartSimulator
) -> None:
    entry = await setup_entry(hass, sim)
    moved = await start_simulator(EmsSimulator())
    result = await entry.start_reconfigure_flow(hass)
    assert result["step_id"] == "reconfigure"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: "http://127.0.0.1:9", CONF_USERNAME: "admin"}
    )
    assert result["errors"] == {CONF_HOST: "cannot_connect"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {CONF_HOST: moved.url, CONF_USERNAME: "admin", CONF_PASSWORD: "", CONF_VERIFY_SSL: False},
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert entry.data[CONF_HOST] == moved.url
    assert entry.data[CONF_PASSWORD] == "s3cret!"
    assert entry.data[CONF_VERIFY_SSL] is False
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED


async def test_reconfigure_to_another_gateway_is_refused(
    hass: HomeAssistant, sim: EmsSimulator, start_simulator: StartSimulator
) -> None:
    entry = await setup_entry(hass, sim)
    other = await start_simulator(EmsSimulator(serial="BX20000000"))
    result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {CONF_HOST: other.url, CONF_USERNAME: "admin", CONF_PASSWORD: "s3cret!"},
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "wrong_device"
    assert entry.data[CONF_HOST] == sim.url
