"""No Energy Hub sensor writes a logbook entry per poll (EMS with every sensor enabled, EKM)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.logbook.helpers import async_determine_event_types
from homeassistant.components.logbook.processor import EventProcessor
from homeassistant.components.recorder import Recorder, get_instance
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
)

from simulators.ems import EmsSimulator

from ..common import advance
from ..conftest import StartSimulator
from .common import setup_entry, signal_sensors


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(recorder_db_url: str, enable_custom_integrations: Any) -> None:
    """The recorder's database before Home Assistant starts, then our integration."""


async def test_no_sensor_writes_a_logbook_entry_per_poll(
    recorder_mock: Recorder,
    hass: HomeAssistant,
    start_simulator: StartSimulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Every sensor (all enabled) polled with changing values: nothing in the logbook."""
    assert await async_setup_component(hass, "logbook", {})
    sim = await start_simulator(EmsSimulator())
    entry = await setup_entry(hass, sim, enable_all=True)
    start = dt_util.utcnow()
    ours = [reg.entity_id for reg in signal_sensors(hass, entry)]
    assert len(ours) == 257
    changed = 0
    for _ in range(4):
        before = {entity_id: hass.states.get(entity_id).state for entity_id in ours}
        await advance(hass, freezer, 31)
        changed += sum(hass.states.get(e).state != before[e] for e in ours)
    assert changed > 200  # values did change
    await async_wait_recording_done(hass)
    processor = EventProcessor(hass, async_determine_event_types(hass, None, None), ours)
    events = await get_instance(hass).async_add_executor_job(
        processor.get_events, start - timedelta(minutes=1), dt_util.utcnow() + timedelta(hours=1)
    )
    assert [e for e in events if e.get("entity_id") in ours] == []
