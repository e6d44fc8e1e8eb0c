"""The trigger actions: create, update, delete, list; invalid input and API refusals."""

from __future__ import annotations

import json
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.service import async_get_all_descriptions
from homeassistant.helpers.translation import async_get_translations
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.energy_hub.api.ekm import THRESHOLD_TESTS
from custom_components.energy_hub.const import DOMAIN
from simulators.ekm import GATEWAY, EkmSimulator

from .conftest import setup_entry

M1 = "000300000001"

DATA_CONDITION: dict[str, Any] = {
    "type": "data",
    "source": "meter",
    "source_id": M1,
    "field": "kWh_Tot",
    "threshold_value": 1000,
    "threshold_test": "rise_gt",
    "duration": 30,
    "hysteresis": 60,
    "continuous": False,
    "tolerance": 0.001,
}
RRULE_CONDITION = {
    "type": "rrule",
    "rrule": "DTSTART:20210702T173200\nRRULE:FREQ=DAILY;BYHOUR=0;BYMINUTE=35;BYSECOND=0",
}
SET_RELAY = {
    "command": "setRelay",
    "target": "meter",
    "target_id": M1,
    "params": {"relay": "relay_2", "status": "open", "duration": 5},
}
SEND_EMAIL = {"command": "sendEmail", "target": "gateway"}


async def _call(
    hass: HomeAssistant, service: str, data: dict[str, Any], *, response: bool = False
) -> Any:
    return await hass.services.async_call(
        DOMAIN, service, data, blocking=True, return_response=response
    )


async def test_create_update_delete_list(hass: HomeAssistant, sim: EkmSimulator) -> None:
    """The full life cycle through the actions; the trigger switch follows at once."""
    entry = await setup_entry(hass)
    ent_reg = er.async_get(hass)
    created = await _call(
        hass,
        "create_trigger",
        {
            "config_entry_id": entry.entry_id,
            "trigger_name": "Open relay 2 above 1000 kWh",
            "conditions": [DATA_CONDITION],
            "actions": [SET_RELAY, SEND_EMAIL],
        },
        response=True,
    )
    trigger = created["trigger"]
    uid = trigger["trigger_uuid"]
    stored = sim.triggers[uid]
    assert stored.gateway == GATEWAY
    assert stored.data["conditions"] == [{**DATA_CONDITION, "threshold_value": 1000.0}]
    assert stored.data["actions"] == [SET_RELAY, SEND_EMAIL]
    assert stored.data["enabled"] is True
    unique_id = f"ekm_{GATEWAY}_trigger_{uid}"
    switch = ent_reg.async_get_entity_id("switch", DOMAIN, unique_id)
    assert switch is not None
    assert hass.states.get(switch).state == "on"

    listed = await _call(hass, "list_triggers", {"config_entry_id": entry.entry_id}, response=True)
    assert [t["trigger_uuid"] for t in listed["triggers"]] == [uid]

    updated = await _call(
        hass,
        "update_trigger",
        {
            "config_entry_id": entry.entry_id,
            "trigger_uuid": uid,
            "trigger_name": "Renamed",
            "enabled": False,
        },
        response=True,
    )
    assert updated["trigger"]["trigger_name"] == "Renamed"
    assert sim.triggers[uid].data["enabled"] is False
    assert sim.triggers[uid].data["actions"] == [SET_RELAY, SEND_EMAIL]
    assert hass.states.get(switch).state == "off"

    # new conditions and actions (RRULE + relay; the RRULE fires only at 00:35 UTC)
    await _call(
        hass,
        "update_trigger",
        {
            "config_entry_id": entry.entry_id,
            "trigger_uuid": uid,
            "conditions": [{"condition_type": "rrule", "rrule": RRULE_CONDITION["rrule"]}],
            "actions": [SET_RELAY],
        },
    )
    assert sim.triggers[uid].data["conditions"] == [RRULE_CONDITION]

    await _call(hass, "delete_trigger", {"config_entry_id": entry.entry_id, "trigger_uuid": uid})
    assert sim.triggers == {}
    assert ent_reg.async_get_entity_id("switch", DOMAIN, unique_id) is None
    listed = await _call(hass, "list_triggers", {"config_entry_id": entry.entry_id}, response=True)
    assert listed == {"triggers": []}


