"""Property-based: any reply to the go-e client gives data or one of our errors."""

from __future__ import annotations

import math
from typing import Any

import aiohttp
from hypothesis import given, strategies as st
import pytest

from custom_components.energy_hub.api.errors import EnergyHubApiError
from custom_components.energy_hub.api.goe import GoeClient
from simulators.goe import GoeSimulator

from ..conftest import StartSimulator
from .conftest import CASES
from .strategies import STATUSES, bodies, fuzz_settings, json_values, leaves

pytestmark = pytest.mark.filterwarnings("ignore:It looks like `register_random`")

FUZZ = fuzz_settings(200)
KEYS = ["amp", "car", "nrg", "eto", "wh", "frc", "psm", "alw", "failed", "err", "fwv", "sse"]
documents = st.one_of(
    st.dictionaries(st.sampled_from(KEYS), st.one_of(leaves, st.lists(leaves, max_size=16))),
    st.fixed_dictionaries({"failed": st.one_of(st.lists(json_values(KEYS), max_size=3), leaves)}),
    json_values(KEYS),
)


@pytest.fixture
async def sim(start_simulator: StartSimulator) -> GoeSimulator:
    """A running charger and its cloud front."""
    return await start_simulator(GoeSimulator())


def check_finite(value: Any) -> None:
    """No NaN, no infinity and no number beyond the float range anywhere in a status."""
    if isinstance(value, dict):
        for item in value.values():
            check_finite(item)
    elif isinstance(value, list):
        for item in value:
            check_finite(item)
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        assert math.isfinite(float(value))


@FUZZ
@given(
    body=bodies(documents),
    status=STATUSES,
    mode=st.tuples(st.booleans(), st.booleans()),
)
async def test_replies_through_the_simulator(
    sim: GoeSimulator,
    session: aiohttp.ClientSession,
    body: bytes,
    status: int,
    mode: tuple[bool, bool],
) -> None:
    """Any status or set reply (any status, cloud or local) gives data or one of our errors."""
    CASES["goe"] += 1
    cloud, write = mode
    sim.faults.reset()
    path = "/api/set" if write else "/api/status"
    sim.faults.body, sim.faults.status = body, status
    sim.faults.paths = (f"/cloud/{sim.serial}{path}" if cloud else path,)
    client = (
        GoeClient.cloud(session, sim.serial, sim.token, url_template=f"{sim.url}/cloud/{{serial}}")
        if cloud
        else GoeClient.local(session, sim.url)
    )
    data: Any = None
    try:
        if write:
            await client.set({"amp": 16, "frc": 0})
        else:
            data = await client.status(["amp", "nrg", "eto"])
    except EnergyHubApiError as err:
        text = str(err)
    else:
        text = ""
    assert sim.token not in text
    if data is not None:
        assert isinstance(data, dict)
        check_finite(data)
