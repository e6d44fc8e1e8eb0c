"""Config flow of the EKM vendor against the simulator."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.const import CONF_API_KEY, CONF_API_TOKEN
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import entity_registry as er
import pytest

from custom_components.energy_hub.const import DOMAIN
from custom_components.energy_hub.vendors.ekm import VENDOR
from custom_components.energy_hub.vendors.ekm.const import CONF_GATEWAY, CONF_METERS
from simulators.ekm import (
    DEFAULT_KEY,
    DEFAULT_TOKEN,
    GATEWAY,
    GATEWAY_2,
    GATEWAY_KEY,
    OTHER_TOKEN,
    EkmSimulator,
)

from .conftest import METERS, entry_data, setup_entry


async def _start(hass: HomeAssistant) -> str:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert "ekm" in result["menu_options"]
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "ekm"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "ekm"
    return result["flow_id"]


async def _pick(
    hass: HomeAssistant, flow_id: str, gateway: str, meters: list[str]
) -> dict[str, Any]:
    """The gateway step, then the meters step."""
    result = await hass.config_entries.flow.async_configure(flow_id, {CONF_GATEWAY: gateway})
    assert result["step_id"] == "ekm_meters", result
    return dict(await hass.config_entries.flow.async_configure(flow_id, {CONF_METERS: meters}))


def _options(result: Any, field: str) -> list[Any]:
    selector = next(v for k, v in result["data_schema"].schema.items() if str(k) == field)
    return list(selector.config["options"])


def _default(result: Any, field: str) -> Any:
    return next(k for k in result["data_schema"].schema if str(k) == field).default()


async def test_flow_success(hass: HomeAssistant, sim: EkmSimulator) -> None:
    """Key + token, then the gateway and meters: the entry has everything."""
    flow_id = await _start(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_API_KEY: DEFAULT_KEY, CONF_API_TOKEN: DEFAULT_TOKEN}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "ekm_gateway"
    schema = result["data_schema"].schema
    gateway_selector = next(v for k, v in schema.items() if str(k) == CONF_GATEWAY)
    assert gateway_selector.config["options"] == [GATEWAY, GATEWAY_2]
    # the meters were read once, all in one request
    assert len(sim.requests("/readMeter")) == 1
    assert sim.requests("/readMeter")[0].query["meters"].count("~") == 3

    result = await hass.config_entries.flow.async_configure(flow_id, {CONF_GATEWAY: GATEWAY})
    assert result["step_id"] == "ekm_meters"
    # only this gateway's meters, all preselected (not 000000010388 of GATEWAY_2)
    assert [o["value"] for o in _options(result, CONF_METERS)] == [
        "000300000001",
        "000300000002",
        "000000000099",
    ]
    assert _default(result, CONF_METERS) == ["000300000001", "000300000002", "000000000099"]
    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_METERS: ["000300000001", "000000000099"]}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == f"EKM {GATEWAY}"
    assert result["result"].unique_id == GATEWAY
    assert result["data"] == entry_data(
        ekm_meters=["000300000001", "000000000099"],
        ekm_meter_info={
            "000300000001": {"protocol": "v4", "gateway": GATEWAY},
            "000000000099": {"protocol": "v3", "gateway": GATEWAY},
        },
    )
    await hass.async_block_till_done()
    assert result["result"].state is ConfigEntryState.LOADED


async def test_flow_bad_key_and_bad_token(hass: HomeAssistant, sim: EkmSimulator) -> None:
    """A wrong key and a wrong (or foreign) token are shown on their fields."""
    flow_id = await _start(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_API_KEY: "wrong", CONF_API_TOKEN: DEFAULT_TOKEN}
    )
    assert result["errors"] == {"base": "ekm_invalid_key"}
    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_API_KEY: DEFAULT_KEY, CONF_API_TOKEN: "wrong"}
    )
    assert result["errors"] == {"base": "ekm_invalid_token"}
    # an OWNER token of another account cannot reach this account's triggers
    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_API_KEY: DEFAULT_KEY, CONF_API_TOKEN: OTHER_TOKEN}
    )
    assert result["errors"] == {"base": "ekm_invalid_token"}
    assert sim.triggers == {}
    # and it still works after the errors
    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_API_KEY: DEFAULT_KEY, CONF_API_TOKEN: DEFAULT_TOKEN}
    )
    assert result["step_id"] == "ekm_gateway"


async def test_flow_unknown_gateway(hass: HomeAssistant, sim: EkmSimulator) -> None:
    """A gateway gone from the account between the steps is refused."""
    flow_id = await _start(hass)
    await hass.config_entries.flow.async_configure(
        flow_id, {CONF_API_KEY: DEFAULT_KEY, CONF_API_TOKEN: DEFAULT_TOKEN}
    )
    sim.accounts["acct1"].remove(GATEWAY_2)
    result = await _pick(hass, flow_id, GATEWAY_2, ["000000010388"])
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "ekm_unknown_gateway"}
    assert result["description_placeholders"] == {"gateway": GATEWAY_2}
    sim.accounts["acct1"].append(GATEWAY_2)
    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_METERS: ["000000010388"]}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_flow_connection_errors(hass: HomeAssistant, sim: EkmSimulator) -> None:
    """Cloud unreachable or answering nonsense: cannot_connect; a gateway key works."""
    flow_id = await _start(hass)
    creds = {CONF_API_KEY: DEFAULT_KEY, CONF_API_TOKEN: DEFAULT_TOKEN}
    sim.faults.close_connection = True
    result = await hass.config_entries.flow.async_configure(flow_id, creds)
    assert result["errors"] == {"base": "cannot_connect"}
    sim.faults.reset()
    sim.faults.status = 500
    sim.faults.paths = ("/api/trigger",)
    result = await hass.config_entries.flow.async_configure(flow_id, creds)
    assert result["errors"] == {"base": "cannot_connect"}
    sim.faults.reset()
    sim.faults.malformed_json = True
    sim.faults.paths = ("/readMeter",)
    result = await hass.config_entries.flow.async_configure(flow_id, creds)
    assert result["errors"] == {"base": "cannot_connect"}
    sim.faults.reset()
    sim.accounts["acct1"].clear()
    result = await hass.config_entries.flow.async_configure(flow_id, creds)
    assert result["errors"] == {"base": "ekm_no_gateways"}
    sim.accounts["acct1"].extend([GATEWAY, GATEWAY_2])
    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_API_KEY: GATEWAY_KEY, CONF_API_TOKEN: DEFAULT_TOKEN}
    )
    assert result["step_id"] == "ekm_gateway"
    # the token is revoked before the second step
    del sim.tokens[DEFAULT_TOKEN]
    result = await _pick(hass, flow_id, GATEWAY, [])
    assert result["errors"] == {"base": "ekm_invalid_token"}


async def test_flow_unexpected_error(
    hass: HomeAssistant, sim: EkmSimulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bug in either step shows 'unknown', never a stack trace."""
    flow_id = await _start(hass)
    creds = {CONF_API_KEY: DEFAULT_KEY, CONF_API_TOKEN: DEFAULT_TOKEN}

    async def broken(*args: Any) -> Any:
        raise RuntimeError("bug")

    with monkeypatch.context() as patch:
        patch.setattr(VENDOR, "async_discover", broken)
        result = await hass.config_entries.flow.async_configure(flow_id, creds)
    assert result["errors"] == {"base": "unknown"}
    result = await hass.config_entries.flow.async_configure(flow_id, creds)
    with monkeypatch.context() as patch:
        patch.setattr(VENDOR, "async_validate", broken)
        result = await _pick(hass, flow_id, GATEWAY, [])
    assert result["errors"] == {"base": "unknown"}


