"""Fixtures shared by every test: custom integrations enabled, simulators on loopback."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from simulators.base import Simulator


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: Any) -> None:
    """Let Home Assistant load custom_components/energy_hub."""


type StartSimulator = Callable[[Simulator], Awaitable[Simulator]]


@pytest.fixture
async def start_simulator(socket_enabled: Any) -> AsyncIterator[StartSimulator]:
    """Start simulators on 127.0.0.1 (free ports); all are stopped after the test."""
    started: list[Simulator] = []

    async def _start[S: Simulator](sim: S) -> S:
        await sim.start("127.0.0.1", 0)
        started.append(sim)
        return sim

    yield _start  # type: ignore[misc]
    for sim in started:
        await sim.stop()
