"""Property-based: for any parsed data, no entity property raises and no NaN/inf is shown.

Generated replies go through the clients' own parsers (what a poll would produce), are
handed to the coordinator as a poll result, and every Energy Hub entity then writes its
state and has each of its properties read.
"""

from __future__ import annotations

from collections.abc import Iterator
import dataclasses
import math
from typing import Any
from unittest.mock import PropertyMock, patch

from homeassistant.components.number import NumberEntity
from homeassistant.const import STATE_UNAVAILABLE, STATE_UNKNOWN
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity import Entity
from homeassistant.helpers.entity_platform import async_get_platforms
from hypothesis import given, strategies as st
import pytest

from custom_components.energy_hub.api.egauge import (
    REGISTER_TYPES,
    Register,
    RegisterData,
    parse_registers,
)
from custom_components.energy_hub.api.ekm import EkmReading, normalize_trigger, parse_read_set
from custom_components.energy_hub.api.ems import EmsSample
from custom_components.energy_hub.api.errors import EnergyHubResponseError
from custom_components.energy_hub.api.http import loads
from custom_components.energy_hub.const import DOMAIN
from custom_components.energy_hub.vendors.ekm.coordinator import EkmData
from custom_components.energy_hub.vendors.goe.descriptions import CATALOGUE

from ..conftest import StartSimulator
from .conftest import CASES
from .entries import EKM_METERS, setup_vendor
from .strategies import HOSTILE_NUMBERS, dumps, fuzz_settings, json_values, leaves
from .test_fuzz_egauge import register_replies
from .test_fuzz_ekm import read_sets, triggers
from .test_fuzz_ems import samples

pytestmark = pytest.mark.filterwarnings("ignore:It looks like `register_random`")

FUZZ = fuzz_settings(40)
#: Every key a go-e entity reads (its path's first part, alternative paths, extra keys).
GOE_KEYS = sorted(
    {str(path[0]) for row in CATALOGUE for path in (row.path, *row.alt_paths) if path}
    | {key for row in CATALOGUE for key in row.extra_keys}
    | {"rbt", "cdi", "car", "modelStatus", "var", "ama"}
)
#: Hostile values a hand-built (not parsed) data object may carry.
numbers = st.one_of(
    st.none(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**400), max_value=10**400),
)
#: Times no datetime holds (microseconds, nanoseconds, far past), and a normal one.
HOSTILE_TIMES = st.sampled_from(
    [1_764_648_000_000_000, 1_764_648_000_000_000_000, -(10**20), 10**20, 1_764_648_000_000]
)
registers = st.builds(
    Register,
    name=st.text(min_size=1, max_size=5),
    type_code=st.sampled_from(sorted(REGISTER_TYPES)),
    idx=st.integers(0, 30),
    did=st.one_of(st.none(), st.integers(0, 30)),
    rate=numbers,
    cumulative=st.one_of(st.none(), st.integers(min_value=-(10**400), max_value=10**400)),
)
hand_built_register_data = st.builds(
    RegisterData,
    ts=numbers,
    registers=st.lists(registers, max_size=6).map(lambda regs: {r.key: r for r in regs}),
)
PROPERTIES = (
    "available",
    "native_value",
    "extra_state_attributes",
    "is_on",
    "assumed_state",
    "current_option",
    "options",
    "native_min_value",
    "native_max_value",
    "last_reset",
    "name",
)


@pytest.fixture(autouse=True)
def every_entity_enabled() -> Iterator[None]:
    """Create every entity enabled, also those disabled by default."""
    with patch.object(
        Entity, "entity_registry_enabled_default", new_callable=PropertyMock, return_value=True
    ):
        yield


async def check_entities(hass: HomeAssistant, vendor: str) -> None:
    """Every entity: properties read without error, states written, no NaN or infinity."""
    await hass.async_block_till_done()
    entities = [
        entity
        for platform in async_get_platforms(hass, DOMAIN)
        for entity in platform.entities.values()
    ]
    assert entities
    for entity in entities:
        for name in PROPERTIES:
            getattr(entity, name, None)
        entity.async_write_ha_state()
        state = hass.states.get(entity.entity_id)
        assert state is not None
        numeric = isinstance(entity, NumberEntity) or any(
            getattr(entity, name, None) is not None
            for name in ("state_class", "native_unit_of_measurement")
        )
        if numeric and state.state not in (STATE_UNKNOWN, STATE_UNAVAILABLE):
            assert math.isfinite(float(state.state)), f"{entity.entity_id} is {state.state}"
    CASES[f"{vendor} entities"] += 1


@pytest.fixture
async def egauge(hass: HomeAssistant, start_simulator: StartSimulator) -> Any:
    """An eGauge entry."""
    return await setup_vendor(hass, "egauge", start_simulator)


@FUZZ
@given(document=st.one_of(register_replies, hand_built_register_data))
async def test_egauge_entities(hass: HomeAssistant, egauge: Any, document: Any) -> None:
    """Any parsed /register reply, or hand-built registers with hostile numbers."""
    if isinstance(document, RegisterData):
        data = document
    else:
        try:
            data = parse_registers(loads(dumps(document)))
        except EnergyHubResponseError:
            return
    egauge.coordinator.async_set_updated_data(data)
    await check_entities(hass, "egauge")


