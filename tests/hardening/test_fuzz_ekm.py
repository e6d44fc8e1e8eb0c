"""Property-based: any reply to the EKM client gives data or one of our errors."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
import math
from typing import Any

import aiohttp
from hypothesis import given, strategies as st
import pytest

from custom_components.energy_hub.api.ekm import (
    EkmClient,
    EkmReading,
    normalize_trigger,
    parse_read_set,
)
from custom_components.energy_hub.api.errors import EnergyHubApiError, EnergyHubResponseError
from simulators.ekm import DEFAULT_KEY, DEFAULT_TOKEN, GATEWAY, EkmSimulator

from ..conftest import StartSimulator
from .conftest import CASES
from .strategies import STATUSES, bodies, fuzz_settings, json_values, leaves

pytestmark = pytest.mark.filterwarnings("ignore:It looks like `register_random`")

FUZZ = fuzz_settings(120)
METERS = ["000300000001", "000300000002", "000000000099"]
KEYS = ["readMeter", "ReadSet", "ReadData", "Meter", "Good", "Time_Stamp_UTC_ms", "triggers"]
KEYS += ["trigger", "trigger_uuid", "conditions", "actions", "gateways", "meters", "error"]

reads = st.one_of(
    st.fixed_dictionaries(
        {
            "Good": st.one_of(st.just(1), leaves),
            "Time_Stamp_UTC_ms": st.one_of(leaves, st.integers(0, 2**62)),
        },
        optional={
            "kWh_Tot": leaves,
            "RMS_Watts_Tot": leaves,
            "State_Out": leaves,
            "Model": leaves,
            "Amps_Ln_1": leaves,
        },
    ),
    leaves,
)
read_sets = st.one_of(
    st.fixed_dictionaries(
        {
            "Meter": st.one_of(st.sampled_from(METERS), leaves),
            "ReadData": st.one_of(st.lists(reads, max_size=3), leaves),
        },
        optional={"Protocol": leaves, "MAC_Addr": leaves},
    ),
    leaves,
)
triggers = st.one_of(
    st.fixed_dictionaries(
        {"trigger_uuid": st.one_of(st.just("t-1"), leaves)},
        optional={
            "trigger_name": leaves,
            "enabled": leaves,
            "conditions": st.one_of(st.lists(json_values(), max_size=3), leaves),
            "actions": st.one_of(st.lists(json_values(), max_size=3), leaves),
        },
    ),
    leaves,
)
documents = st.one_of(
    st.fixed_dictionaries({"readMeter": st.fixed_dictionaries({"ReadSet": st.lists(read_sets)})}),
    st.fixed_dictionaries({"triggers": st.one_of(st.lists(triggers, max_size=3), leaves)}),
    st.fixed_dictionaries({"trigger": triggers}),
    st.fixed_dictionaries(
        {},
        optional={
            "gateways": st.one_of(st.lists(leaves, max_size=3), leaves),
            "meters": st.one_of(st.lists(leaves, max_size=3), leaves),
            "key_type": leaves,
        },
    ),
    json_values(KEYS),
)


@pytest.fixture
async def sim(start_simulator: StartSimulator) -> EkmSimulator:
    """A running EKM Push cloud."""
    return await start_simulator(EkmSimulator())


def check_reading(reading: EkmReading) -> None:
    """What the entities read: finite values, a representable time, relay states."""
    assert all(math.isfinite(value) for value in reading.values.values())
    _ = reading.timestamp
    _ = reading.relays
    for name in reading.values:
        value = reading.value(name)
        assert value is None or math.isfinite(value)


@FUZZ
@given(item=read_sets, trigger=triggers)
def test_parsers_any_document(item: Any, trigger: Any) -> None:
    """The pure parsers: data or EnergyHubResponseError, never another exception."""
    CASES["ekm"] += 1
    reading = parse_read_set(item)
    if reading is not None:
        check_reading(reading)
    try:
        normalized = normalize_trigger(trigger)
    except EnergyHubResponseError:
        return
    if normalized is not None:
        assert isinstance(normalized["conditions"], list)
        assert isinstance(normalized["actions"], list)


type Operation = Callable[[EkmClient], Awaitable[Any]]

OPERATIONS: dict[str, tuple[str, Operation]] = {
    "account": ("/account/api/account", lambda c: c.account()),
    "read": ("/readMeter", lambda c: c.read_meters(METERS)),
    "list": ("/api/trigger", lambda c: c.list_triggers(GATEWAY)),
    "get": ("/api/trigger", lambda c: c.get_trigger("t-1")),
    "create": ("/api/trigger", lambda c: c.create_trigger(GATEWAY, {"trigger_name": "x"})),
    "delete": ("/api/trigger", lambda c: c.delete_trigger("t-1")),
}


@FUZZ
@given(body=bodies(documents), status=STATUSES, operation=st.sampled_from(sorted(OPERATIONS)))
async def test_replies_through_the_simulator(
    sim: EkmSimulator, session: aiohttp.ClientSession, body: bytes, status: int, operation: str
) -> None:
    """Any reply (any status) to any endpoint gives data or one of our errors."""
    CASES["ekm"] += 1
    path, call = OPERATIONS[operation]
    sim.faults.reset()
    sim.faults.body, sim.faults.status, sim.faults.paths = body, status, (path,)
    client = EkmClient(session, DEFAULT_KEY, DEFAULT_TOKEN, api_url=sim.url, push_url=sim.url)
    try:
        result = await call(client)
    except EnergyHubApiError as err:
        text = str(err)
    else:
        text = ""
    assert DEFAULT_KEY not in text
    assert DEFAULT_TOKEN not in text
    if operation == "read" and not text:
        for reading in result.values():
            check_reading(reading)
