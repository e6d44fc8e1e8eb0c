"""The host field of every vendor's form: one shared validation, a translated error (#14.10).

Addresses that are no host (user info, paths, control characters, other schemes, shell
metacharacters, broken IPv6 literals) are refused with ``invalid_host`` before anything is
sent, never with ``unknown`` and a traceback; IPv6 literals, with or without brackets, pass.
"""

from __future__ import annotations

import logging
from typing import Any

from homeassistant.config_entries import SOURCE_USER
from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_USERNAME
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
import pytest
import pytest_socket

from custom_components.energy_hub.const import CONF_VERIFY_SSL, DOMAIN
from simulators.base import Simulator
from simulators.egauge import EgaugeSimulator
from simulators.ems import EmsSimulator
from simulators.goe import GoeSimulator

#: What a user (or a paste) may put into the host field that is not an address.
BAD_HOSTS = [
    "javascript:alert(1)",
    "javascript://alert(1)",
    "ftp://device",
    "device\r\nX-Injected: 1",
    "dev\nice",
    "10.0.0.1\r\nHost: evil",
    "http://device\r/",
    "host;cmd",
    "host;reboot",
    "$(reboot)",
    "`id`",
    "host|cat",
    "host&cmd",
    "http://a@host",
    "http://user:password@host",
    "user@host",
    "http://host/some/path",
    "host/admin",
    "http://host/?x=1",
    "http://host#frag",
    "http://[::1",
    "[::1]x",
    "[not:v6]",
    "::g",
    "http://host:0",
    "http://host:70000",
    "http://host:port",
    "ho st",
    "",
]

#: (vendor step, the other fields of its form)
FORMS: dict[str, dict[str, Any]] = {
    "egauge": {CONF_USERNAME: "owner", CONF_PASSWORD: "secret", CONF_VERIFY_SSL: True},
    "ems": {CONF_USERNAME: "admin", CONF_PASSWORD: "s3cret!", CONF_VERIFY_SSL: True},
    "goe_local": {},
}


@pytest.fixture
def ipv6_loopback(socket_enabled: None) -> None:
    """Let the test connect to ``::1`` too (Home Assistant's test setup allows 127.0.0.1 only)."""
    pytest_socket.socket_allow_hosts(["127.0.0.1", "::1"])


async def _open_form(hass: HomeAssistant, step: str) -> str:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    if step.startswith("goe_"):
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {"next_step_id": "goe"}
        )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": step}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == step
    return str(result["flow_id"])


@pytest.mark.parametrize("step", sorted(FORMS))
async def test_bad_hosts_are_invalid_host(
    hass: HomeAssistant, step: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Every bad address: the translated invalid_host on the host field, nothing logged."""
    flow_id = await _open_form(hass, step)
    for host in BAD_HOSTS:
        result = await hass.config_entries.flow.async_configure(
            flow_id, {CONF_HOST: host, **FORMS[step]}
        )
        assert result["type"] is FlowResultType.FORM, host
        assert result["errors"] == {CONF_HOST: "invalid_host"}, repr(host)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert "Traceback" not in caplog.text


@pytest.mark.parametrize("step", sorted(FORMS))
async def test_ipv6_literal_without_a_device_is_a_connection_error(
    hass: HomeAssistant, step: str, ipv6_loopback: None
) -> None:
    """``::1`` and ``[::1]`` are addresses: accepted, then nothing answers on that port."""
    flow_id = await _open_form(hass, step)
    for host in ("http://[::1]:9", "[::1]:9", "http://[::1]:9/"):
        result = await hass.config_entries.flow.async_configure(
            flow_id, {CONF_HOST: host, **FORMS[step]}
        )
        assert result["errors"] == {CONF_HOST: "cannot_connect"}, host
    # a bare literal (default port): accepted as an address, whatever answers there
    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_HOST: "::1", **FORMS[step]}
    )
    assert result["type"] is FlowResultType.FORM
    assert set(result["errors"].values()).isdisjoint({"invalid_host", "unknown"})


def _simulator(step: str) -> Simulator:
    return {"egauge": EgaugeSimulator, "ems": EmsSimulator, "goe_local": GoeSimulator}[step]()


@pytest.mark.parametrize("step", sorted(FORMS))
@pytest.mark.parametrize("bracketed", [True, False])
async def test_ipv6_literal_reaches_the_device(
    hass: HomeAssistant, step: str, bracketed: bool, ipv6_loopback: None
) -> None:
    """A device on ``::1``: an IPv6 literal (bracketed with a port) creates the entry."""
    sim = _simulator(step)
    await sim.start("::1", 0)
    try:
        flow_id = await _open_form(hass, step)
        host = f"http://[::1]:{sim.port}" if bracketed else f"[::1]:{sim.port}"
        if step == "ems" and not bracketed:
            host = f"http://{host}"  # a bare EMS address means https
        result = await hass.config_entries.flow.async_configure(
            flow_id, {CONF_HOST: host, **FORMS[step]}
        )
        assert result["type"] is FlowResultType.CREATE_ENTRY, result.get("errors")
        assert result["data"][CONF_HOST] == f"http://[::1]:{sim.port}"
        await hass.async_block_till_done()
        assert await hass.config_entries.async_unload(result["result"].entry_id)
    finally:
        await sim.stop()
