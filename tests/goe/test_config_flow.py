"""The go-e config flow: cloud and local, errors, duplicates, reauth, reconfigure, options."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.const import CONF_SCAN_INTERVAL
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
import pytest

from custom_components.energy_hub.const import CONF_VENDOR, DOMAIN
from simulators.goe import GoeSimulator

from .conftest import cloud_data, local_data, setup_entry


async def _form(hass: HomeAssistant, mode: str) -> dict[str, Any]:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert "goe" in result["menu_options"]
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "goe"}
    )
    assert result["type"] is FlowResultType.MENU
    assert result["menu_options"] == ["goe_cloud", "goe_local"]
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": f"goe_{mode}"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == f"goe_{mode}"
    return dict(result)


async def test_cloud_flow(hass: HomeAssistant, cloud: GoeSimulator) -> None:
    """Bad serial, bad token, offline, no data; then success."""
    result = await _form(hass, "cloud")
    flow_id = result["flow_id"]

    for bad in ("12345", "1234567", "01234a"):
        result = await hass.config_entries.flow.async_configure(
            flow_id, {"serial": bad, "api_token": cloud.token}
        )
        assert result["errors"] == {"serial": "goe_invalid_serial"}
    assert cloud.log == []  # checked in the form, nothing sent

    result = await hass.config_entries.flow.async_configure(
        flow_id, {"serial": "012345", "api_token": "wrong"}
    )
    assert result["errors"] == {"base": "invalid_auth"}

    cloud.faults.offline = True
    result = await hass.config_entries.flow.async_configure(
        flow_id, {"serial": "012345", "api_token": cloud.token}
    )
    assert result["errors"] == {"base": "invalid_auth"}
    cloud.faults.reset()

    cloud.data_age = 100
    result = await hass.config_entries.flow.async_configure(
        flow_id, {"serial": "012345", "api_token": cloud.token}
    )
    assert result["errors"] == {"base": "goe_no_data"}
    cloud.data_age = 1

    cloud.faults.status = 502
    result = await hass.config_entries.flow.async_configure(
        flow_id, {"serial": "012345", "api_token": cloud.token}
    )
    assert result["errors"] == {"base": "goe_not_a_charger"}
    cloud.faults.reset()

    result = await hass.config_entries.flow.async_configure(
        flow_id, {"serial": " 012345 ", "api_token": cloud.token}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "go-eCharger 012345"
    assert result["result"].unique_id == "goe_012345"
    assert result["data"] == {
        CONF_VENDOR: "goe",
        "goe_mode": "cloud",
        "serial": "012345",
        "api_token": cloud.token,
    }
    # only the device keys were asked for, token in the header
    flow_reads = [r for r in cloud.log if r.query.get("filter") == "fna,fwv,oem,sse,typ,var"]
    assert flow_reads
    assert all("token" not in r.query for r in cloud.log)
    await hass.async_block_till_done()
    assert result["result"].state is ConfigEntryState.LOADED


async def test_local_flow(hass: HomeAssistant, sim: GoeSimulator) -> None:
    """Unreachable, not a charger, empty host; then success."""
    result = await _form(hass, "local")
    flow_id = result["flow_id"]
    result = await hass.config_entries.flow.async_configure(flow_id, {"host": "127.0.0.1:9"})
    assert result["errors"] == {"host": "cannot_connect"}
    result = await hass.config_entries.flow.async_configure(flow_id, {"host": "  "})
    assert result["errors"] == {"host": "invalid_host"}

    sim.faults.offline = True
    result = await hass.config_entries.flow.async_configure(flow_id, {"host": sim.url})
    assert result["errors"] == {"host": "cannot_connect"}
    sim.faults.reset()

    sim.faults.status = 404
    result = await hass.config_entries.flow.async_configure(flow_id, {"host": sim.url})
    assert result["errors"] == {"host": "goe_not_a_charger"}
    sim.faults.reset()

    del sim.state["sse"]
    result = await hass.config_entries.flow.async_configure(flow_id, {"host": sim.url})
    assert result["errors"] == {"host": "goe_not_a_charger"}
    sim.state["sse"] = 12345  # a number: leading zeros restored

    result = await hass.config_entries.flow.async_configure(flow_id, {"host": f"{sim.url}/"})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["result"].unique_id == "goe_012345"
    assert result["data"] == {CONF_VENDOR: "goe", "goe_mode": "local", "host": sim.url}
    assert "Authorization" not in sim.log[-1].headers


@pytest.mark.parametrize("existing", ["cloud", "local"])
async def test_already_configured(hass: HomeAssistant, cloud: GoeSimulator, existing: str) -> None:
    """The same charger through either API is one charger."""
    await setup_entry(hass, cloud_data(cloud) if existing == "cloud" else local_data(cloud))
    for mode, data in (
        ("cloud", {"serial": "012345", "api_token": cloud.token}),
        ("local", {"host": cloud.url}),
    ):
        result = await _form(hass, mode)
        result = await hass.config_entries.flow.async_configure(result["flow_id"], data)
        assert result["type"] is FlowResultType.ABORT
        assert result["reason"] == "already_configured"


async def test_reauth_new_token(hass: HomeAssistant, cloud: GoeSimulator) -> None:
    """A regenerated token is asked for and stored; everything else is kept."""
    entry = await setup_entry(hass, cloud_data(cloud), scan_interval=45)
    old = cloud.token
    new = cloud.new_token()
    result = await entry.start_reauth_flow(hass)
    assert result["step_id"] == "reauth_confirm"
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {"api_token": old})
    assert result["errors"] == {"base": "invalid_auth"}
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {"api_token": new})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert entry.data["api_token"] == new
    assert entry.data["serial"] == "012345"
    assert entry.options[CONF_SCAN_INTERVAL] == 45
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED


async def test_setup_with_refused_token_asks_again(
    hass: HomeAssistant, cloud: GoeSimulator
) -> None:
    """A token refused at start-up starts the reauth flow."""
    entry = await setup_entry(hass, cloud_data(cloud, token="revoked"))
    assert entry.state is ConfigEntryState.SETUP_ERROR
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [f["context"]["source"] for f in flows] == ["reauth"]


async def test_reconfigure(hass: HomeAssistant, cloud: GoeSimulator) -> None:
    """Cloud: a new token (empty keeps the stored one); a different charger is refused."""
    entry = await setup_entry(hass, cloud_data(cloud))
    result = await entry.start_reconfigure_flow(hass)
    assert set(result["data_schema"].schema) == {"serial", "api_token"}
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {"serial": "012345"})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert entry.data["api_token"] == cloud.token

    other = GoeSimulator(serial="999999")
    cloud.serial = other.serial
    cloud.state["sse"] = other.serial
    result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {"serial": "999999"})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "wrong_device"
    assert entry.data["serial"] == "012345"


async def test_reconfigure_local(hass: HomeAssistant, sim: GoeSimulator) -> None:
    """Local: the host form."""
    entry = await setup_entry(hass, local_data(sim))
    result = await entry.start_reconfigure_flow(hass)
    assert set(result["data_schema"].schema) == {"host"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"host": f"{sim.host}:{sim.port}"}
    )
    assert result["reason"] == "reconfigure_successful"
    assert entry.data["host"] == f"http://{sim.host}:{sim.port}"  # stored normalised
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED


async def test_options(hass: HomeAssistant, cloud: GoeSimulator) -> None:
    """Cloud: poll interval (default 30 s) and age; local: poll interval (default 10 s).

    The options open with a menu: these settings, or solar surplus charging (test_surplus).
    """
    entry = await setup_entry(hass, cloud_data(cloud))
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["type"] is FlowResultType.MENU
    assert result["menu_options"] == ["settings", "goe_pv_surplus"]
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": "settings"}
    )
    schema = result["data_schema"].schema
    defaults = {str(k): k.default() for k in schema}
    assert defaults == {CONF_SCAN_INTERVAL: 30, "goe_age": 30}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_SCAN_INTERVAL: 20, "goe_age": 90}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.options == {CONF_SCAN_INTERVAL: 20, "goe_age": 90}
    await hass.async_block_till_done()
    assert entry.runtime_data.client.age == 90

    local = await setup_entry(hass, local_data(cloud), serial="000001")
    result = await hass.config_entries.options.async_init(local.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": "settings"}
    )
    defaults = {str(k): k.default() for k in result["data_schema"].schema}
    assert defaults == {CONF_SCAN_INTERVAL: 10}


async def test_bad_stored_age_falls_back(hass: HomeAssistant, cloud: GoeSimulator) -> None:
    """A broken stored age does not break the entry."""
    entry = await setup_entry(hass, cloud_data(cloud), goe_age="soon")
    assert entry.state is ConfigEntryState.LOADED
    assert entry.runtime_data.client.age == 30
