"""Property-based: any reply to the EMS client gives data or one of our errors."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
import math
from typing import Any

import aiohttp
from hypothesis import given, strategies as st
import pytest

from custom_components.energy_hub.api.ems import (
    EmsClient,
    EmsHistorySample,
    EmsSample,
    _map_entries,
    parse_device,
    parse_history_sample,
    parse_load,
    parse_sample,
    parse_signal,
)
from custom_components.energy_hub.api.errors import EnergyHubApiError, EnergyHubResponseError
from custom_components.energy_hub.api.values import utc_datetime
from simulators.ems import EmsSimulator

from ..conftest import StartSimulator
from .conftest import CASES
from .strategies import STATUSES, bodies, fuzz_settings, json_values, leaves

pytestmark = pytest.mark.filterwarnings("ignore:It looks like `register_random`")

FUZZ = fuzz_settings(120)
KEYS = ["realtime", "signals", "devices", "loads", "history", "uid", "v", "t", "si", "s", "r"]
uids = st.one_of(st.integers(1, 60).map(str), st.text(max_size=4))
samples = st.one_of(
    st.fixed_dictionaries(
        {"v": leaves, "t": st.one_of(leaves, st.integers(0, 2**62))},
        optional={"si": leaves, "s": leaves, "r": leaves, "uid": leaves, "p": leaves},
    ),
    leaves,
)
maps = st.sampled_from(["realtime", "devices", "loads", "signals", "history"]).flatmap(
    lambda key: st.fixed_dictionaries(
        {key: st.one_of(st.dictionaries(uids, samples, max_size=6), st.lists(samples), leaves)}
    )
)
documents = st.one_of(maps, maps, json_values(KEYS))


@pytest.fixture
async def sim(start_simulator: StartSimulator) -> EmsSimulator:
    """A running gateway."""
    return await start_simulator(EmsSimulator())


def check_sample(sample: EmsSample | EmsHistorySample) -> None:
    """Values are finite numbers, text or None; times are representable."""
    for value in (sample.value, getattr(sample, "max", None), getattr(sample, "min", None)):
        assert value is None or isinstance(value, str) or math.isfinite(value)
    if isinstance(sample, EmsSample):
        assert sample.time_ms is None or utc_datetime(sample.time_ms / 1000) is not None
    else:
        assert sample.time is None or utc_datetime(sample.time) is not None


@FUZZ
@given(document=documents)
def test_parsers_any_document(document: Any) -> None:
    """The pure parsers: data or EnergyHubResponseError, never another exception."""
    CASES["ems"] += 1
    for key, parse in (
        ("realtime", parse_sample),
        ("history", parse_history_sample),
        ("devices", parse_device),
        ("loads", parse_load),
        ("signals", parse_signal),
    ):
        try:
            entries = _map_entries(document, key)
        except EnergyHubResponseError:
            continue
        for uid, raw in entries.items():
            parsed = parse(uid, raw)
            if isinstance(parsed, (EmsSample, EmsHistorySample)):
                check_sample(parsed)


type Operation = Callable[[EmsClient], Awaitable[Any]]

OPERATIONS: dict[str, Operation] = {
    "/ver": lambda c: c.api_version(),
    "/v1/auth/login": lambda c: c.login(),
    "/v1/serial-number": lambda c: c.system_info(),
    "/v1/date": lambda c: c.system_info(),
    "/v1/devices": lambda c: c.discover(),
    "/v1/loads": lambda c: c.discover(),
    "/v1/signals/realtime": lambda c: c.realtime(range(1, 40)),
    "/v1/signals/1/history": lambda c: c.history(1, 1, 2_000_000_000_000),
    "/v1/signals/history": lambda c: c.signals_history(1, 2_000_000_000_000, uids=[1, 2]),
}


@FUZZ
@given(body=bodies(documents), status=STATUSES, path=st.sampled_from(sorted(OPERATIONS)))
async def test_replies_through_the_simulator(
    sim: EmsSimulator, session: aiohttp.ClientSession, body: bytes, status: int, path: str
) -> None:
    """Any reply (any status) to any endpoint gives data or one of our errors."""
    CASES["ems"] += 1
    sim.faults.reset()
    sim.faults.body, sim.faults.status, sim.faults.paths = body, status, (path,)
    client = EmsClient(session, sim.url, "admin", "s3cret!")
    try:
        result = await OPERATIONS[path](client)
    except EnergyHubApiError:
        return
    if isinstance(result, dict):
        for item in result.values():
            for sample in item if isinstance(item, list) else [item]:
                if isinstance(sample, (EmsSample, EmsHistorySample)):
                    check_sample(sample)
    elif isinstance(result, list):
        for sample in result:
            check_sample(sample)