async def test_gateway_step_without_credentials(hass: HomeAssistant, sim: EkmSimulator) -> None:
    """Reaching the second step without the first falls back to the first."""
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    flow = hass.config_entries.flow._progress[result["flow_id"]]
    result = await flow.async_step_ekm_gateway(None)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "ekm"
    result = await flow.async_step_ekm_meters(None)
    assert result["step_id"] == "ekm"


async def test_already_configured(hass: HomeAssistant, sim: EkmSimulator) -> None:
    """A configured gateway is not offered, and refused if added meanwhile elsewhere."""
    await setup_entry(hass)
    flow_id = await _start(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_API_KEY: DEFAULT_KEY, CONF_API_TOKEN: DEFAULT_TOKEN}
    )
    assert _options(result, CONF_GATEWAY) == [GATEWAY_2]
    assert _default(result, CONF_GATEWAY) == GATEWAY_2
    # another flow adds GATEWAY_2 while this form is open
    await setup_entry(hass, ekm_gateway=GATEWAY_2, ekm_meters=[], ekm_meter_info={})
    result = await hass.config_entries.flow.async_configure(flow_id, {CONF_GATEWAY: GATEWAY_2})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "ekm_all_gateways_configured"


async def test_gateway_added_meanwhile_is_refused(hass: HomeAssistant, sim: EkmSimulator) -> None:
    """A gateway added by another flow while the form was open is refused on its field."""
    flow_id = await _start(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_API_KEY: DEFAULT_KEY, CONF_API_TOKEN: DEFAULT_TOKEN}
    )
    assert _options(result, CONF_GATEWAY) == [GATEWAY, GATEWAY_2]
    await setup_entry(hass)
    result = await hass.config_entries.flow.async_configure(flow_id, {CONF_GATEWAY: GATEWAY})
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "ekm_gateway"
    assert result["errors"] == {CONF_GATEWAY: "ekm_gateway_configured"}
    assert _options(result, CONF_GATEWAY) == [GATEWAY_2]


