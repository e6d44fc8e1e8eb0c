"""Trigger management actions: create, update, delete and list the gateway's triggers.

The outer schemas only check the shape; the trigger itself is checked here against
schemas mirroring the Trigger JSON, so invalid input is refused with a translated
message before any request is made.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
import json
from typing import Any, cast

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant, ServiceCall, ServiceResponse, SupportsResponse
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import config_validation as cv
from homeassistant.util.json import JsonValueType
import voluptuous as vol

from ...api.ekm import CONDITION_SOURCES, RELAY_STATUSES, RELAYS, THRESHOLD_TESTS, rrule_error
from ...api.errors import EnergyHubApiError
from ...const import CONF_VENDOR, DOMAIN
from ...contract import EnergyHubConfigEntry
from .const import VENDOR_KEY
from .coordinator import EkmCoordinator, is_relay_command
from .entities import ekm_coordinator, raise_api_error

SERVICE_CREATE = "create_trigger"
SERVICE_UPDATE = "update_trigger"
SERVICE_DELETE = "delete_trigger"
SERVICE_LIST = "list_triggers"

ATTR_CONFIG_ENTRY_ID = "config_entry_id"
ATTR_TRIGGER_UUID = "trigger_uuid"

_NUMBER = vol.All(vol.Coerce(float), vol.Range(min=0))
_TEXT = vol.All(cv.string, vol.Length(min=1))

DATA_CONDITION = vol.Schema(
    {
        vol.Required("type"): "data",
        vol.Required("source"): vol.In(CONDITION_SOURCES),
        vol.Required("source_id"): _TEXT,
        vol.Required("field"): _TEXT,
        vol.Required("threshold_value"): vol.Coerce(float),
        vol.Required("threshold_test"): vol.In(THRESHOLD_TESTS),
        vol.Optional("duration"): _NUMBER,
        vol.Optional("hysteresis"): _NUMBER,
        vol.Optional("continuous"): cv.boolean,
        vol.Optional("tolerance"): _NUMBER,
    }
)
RRULE_CONDITION = vol.Schema({vol.Required("type"): "rrule", vol.Required("rrule"): _TEXT})
SET_RELAY_ACTION = vol.Schema(
    {
        vol.Required("command"): "setRelay",
        vol.Required("target"): "meter",
        vol.Required("target_id"): _TEXT,
        vol.Required("params"): vol.Schema(
            {
                vol.Required("relay"): vol.In(RELAYS),
                vol.Required("status"): vol.In(RELAY_STATUSES),
                vol.Optional("duration", default=0): vol.All(
                    vol.Coerce(int), vol.Range(min=0, max=9999)
                ),
            }
        ),
    }
)
SEND_EMAIL_ACTION = vol.Schema(
    {vol.Required("command"): "sendEmail", vol.Optional("target", default="gateway"): "gateway"}
)

_ENTRY = {vol.Required(ATTR_CONFIG_ENTRY_ID): cv.string}
# items are checked in the handler, so a wrong item gets a translated message
_ITEMS = cv.ensure_list
CREATE_SCHEMA = vol.Schema(
    {
        **_ENTRY,
        vol.Required("trigger_name"): cv.string,
        vol.Optional("enabled", default=True): cv.boolean,
        vol.Required("conditions"): _ITEMS,
        vol.Required("actions"): _ITEMS,
    }
)
UPDATE_SCHEMA = vol.Schema(
    {
        **_ENTRY,
        vol.Required(ATTR_TRIGGER_UUID): cv.string,
        vol.Optional("trigger_name"): cv.string,
        vol.Optional("enabled"): cv.boolean,
        vol.Optional("conditions"): _ITEMS,
        vol.Optional("actions"): _ITEMS,
    }
)
DELETE_SCHEMA = vol.Schema({**_ENTRY, vol.Required(ATTR_TRIGGER_UUID): cv.string})
LIST_SCHEMA = vol.Schema(_ENTRY)


def _invalid(key: str, **placeholders: Any) -> ServiceValidationError:
    return ServiceValidationError(
        translation_domain=DOMAIN,
        translation_key=key,
        translation_placeholders={k: str(v) for k, v in placeholders.items()},
    )


def _validate_items(
    items: list[Any], what: str, schema_of: Callable[[int, dict[str, Any]], vol.Schema]
) -> list[dict[str, Any]]:
    """Each of the trigger's ``what`` items (conditions, actions) checked by its schema.

    ``schema_of(index, item)`` picks the schema (it may adjust the item, or raise an
    error of its own); ServiceValidationError for an item that fails.
    """
    if not items:
        raise _invalid("ekm_invalid_trigger", error=f"at least one {what} is required")
    result = []
    for index, raw in enumerate(items, start=1):
        if not isinstance(raw, dict):
            raise _invalid(f"ekm_invalid_{what}", index=index, error="expected an object")
        item = dict(raw)
        schema = schema_of(index, item)
        try:
            result.append(schema(item))
        except vol.Invalid as err:
            raise _invalid(f"ekm_invalid_{what}", index=index, error=str(err)) from err
    return result


def validate_conditions(conditions: list[Any]) -> list[dict[str, Any]]:
    """The conditions as the Trigger API wants them; ServiceValidationError otherwise."""

    def schema_of(index: int, condition: dict[str, Any]) -> vol.Schema:
        if "type" not in condition and "condition_type" in condition:
            condition["type"] = condition.pop("condition_type")
        kind = condition.get("type")
        if kind == "rrule":
            error = rrule_error(condition.get("rrule"))
            if error:
                raise _invalid("ekm_invalid_rrule", index=index, error=error)
            return RRULE_CONDITION
        if kind == "data":
            test = condition.get("threshold_test")
            if test not in THRESHOLD_TESTS:
                raise _invalid(
                    "ekm_invalid_threshold_test",
                    index=index,
                    test=test,
                    allowed=", ".join(THRESHOLD_TESTS),
                )
            return DATA_CONDITION
        raise _invalid("ekm_invalid_condition_type", index=index, type=kind)

    return _validate_items(conditions, "condition", schema_of)


def validate_actions(
    actions: list[Any], conditions: list[dict[str, Any]] | None
) -> list[dict[str, Any]]:
    """The actions as the Trigger API wants them; ServiceValidationError otherwise.

    ``conditions`` (when known) decide whether sendEmail is allowed: only with data
    conditions.
    """

    def schema_of(index: int, action: dict[str, Any]) -> vol.Schema:
        command = action.get("command")
        if command == "setRelay":
            if not action.get("target_id"):
                raise _invalid("ekm_missing_target_id", index=index)
            return SET_RELAY_ACTION
        if command == "sendEmail":
            if conditions is not None and any(c.get("type") != "data" for c in conditions):
                raise _invalid("ekm_email_needs_data_condition", index=index)
            return SEND_EMAIL_ACTION
        raise _invalid("ekm_invalid_command", index=index, command=command)

    return _validate_items(actions, "action", schema_of)


def _coordinator(hass: HomeAssistant, call: ServiceCall) -> EkmCoordinator:
    entry_id = call.data[ATTR_CONFIG_ENTRY_ID]
    entry: EnergyHubConfigEntry | None = hass.config_entries.async_get_entry(entry_id)
    if entry is not None and (entry.domain != DOMAIN or entry.data.get(CONF_VENDOR) != VENDOR_KEY):
        # the picker can only filter by integration: eGauge, EMS and go-e entries show too
        raise _invalid("ekm_not_ekm_entry", entry=entry.title)
    if entry is None or entry.state is not ConfigEntryState.LOADED:
        raise _invalid("ekm_entry_not_loaded", entry=entry_id)
    return ekm_coordinator(entry)


async def _async_store(
    call: ServiceCall, coordinator: EkmCoordinator, request: Awaitable[dict[str, Any]]
) -> ServiceResponse:
    """Send a created or changed trigger; show it at once (its switch appears or changes).

    The trigger as the gateway stored it is the response, when one is asked for.
    """
    try:
        trigger = await request
    except EnergyHubApiError as err:
        raise_api_error(coordinator.config_entry, err)
    if not is_relay_command(trigger):
        coordinator.data.triggers[trigger["trigger_uuid"]] = trigger
        coordinator.async_update_listeners()
    return {"trigger": trigger} if call.return_response else None


async def _create(call: ServiceCall) -> ServiceResponse:
    coordinator = _coordinator(call.hass, call)
    if not call.data["trigger_name"].strip():
        raise _invalid("ekm_invalid_trigger", error="the name is empty")
    conditions = validate_conditions(call.data["conditions"])
    trigger = {
        "trigger_name": call.data["trigger_name"],
        "enabled": call.data["enabled"],
        "conditions": conditions,
        "actions": validate_actions(call.data["actions"], conditions),
    }
    return await _async_store(
        call, coordinator, coordinator.client.create_trigger(coordinator.gateway, trigger)
    )


async def _update(call: ServiceCall) -> ServiceResponse:
    coordinator = _coordinator(call.hass, call)
    uid = call.data[ATTR_TRIGGER_UUID]
    changes: dict[str, Any] = {
        key: call.data[key] for key in ("trigger_name", "enabled") if key in call.data
    }
    conditions: list[dict[str, Any]] | None = None
    known = coordinator.data.triggers.get(uid)
    if "conditions" in call.data:
        conditions = changes["conditions"] = validate_conditions(call.data["conditions"])
    elif known is not None:
        conditions = [
            {**c, "type": c.get("type", c.get("condition_type"))} for c in known["conditions"]
        ]
    if "actions" in call.data:
        changes["actions"] = validate_actions(call.data["actions"], conditions)
    elif "conditions" in call.data and known is not None:
        # new time conditions would leave a stored email action invalid
        for index, action in enumerate(known["actions"], start=1):
            if action.get("command") == "sendEmail" and any(
                c["type"] != "data" for c in changes["conditions"]
            ):
                raise _invalid("ekm_email_needs_data_condition", index=index)
    return await _async_store(call, coordinator, coordinator.client.update_trigger(uid, changes))


async def _delete(call: ServiceCall) -> None:
    coordinator = _coordinator(call.hass, call)
    uid = call.data[ATTR_TRIGGER_UUID]
    try:
        await coordinator.client.delete_trigger(uid)
    except EnergyHubApiError as err:
        raise_api_error(coordinator.config_entry, err)
    coordinator.data.triggers.pop(uid, None)
    coordinator.async_update_listeners()


async def _list(call: ServiceCall) -> ServiceResponse:
    coordinator = _coordinator(call.hass, call)
    try:
        triggers = await coordinator.client.list_triggers(coordinator.gateway)
    except EnergyHubApiError as err:
        raise_api_error(coordinator.config_entry, err)
    return {"triggers": cast("list[JsonValueType]", triggers)}


#: Examples shown in the conditions and actions field descriptions (JSON braces cannot
#: be written in a translation, so they come in as placeholders).
FIELD_EXAMPLES = {
    "condition_example": json.dumps(
        [
            {
                "type": "data",
                "source": "meter",
                "source_id": "000300000001",
                "field": "kWh_Tot",
                "threshold_test": "rise_gt",
                "threshold_value": 1000,
            }
        ]
    ),
    "action_example": json.dumps(
        [
            {
                "command": "setRelay",
                "target": "meter",
                "target_id": "000300000001",
                "params": {"relay": "relay_1", "status": "close", "duration": 0},
            }
        ]
    ),
}


def async_register_services(hass: HomeAssistant) -> None:
    """Register the trigger actions."""
    # the two actions taking a whole trigger: their fields describe it with examples
    for service, handler, schema in (
        (SERVICE_CREATE, _create, CREATE_SCHEMA),
        (SERVICE_UPDATE, _update, UPDATE_SCHEMA),
    ):
        hass.services.async_register(
            DOMAIN,
            service,
            handler,
            schema,
            supports_response=SupportsResponse.OPTIONAL,
            description_placeholders=FIELD_EXAMPLES,
        )
    hass.services.async_register(DOMAIN, SERVICE_DELETE, _delete, DELETE_SCHEMA)
    hass.services.async_register(
        DOMAIN, SERVICE_LIST, _list, LIST_SCHEMA, supports_response=SupportsResponse.ONLY
    )
