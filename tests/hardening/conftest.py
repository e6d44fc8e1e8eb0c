"""Fixtures of the hardening tests and the per-client count of generated cases."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator

import aiohttp
import pytest

#: Generated cases run per client (printed at the end of the run for the closing note).
CASES: Counter[str] = Counter()


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    """A plain aiohttp session (the clients never close it)."""
    async with aiohttp.ClientSession() as session:
        yield session


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Print how many generated cases ran per client."""
    if not CASES:
        return
    terminalreporter.section("property-based cases run per client")
    for client, count in sorted(CASES.items()):
        terminalreporter.write_line(f"{client}: {count}")
    terminalreporter.write_line(f"total: {sum(CASES.values())}")