async def test_second_gateway_offers_only_its_meters(
    hass: HomeAssistant, sim: EkmSimulator
) -> None:
    """Second gateway of one account: only its own meters, none another entry has."""
    first = await setup_entry(hass)
    flow_id = await _start(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_API_KEY: DEFAULT_KEY, CONF_API_TOKEN: DEFAULT_TOKEN}
    )
    result = await hass.config_entries.flow.async_configure(flow_id, {CONF_GATEWAY: GATEWAY_2})
    assert [o["value"] for o in _options(result, CONF_METERS)] == ["000000010388"]
    assert _default(result, CONF_METERS) == ["000000010388"]
    # the first entry takes the meter while this form is open: it is dropped
    hass.config_entries.async_update_entry(
        first, data={**first.data, CONF_METERS: [*METERS, "000000010388"]}
    )
    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_METERS: ["000000010388"]}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_METERS] == []


async def test_meters_of_other_entries_not_offered(hass: HomeAssistant, sim: EkmSimulator) -> None:
    """A meter of this gateway that another entry reads is neither offered nor preselected."""
    await setup_entry(hass, ekm_gateway=GATEWAY_2, ekm_meters=["000300000002"], ekm_meter_info={})
    flow_id = await _start(hass)
    await hass.config_entries.flow.async_configure(
        flow_id, {CONF_API_KEY: DEFAULT_KEY, CONF_API_TOKEN: DEFAULT_TOKEN}
    )
    result = await hass.config_entries.flow.async_configure(flow_id, {CONF_GATEWAY: GATEWAY})
    assert [o["value"] for o in _options(result, CONF_METERS)] == ["000300000001", "000000000099"]
    assert _default(result, CONF_METERS) == ["000300000001", "000000000099"]


async def test_every_gateway_configured_aborts(hass: HomeAssistant, sim: EkmSimulator) -> None:
    """With every gateway of the account added, the flow says so."""
    await setup_entry(hass)
    await setup_entry(hass, ekm_gateway=GATEWAY_2, ekm_meters=["000000010388"], ekm_meter_info={})
    flow_id = await _start(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_API_KEY: DEFAULT_KEY, CONF_API_TOKEN: DEFAULT_TOKEN}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "ekm_all_gateways_configured"


