"""Fixtures of the hardening tests and the per-client count of generated cases."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator, Iterator

import aiohttp
import pytest

from custom_components.energy_hub.vendors.ekm import VENDOR as EKM
from custom_components.energy_hub.vendors.goe import VENDOR as GOE

#: Generated cases run per client (printed at the end of the run for the closing note).
CASES: Counter[str] = Counter()


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    """A plain aiohttp session (the clients never close it)."""
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture(autouse=True)
def restore_vendor_hosts() -> Iterator[None]:
    """Tests point the cloud vendors' hosts at simulators; put them back afterwards.

    go-e requests are not spaced out here (Home Assistant tests run on frozen time).
    """
    saved = (EKM.api_url, EKM.push_url, GOE.cloud_url_template, GOE.min_request_interval)
    GOE.min_request_interval = 0
    yield
    EKM.api_url, EKM.push_url, GOE.cloud_url_template, GOE.min_request_interval = saved


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Print how many generated cases ran per client."""
    if not CASES:
        return
    terminalreporter.section("property-based cases run per client")
    for client, count in sorted(CASES.items()):
        terminalreporter.write_line(f"{client}: {count}")
    terminalreporter.write_line(f"total: {sum(CASES.values())}")