@pytest.fixture
async def ems(hass: HomeAssistant, start_simulator: StartSimulator) -> Any:
    """An EMS entry."""
    return await setup_vendor(hass, "ems", start_simulator)


hand_built_samples = st.builds(
    EmsSample,
    uid=st.integers(100, 160),
    si=st.one_of(st.none(), st.integers(0, 60)),
    value=st.one_of(numbers, st.text(max_size=5)),
    time_ms=st.one_of(st.none(), HOSTILE_TIMES, st.integers(-(10**30), 10**30)),
    status=st.one_of(st.none(), st.just(0), st.integers(-1, 3)),
    reason=st.one_of(st.none(), st.integers(-1, 3)),
)


@FUZZ
@given(
    raw=st.dictionaries(st.integers(100, 160), st.one_of(samples, hand_built_samples), max_size=30)
)
async def test_ems_entities(hass: HomeAssistant, ems: Any, raw: dict[int, Any]) -> None:
    """Any parsed realtime samples of the gateway's signals (uids 100 up), or hand-built ones."""
    entries: dict[str, Any] = {}
    for uid, sample in raw.items():
        if isinstance(sample, EmsSample):
            entries[str(uid)] = {
                "uid": uid,
                "si": sample.si,
                "v": sample.value,
                "t": sample.time_ms,
                "s": sample.status,
                "r": sample.reason,
            }
        elif isinstance(sample, dict):
            entries[str(uid)] = {**loads(dumps(sample)), "uid": uid}
    # the coordinator dispatches the raw realtime entries to the enabled sensors itself
    data = dataclasses.replace(ems.coordinator.data, entries=entries)
    ems.coordinator.async_set_updated_data(data)
    await check_entities(hass, "ems")


hand_built_readings = st.builds(
    EkmReading,
    meter=st.just("x"),
    good=st.booleans(),
    protocol=st.sampled_from(["v3", "v4", None]),
    timestamp_ms=st.one_of(st.none(), HOSTILE_TIMES, st.integers(-(10**30), 10**30)),
    values=st.dictionaries(
        st.sampled_from(["kWh_Tot", "RMS_Watts_Tot", "State_Out", "Power_Factor_Ln_1"]),
        st.floats(allow_nan=True, allow_infinity=True),
    ),
)


@pytest.fixture
async def ekm(hass: HomeAssistant, start_simulator: StartSimulator) -> Any:
    """An EKM entry."""
    return await setup_vendor(hass, "ekm", start_simulator)


@FUZZ
@given(
    items=st.lists(
        st.tuples(st.one_of(read_sets, hand_built_readings), st.sampled_from(EKM_METERS)),
        max_size=4,
    ),
    trigger_list=st.lists(triggers, max_size=3),
    triggers_ok=st.booleans(),
)
async def test_ekm_entities(
    hass: HomeAssistant,
    ekm: Any,
    items: list[tuple[Any, str]],
    trigger_list: list[Any],
    triggers_ok: bool,
) -> None:
    """Any parsed reads of the entry's meters and any parsed triggers."""
    readings = {}
    for item, meter in items:
        if isinstance(item, EkmReading):
            reading: EkmReading | None = dataclasses.replace(item, meter=meter)
        else:
            raw = {**item, "Meter": meter} if isinstance(item, dict) else item
            reading = parse_read_set(loads(dumps(raw)))
        if reading is not None:
            readings[reading.meter] = reading
    parsed_triggers = {}
    for raw in trigger_list:
        try:
            trigger = normalize_trigger(loads(dumps(raw)))
        except EnergyHubResponseError:
            continue
        if trigger is not None:
            parsed_triggers[trigger["trigger_uuid"]] = trigger
    ekm.coordinator.async_set_updated_data(
        EkmData(readings=readings, triggers=parsed_triggers, triggers_ok=triggers_ok)
    )
    await check_entities(hass, "ekm")


@pytest.fixture
async def goe(hass: HomeAssistant, start_simulator: StartSimulator) -> Any:
    """A go-e cloud entry."""
    return await setup_vendor(hass, "goe", start_simulator)


@FUZZ
@given(
    status=st.dictionaries(
        st.sampled_from(GOE_KEYS),
        st.one_of(
            HOSTILE_NUMBERS,
            leaves,
            st.lists(st.one_of(HOSTILE_NUMBERS, leaves), max_size=16),
            st.fixed_dictionaries({"type": st.sampled_from([0, 1]), "value": HOSTILE_NUMBERS}),
            json_values(),
        ),
        min_size=3,
    ),
    parsed=st.booleans(),
)
async def test_goe_entities(
    hass: HomeAssistant, goe: Any, status: dict[str, Any], parsed: bool
) -> None:
    """Any parsed status, or the raw values themselves (NaN, infinities, 10**400)."""
    goe.coordinator.async_set_updated_data(loads(dumps(status)) if parsed else status)
    await check_entities(hass, "goe")