async def test_reauth(hass: HomeAssistant, sim: EkmSimulator) -> None:
    """A replaced token is entered again; the rest of the entry is kept."""
    entry = await setup_entry(hass)
    sim.tokens["new-token"] = sim.tokens.pop(DEFAULT_TOKEN)
    result = await entry.start_reauth_flow(hass)
    assert result["step_id"] == "reauth_confirm"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_API_KEY: DEFAULT_KEY, CONF_API_TOKEN: "still-wrong"}
    )
    assert result["errors"] == {"base": "ekm_invalid_token"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_API_KEY: DEFAULT_KEY, CONF_API_TOKEN: "new-token"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert entry.data == entry_data(api_token="new-token")


async def test_reconfigure_gateway_gone(hass: HomeAssistant, sim: EkmSimulator) -> None:
    """Reconfigure with a key that no longer sees the gateway is refused; data stays."""
    entry = await setup_entry(hass)
    result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_API_KEY: GATEWAY_KEY.replace("R1", "R2"), CONF_API_TOKEN: ""}
    )
    assert result["errors"] == {"base": "ekm_invalid_key"}
    sim.accounts["acct1"].remove(GATEWAY)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_API_KEY: DEFAULT_KEY, CONF_API_TOKEN: ""}
    )
    assert result["errors"] == {"base": "ekm_unknown_gateway"}
    assert entry.data == entry_data()
    sim.accounts["acct1"].append(GATEWAY)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_API_KEY: GATEWAY_KEY, CONF_API_TOKEN: ""}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert entry.data == entry_data(api_key=GATEWAY_KEY)


async def test_flow_meter_without_reads(hass: HomeAssistant, sim: EkmSimulator) -> None:
    """A meter the cloud has no read for is still offered (without protocol) and set up."""
    flow_id = await _start(hass)
    sim.canned[("GET", "/readMeter")] = (200, '{"readMeter": {"ReadSet": []}}')
    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_API_KEY: DEFAULT_KEY, CONF_API_TOKEN: DEFAULT_TOKEN}
    )
    result = await hass.config_entries.flow.async_configure(flow_id, {CONF_GATEWAY: GATEWAY})
    # meters without a read (gateway unknown) are offered, but not preselected
    assert _default(result, CONF_METERS) == []
    meters = next(v for k, v in result["data_schema"].schema.items() if str(k) == CONF_METERS)
    assert meters.config["options"][0] == {"value": "000300000001", "label": "000300000001"}
    del sim.canned[("GET", "/readMeter")]
    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_METERS: ["000300000001"]}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"]["ekm_meter_info"] == {"000300000001": {"protocol": None, "gateway": None}}
    await hass.async_block_till_done()
    # the first poll tells protocol and gateway: relays are offered
    ent_reg = er.async_get(hass)
    assert ent_reg.async_get_entity_id("switch", DOMAIN, f"ekm_{GATEWAY}_000300000001_relay_1")


async def test_typo_keeps_key_and_token(hass: HomeAssistant, sim: EkmSimulator) -> None:
    """One typo does not wipe key and token: the form keeps what was typed."""
    flow_id = await _start(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_API_KEY: "typo", CONF_API_TOKEN: DEFAULT_TOKEN}
    )
    assert result["errors"] == {"base": "ekm_invalid_key"}
    suggested = {
        str(marker): (marker.description or {}).get("suggested_value")
        for marker in result["data_schema"].schema
    }
    assert suggested == {CONF_API_KEY: "typo", CONF_API_TOKEN: DEFAULT_TOKEN}


async def test_service_unavailable_is_said(hass: HomeAssistant, sim: EkmSimulator) -> None:
    """EKM Push answering 503 is worded as 'service unavailable'."""
    flow_id = await _start(hass)
    sim.faults.status = 503
    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_API_KEY: DEFAULT_KEY, CONF_API_TOKEN: DEFAULT_TOKEN}
    )
    assert result["errors"] == {"base": "service_unavailable"}
