"""Property-based: any reply to the eGauge client gives data or one of our errors."""

from __future__ import annotations

import math
from typing import Any

import aiohttp
from hypothesis import given, strategies as st
import pytest

from custom_components.energy_hub.api.egauge import (
    MAX_POWER,
    REGISTER_TYPES,
    EgaugeClient,
    MeterInfo,
    RegisterData,
    parse_registers,
)
from custom_components.energy_hub.api.energy import CounterSplit
from custom_components.energy_hub.api.errors import EnergyHubApiError, EnergyHubResponseError
from custom_components.energy_hub.api.values import utc_datetime
from simulators.egauge import EgaugeSimulator

from ..conftest import StartSimulator
from .conftest import CASES
from .strategies import STATUSES, bodies, fuzz_settings, json_values, leaves

pytestmark = pytest.mark.filterwarnings("ignore:It looks like `register_random`")

FUZZ = fuzz_settings(120)
KEYS = ["registers", "ranges", "rows", "ts", "name", "type", "idx", "did", "rate", "error"]

#: Mostly well-formed entries with hostile values, some with hostile shapes.
register_entries = st.one_of(
    st.fixed_dictionaries(
        {
            "name": st.text(min_size=1, max_size=6),
            "type": st.sampled_from(sorted(REGISTER_TYPES)),
            "idx": st.integers(0, 40),
            "rate": leaves,
        },
        optional={"did": st.one_of(st.integers(0, 40), st.none())},
    ),
    st.fixed_dictionaries(
        {},
        optional={
            "name": leaves,
            "type": st.one_of(st.sampled_from(sorted(REGISTER_TYPES)), leaves),
            "idx": st.one_of(st.integers(0, 40), leaves),
            "did": leaves,
            "rate": leaves,
        },
    ),
    leaves,
)
register_replies = st.fixed_dictionaries(
    {"registers": st.lists(register_entries, max_size=6)},
    optional={
        "ts": st.one_of(leaves, st.integers(0, 2**40).map(str)),
        "ranges": st.one_of(
            st.lists(
                st.fixed_dictionaries(
                    {"ts": st.one_of(leaves, st.integers(0, 2**40).map(str))},
                    optional={
                        "delta": st.one_of(leaves, st.sampled_from([1, 60])),
                        "rows": st.lists(
                            st.lists(
                                st.one_of(leaves, st.integers(-(2**62), 2**62).map(str)),
                                max_size=6,
                            ),
                            max_size=3,
                        ),
                    },
                ),
                max_size=2,
            ),
            leaves,
        ),
        "error": st.one_of(st.none(), leaves),
    },
)
documents = st.one_of(register_replies, register_replies, json_values(KEYS))


@pytest.fixture
async def sim(start_simulator: StartSimulator) -> EgaugeSimulator:
    """A running meter."""
    return await start_simulator(EgaugeSimulator())


def check_registers(data: RegisterData) -> None:
    """What the entities read is finite or None, and every time is a datetime."""
    assert data.ts is None or utc_datetime(data.ts) is not None
    for register in data.registers.values():
        assert register.rate is None or math.isfinite(register.rate)
        total = register.total
        assert total is None or math.isfinite(total)
        assert register.key
    data.as_dict()


@FUZZ
@given(document=documents, delta=st.booleans())
def test_parse_registers_any_document(document: Any, delta: bool) -> None:
    """The pure parser: data or EnergyHubResponseError, never another exception."""
    CASES["egauge"] += 1
    try:
        data = parse_registers(document, delta=delta)
    except EnergyHubResponseError:
        return
    check_registers(data)
    # the stored rows the split counts: finite times and whole numbers, keys of registers
    for key, rows in data.series.items():
        assert key in data.registers
        for time, value in rows:
            assert math.isfinite(time)
            assert type(value) is int


