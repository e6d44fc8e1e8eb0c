"""Fixtures shared by every test: custom integrations enabled, simulators on loopback."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
import ssl
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


@pytest.fixture
def refused_handshakes_are_no_errors() -> Iterator[None]:
    """The simulator's side of a handshake the client refuses is not the integration's error.

    The simulators run on the test's event loop; a client refusing the certificate makes
    the server's handshake fail, which asyncio reports to the loop's exception handler.
    Only that is ignored; everything else still reaches the handler (a test fails on it).
    """
    loop = asyncio.get_event_loop()
    handler = loop.get_exception_handler()

    def ignore(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        if isinstance(context.get("exception"), (ConnectionResetError, ssl.SSLError)):
            return
        if handler is not None:
            handler(loop, context)
        else:  # pragma: no cover - Home Assistant's test loop has a handler
            loop.default_exception_handler(context)

    loop.set_exception_handler(ignore)
    yield
    loop.set_exception_handler(handler)