async def test_every_threshold_test_is_accepted(hass: HomeAssistant, sim: EkmSimulator) -> None:
    """The document's tests and the rise_* forms all reach the API."""
    entry = await setup_entry(hass)
    for test in THRESHOLD_TESTS:
        await _call(
            hass,
            "create_trigger",
            {
                "config_entry_id": entry.entry_id,
                "trigger_name": f"test {test}",
                "enabled": False,
                "conditions": [{**DATA_CONDITION, "threshold_test": test}],
                "actions": SEND_EMAIL,
            },
        )
    assert sorted(t.data["conditions"][0]["threshold_test"] for t in sim.triggers.values()) == (
        sorted(THRESHOLD_TESTS)
    )
    assert all(t.data["enabled"] is False for t in sim.triggers.values())


@pytest.mark.parametrize(
    ("conditions", "actions", "key"),
    [
        (
            [{**DATA_CONDITION, "threshold_test": "about"}],
            [SET_RELAY],
            "ekm_invalid_threshold_test",
        ),
        ([RRULE_CONDITION], [SEND_EMAIL], "ekm_email_needs_data_condition"),
        ([DATA_CONDITION, RRULE_CONDITION], [SEND_EMAIL], "ekm_email_needs_data_condition"),
        (
            [DATA_CONDITION],
            [{k: v for k, v in SET_RELAY.items() if k != "target_id"}],
            "ekm_missing_target_id",
        ),
        ([{"type": "rrule", "rrule": "every day at noon"}], [SET_RELAY], "ekm_invalid_rrule"),
        (
            [{"type": "rrule", "rrule": "RRULE:FREQ=DAILY;BYHOUR=25"}],
            [SET_RELAY],
            "ekm_invalid_rrule",
        ),
        ([{"type": "weather"}], [SET_RELAY], "ekm_invalid_condition_type"),
        ([{**DATA_CONDITION, "source": "moon"}], [SET_RELAY], "ekm_invalid_condition"),
        ([{**DATA_CONDITION, "hysteresis": -5}], [SET_RELAY], "ekm_invalid_condition"),
        ([{**DATA_CONDITION, "threshold_value": "lots"}], [SET_RELAY], "ekm_invalid_condition"),
        ([{**DATA_CONDITION, "colour": "red"}], [SET_RELAY], "ekm_invalid_condition"),
        ([DATA_CONDITION], [{"command": "reboot"}], "ekm_invalid_command"),
        (
            [DATA_CONDITION],
            [{**SET_RELAY, "params": {"relay": "relay_3", "status": "open"}}],
            "ekm_invalid_action",
        ),
        (
            [DATA_CONDITION],
            [{**SET_RELAY, "params": {"relay": "relay_1", "status": "open", "duration": 10000}}],
            "ekm_invalid_action",
        ),
        ([], [SET_RELAY], "ekm_invalid_trigger"),
        ([DATA_CONDITION], [], "ekm_invalid_trigger"),
    ],
)
async def test_invalid_input_refused_before_any_request(
    hass: HomeAssistant,
    sim: EkmSimulator,
    conditions: list[dict[str, Any]],
    actions: list[dict[str, Any]],
    key: str,
) -> None:
    """Invalid triggers raise a translated ServiceValidationError; nothing is sent."""
    entry = await setup_entry(hass)
    sim.clear_log()
    with pytest.raises(ServiceValidationError) as err:
        await _call(
            hass,
            "create_trigger",
            {
                "config_entry_id": entry.entry_id,
                "trigger_name": "bad",
                "conditions": conditions,
                "actions": actions,
            },
        )
    assert err.value.translation_domain == DOMAIN
    assert err.value.translation_key == key
    # the message is the translated text, not a stack trace or a key
    assert key not in str(err.value)
    assert str(err.value)
    assert sim.requests("/api/trigger", "POST") == []
    assert sim.triggers == {}


