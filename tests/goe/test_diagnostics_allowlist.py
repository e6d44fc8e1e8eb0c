"""go-e diagnostics by allow-list: unasked keys and the local host never leak (issue 14 #9)."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from simulators.goe import GoeSimulator

from .conftest import local_data, setup_entry

SECRETS = {
    "data": "ws://ocpp.example/cp?password=ocpp-secret",
    "ocppck": "client-key-secret",
    "ocppu": "wss://user:ocpp-pass@ocpp.example",
    "mcu": "mqtt://mqttuser:mqtt-secret@broker",
    "pco": "pco-secret",
    "lri": "lri-secret",
    "zz_new_key": "never-seen-before-secret",
}


async def test_unasked_keys_and_host_are_redacted(
    hass: HomeAssistant, sim: GoeSimulator, hass_client: ClientSessionGenerator
) -> None:
    """Keys the charger sends unasked are redacted; known status keys stay readable."""
    sim.unasked = dict(SECRETS)
    entry = await setup_entry(hass, local_data(sim))
    # a host typed with credentials (older versions accepted it) is not shown either
    hass.config_entries.async_update_entry(
        entry, data={**entry.data, "host": "http://admin:host-secret@192.0.2.7"}
    )
    diag = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    text = repr(diag)
    for secret in [*SECRETS.values(), "host-secret", "admin"]:
        assert secret not in text, secret
    status = diag["device"]["status"]
    # the unasked keys are listed (the user sees they exist), their values are not
    assert {key: status[key] for key in SECRETS} == dict.fromkeys(SECRETS, "**REDACTED**")
    assert status["amp"] == 16
    assert status["car"] == sim.state["car"]
    assert isinstance(status["nrg"], list)
    assert diag["entry"]["data"]["host"] == "**REDACTED**"
    assert diag["entry"]["data"]["goe_mode"] == "local"
    assert diag["entry"]["data"]["vendor"] == "goe"
