"""A rediscovery that keeps failing is logged once, and once when it works again (issue 14 #13)."""

from __future__ import annotations

import logging

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
import pytest

from simulators.ems import EmsSimulator

from ..common import advance
from ..conftest import StartSimulator
from .common import setup_entry

FAILED = "Could not read the configuration"
RECOVERED = "is readable again"


def _records(caplog: pytest.LogCaptureFixture, text: str) -> list[logging.LogRecord]:
    return [r for r in caplog.records if text in r.getMessage()]


async def test_failing_rediscovery_logs_once_and_once_recovered(
    hass: HomeAssistant,
    start_simulator: StartSimulator,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Three failed rediscoveries: one warning; the first success after them: one info."""
    sim = await start_simulator(EmsSimulator())
    await setup_entry(hass, sim)
    caplog.set_level(logging.DEBUG, logger="custom_components.energy_hub")
    sim.clear_log()
    sim.faults.status = 500
    sim.faults.paths = ("/v1/loads",)
    for _ in range(3):
        await advance(hass, freezer, 601)
    assert len(sim.requests("/v1/loads")) == 3  # it was tried every time
    failed = _records(caplog, FAILED)
    assert [r.levelno for r in failed] == [logging.WARNING, logging.DEBUG, logging.DEBUG]
    assert _records(caplog, RECOVERED) == []

    sim.faults.reset()
    await advance(hass, freezer, 601)
    recovered = _records(caplog, RECOVERED)
    assert [r.levelno for r in recovered] == [logging.INFO]
    # working rediscoveries say nothing more
    await advance(hass, freezer, 601)
    assert len(_records(caplog, RECOVERED)) == 1
    assert len(_records(caplog, FAILED)) == 3

    # a new failure after the recovery is worth a warning again
    sim.faults.status = 500
    sim.faults.paths = ("/v1/loads",)
    await advance(hass, freezer, 601)
    assert [r.levelno for r in _records(caplog, FAILED)][-1] == logging.WARNING