async def test_update_checks_email_against_stored_conditions(
    hass: HomeAssistant, sim: EkmSimulator
) -> None:
    """A sendEmail action added to an RRULE trigger is refused before the request."""
    uid = sim.add_trigger(
        {"trigger_name": "timer", "conditions": [RRULE_CONDITION], "actions": [SET_RELAY]}
    )
    entry = await setup_entry(hass)
    sim.clear_log()
    with pytest.raises(ServiceValidationError) as err:
        await _call(
            hass,
            "update_trigger",
            {"config_entry_id": entry.entry_id, "trigger_uuid": uid, "actions": [SEND_EMAIL]},
        )
    assert err.value.translation_key == "ekm_email_needs_data_condition"
    assert sim.log == []


async def test_api_400_reaches_the_user(hass: HomeAssistant, sim: EkmSimulator) -> None:
    """Refusals by EKM Push are shown with the API's own text."""
    entry = await setup_entry(hass)
    # the meter exists but is on another gateway: only the API can tell
    with pytest.raises(HomeAssistantError) as err:
        await _call(
            hass,
            "create_trigger",
            {
                "config_entry_id": entry.entry_id,
                "trigger_name": "foreign meter",
                "conditions": [DATA_CONDITION],
                "actions": [{**SET_RELAY, "target_id": "000000010388"}],
            },
        )
    assert err.value.translation_key == "ekm_trigger_refused"
    assert err.value.translation_placeholders == {"error": "Invalid target_id: 000000010388"}
    assert str(err.value) == "EKM Push refused the trigger: Invalid target_id: 000000010388"
    uid = sim.add_trigger(
        {"trigger_name": "x", "conditions": [DATA_CONDITION], "actions": [SET_RELAY]}
    )
    with pytest.raises(HomeAssistantError) as err:
        await _call(
            hass,
            "update_trigger",
            {
                "config_entry_id": entry.entry_id,
                "trigger_uuid": uid,
                "conditions": [{**DATA_CONDITION, "source_id": "000000000123"}],
            },
        )
    assert "unknown meter 000000000123" in str(err.value)
    assert sim.triggers[uid].data["conditions"] == [DATA_CONDITION]


async def test_unknown_trigger_and_entry(hass: HomeAssistant, sim: EkmSimulator) -> None:
    """Unknown uuids and entries are clear validation errors."""
    entry = await setup_entry(hass)
    for service, data in (
        ("update_trigger", {"trigger_uuid": "0" * 32, "trigger_name": "x"}),
        ("delete_trigger", {"trigger_uuid": "0" * 32}),
    ):
        with pytest.raises(ServiceValidationError) as err:
            await _call(hass, service, {"config_entry_id": entry.entry_id, **data})
        assert err.value.translation_key == "ekm_trigger_not_found"
        assert "not found" in str(err.value)
    with pytest.raises(ServiceValidationError) as err:
        await _call(hass, "list_triggers", {"config_entry_id": "nope"}, response=True)
    assert err.value.translation_key == "ekm_entry_not_loaded"
    # the entry picker also lists other vendors' entries: refused with a clear message
    other = MockConfigEntry(domain=DOMAIN, title="eGauge meter", data={"vendor": "egauge"})
    other.add_to_hass(hass)
    with pytest.raises(ServiceValidationError) as err:
        await _call(hass, "list_triggers", {"config_entry_id": other.entry_id}, response=True)
    assert err.value.translation_key == "ekm_not_ekm_entry"
    assert err.value.translation_placeholders == {"entry": "eGauge meter"}
    await hass.config_entries.async_unload(entry.entry_id)
    with pytest.raises(ServiceValidationError):
        await _call(hass, "list_triggers", {"config_entry_id": entry.entry_id}, response=True)