#: A split poll's reply: three power registers (one virtual) and a voltage, hostile rows.
_SPLIT_REGISTERS = [
    {"name": "Grid", "type": "P", "idx": 0, "did": 0, "rate": 1.0},
    {"name": "Solar", "type": "P", "idx": 1, "did": 1, "rate": -1.0},
    {"name": "L1", "type": "V", "idx": 2, "did": 2, "rate": 230.0},
    {"name": "use", "type": "P", "idx": 3, "rate": 0.0},
]
#: A few hostile values, drawn as often as one good one (``leaves`` would outnumber them).
_JUNK = st.sampled_from([None, True, 2.5, "", "x", "nan", "1e3", " 7", "9" * 400, [], {}])
_COUNTER_CELLS = st.one_of(
    st.integers(-(2**62), 2**62).map(str),
    st.integers(-5000, 5000).map(str),
    st.integers(-5000, 5000).map(str),
    st.integers(-5000, 5000).map(str),
    _JUNK,
)
_GOOD_RANGE = st.fixed_dictionaries(
    {
        "ts": st.integers(1000, 1100).map(str),
        "delta": st.sampled_from([1, 1, 1, 60, 3600.0]),
        "rows": st.lists(st.lists(_COUNTER_CELLS, min_size=4, max_size=4), max_size=40),
    }
)
_HOSTILE_RANGE = st.fixed_dictionaries(
    {
        "ts": st.one_of(st.integers(1, 2**40).map(str), _JUNK),
        "delta": st.sampled_from([1, 60, 3600.0, 0, -1, None, "1", 1e400]),
        "rows": st.lists(
            st.one_of(
                st.lists(_COUNTER_CELLS, min_size=4, max_size=4),
                st.lists(_COUNTER_CELLS, max_size=5),
                _JUNK,
            ),
            max_size=8,
        ),
    }
)
split_ranges = st.lists(st.one_of(_GOOD_RANGE, _GOOD_RANGE, _HOSTILE_RANGE, _JUNK), max_size=3)


@FUZZ
@given(
    ranges=split_ranges,
    last=st.one_of(st.integers(-(2**62), 2**62), st.integers(-5000, 5000)),
    since=st.integers(900, 1100),
)
def test_split_reply_any_rows(ranges: list[Any], last: int, since: int) -> None:
    """Hostile rows of a split poll: rows of the power registers only, counted sanely."""
    CASES["egauge"] += 1
    data = parse_registers({"registers": _SPLIT_REGISTERS, "ranges": ranges}, delta=True)
    check_registers(data)
    assert set(data.series) <= {"reg0", "reg1", "virt_use"}
    for rows in data.series.values():
        assert all(math.isfinite(time) and type(value) is int for time, value in rows)
        split = CounterSplit(ts=float(since), value=last)
        split.feed(rows, max_rate=MAX_POWER)
        assert split.imported >= 0
        assert split.exported >= 0
        assert all(b.imported >= 0 and b.exported >= 0 for b in split.hours.values())


@FUZZ
@given(body=bodies(documents), status=STATUSES)
async def test_register_replies_through_the_simulator(
    sim: EgaugeSimulator, session: aiohttp.ClientSession, body: bytes, status: int
) -> None:
    """Any /api/register reply (any status) gives registers or one of our errors."""
    CASES["egauge"] += 1
    sim.faults.reset()
    sim.faults.body, sim.faults.status, sim.faults.paths = body, status, ("/api/register",)
    client = EgaugeClient(session, sim.url, "owner", "secret")
    try:
        data = await client.async_get_registers()
    except EnergyHubApiError:
        return
    check_registers(data)


@FUZZ
@given(
    body=bodies(st.one_of(json_values(["result", "sn", "model", "version", "firmware", "jwt"]))),
    status=STATUSES,
    path=st.sampled_from(
        ["/api/sys", "/api/config/net/hostname", "/api/auth/login", "/api/auth/unauthorized"]
    ),
)
async def test_meter_info_and_login_replies(
    sim: EgaugeSimulator, session: aiohttp.ClientSession, body: bytes, status: int, path: str
) -> None:
    """Any reply to the login or the meter-info reads gives a MeterInfo or our error."""
    CASES["egauge"] += 1
    sim.faults.reset()
    sim.faults.body, sim.faults.status, sim.faults.paths = body, status, (path,)
    client = EgaugeClient(session, sim.url, "owner", "secret")
    try:
        info = await client.async_get_meter_info()
    except EnergyHubApiError:
        return
    assert isinstance(info, MeterInfo)
    assert info.serial
