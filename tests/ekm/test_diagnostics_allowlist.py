"""EKM diagnostics by allow-list: unknown trigger members are redacted (issue 14 #9)."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from simulators.ekm import EkmSimulator

from .conftest import setup_entry
from .test_client import relay_trigger


async def test_unknown_trigger_members_are_redacted(
    hass: HomeAssistant, sim: EkmSimulator, hass_client: ClientSessionGenerator
) -> None:
    """A trigger carrying members we do not know (a webhook secret) shows their names only."""
    trigger = relay_trigger()
    trigger["actions"][0]["params"]["auth"] = "action-secret-456"
    uid = sim.add_trigger(trigger)
    # the account answers with a member the document does not list
    sim.triggers[uid].data["webhook_secret"] = "hook-secret-123"
    entry = await setup_entry(hass)
    diag = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    text = repr(diag)
    assert "hook-secret-123" not in text
    assert "action-secret-456" not in text
    shown = diag["device"]["triggers"][0]
    assert shown["webhook_secret"] == "**REDACTED**"
    assert shown["actions"][0]["params"]["auth"] == "**REDACTED**"
    assert shown["trigger_name"] == "test"
    assert shown["actions"][0]["params"]["relay"] == "relay_1"
    assert shown["conditions"][0]["field"] == "kWh_Tot"