async def test_cloud_errors_in_actions(hass: HomeAssistant, sim: EkmSimulator) -> None:
    """Connection problems and unreadable replies are translated errors."""
    entry = await setup_entry(hass)
    sim.faults.close_connection = True
    with pytest.raises(HomeAssistantError) as err:
        await _call(hass, "list_triggers", {"config_entry_id": entry.entry_id}, response=True)
    assert err.value.translation_key == "communication_error"
    sim.faults.reset()
    sim.faults.status = 502
    with pytest.raises(HomeAssistantError) as err:
        await _call(hass, "list_triggers", {"config_entry_id": entry.entry_id}, response=True)
    assert err.value.translation_key == "invalid_response"


@pytest.mark.parametrize(
    ("changes", "key"),
    [
        ({"trigger_name": "  "}, "ekm_invalid_trigger"),
        ({"conditions": ["kWh_Tot > 5"]}, "ekm_invalid_condition"),
        ({"actions": "setRelay"}, "ekm_invalid_action"),
    ],
)
async def test_malformed_fields_are_translated(
    hass: HomeAssistant, sim: EkmSimulator, changes: dict[str, Any], key: str
) -> None:
    """Items that are not objects and empty names get translated messages too."""
    entry = await setup_entry(hass)
    data = {
        "config_entry_id": entry.entry_id,
        "trigger_name": "x",
        "conditions": [DATA_CONDITION],
        "actions": [SET_RELAY],
        **changes,
    }
    with pytest.raises(ServiceValidationError) as err:
        await _call(hass, "create_trigger", data)
    assert err.value.translation_key == key
    assert sim.triggers == {}


async def test_update_conditions_check_stored_email_action(
    hass: HomeAssistant, sim: EkmSimulator
) -> None:
    """Replacing the conditions of an email trigger by a time rule is refused up front."""
    uid = sim.add_trigger(
        {"trigger_name": "mail", "conditions": [DATA_CONDITION], "actions": [SET_RELAY, SEND_EMAIL]}
    )
    entry = await setup_entry(hass)
    sim.clear_log()
    with pytest.raises(ServiceValidationError) as err:
        await _call(
            hass,
            "update_trigger",
            {
                "config_entry_id": entry.entry_id,
                "trigger_uuid": uid,
                "conditions": [RRULE_CONDITION],
            },
        )
    assert err.value.translation_key == "ekm_email_needs_data_condition"
    assert err.value.translation_placeholders == {"index": "2"}
    assert sim.log == []
    # data conditions are fine
    await _call(
        hass,
        "update_trigger",
        {
            "config_entry_id": entry.entry_id,
            "trigger_uuid": uid,
            "conditions": [{**DATA_CONDITION, "threshold_test": "<"}],
        },
    )
    assert sim.triggers[uid].data["conditions"][0]["threshold_test"] == "<"


async def test_trigger_fields_show_examples(hass: HomeAssistant, sim: EkmSimulator) -> None:
    """The conditions and actions fields of the trigger actions come with an example."""
    await setup_entry(hass)
    descriptions = await async_get_all_descriptions(hass)
    for service in ("create_trigger", "update_trigger"):
        placeholders = descriptions[DOMAIN][service]["description_placeholders"]
        conditions = json.loads(placeholders["condition_example"])
        actions = json.loads(placeholders["action_example"])
        assert conditions[0]["type"] == "data"
        assert actions[0]["command"] == "setRelay"
    translations = await async_get_translations(hass, "en", "services", [DOMAIN])
    key = f"component.{DOMAIN}.services.create_trigger.fields.conditions.description"
    assert "{condition_example}" in translations[key]
