"""EMS energy counters in the Energy dashboard: hourly statistics from the gateway's history."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
import itertools
import logging
import time
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.recorder import Recorder
from homeassistant.components.recorder.statistics import list_statistic_ids
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import CONF_SCAN_INTERVAL
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.recorder import get_instance
import pytest

from custom_components.energy_hub import statistics as statistics_module
from custom_components.energy_hub.api.energy import HOUR
from custom_components.energy_hub.const import DOMAIN
from custom_components.energy_hub.vendors.ems import coordinator as ems_coordinator
from custom_components.energy_hub.vendors.ems.const import CONF_HISTORY_DAYS
from simulators.ems import HISTORY_STEP, EmsSimulator

from ..common import advance, hourly_sums, run_then_outage, stop_and_resume_history_import
from ..conftest import StartSimulator
from .common import SERIAL, setup_entry

#: The main meter's load and its energy-imported counter (code 40) on the simulator.
MAIN_LOAD = 2


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(recorder_db_url: str, enable_custom_integrations: Any) -> None:
    """Custom integrations on; the recorder's database prepared before Home Assistant starts."""


@pytest.fixture
async def sim(start_simulator: StartSimulator) -> EmsSimulator:
    """A gateway keeping 40 days of history."""
    return await start_simulator(EmsSimulator(history_keep=40 * 86400))


def _counter(sim: EmsSimulator, si: int = 40, lid: int = MAIN_LOAD) -> int:
    return next(uid for uid, s in sorted(sim.signals.items()) if s["si"] == si and s["lid"] == lid)


def _load(sim: EmsSimulator, label: str) -> int:
    return next(lid for lid, load in sim.loads.items() if load["label"] == label)


def _sid(uid: int) -> str:
    return f"{DOMAIN}:ems_{SERIAL.lower()}_signal_{uid}"


def _truth(sim: EmsSimulator, uid: int, hour: int) -> float:
    """The counter's increase over one hour, as the gateway's model has it (kWh)."""
    si = sim.signals[uid]["si"]
    return sim.reading(uid, si, hour + HOUR) - sim.reading(uid, si, hour)


def _steps(sums: dict[int, float]) -> dict[int, float]:
    """Each hour's value: its sum minus the previous hour's."""
    hours = sorted(sums)
    return {b: sums[b] - sums[a] for a, b in itertools.pairwise(hours)}


def _progress(hass: HomeAssistant) -> float:
    entity_id = er.async_get(hass).async_get_entity_id("sensor", DOMAIN, f"{SERIAL}_history_import")
    assert entity_id is not None
    state = hass.states.get(entity_id)
    assert state is not None
    return float(state.state)


def _history_requests(sim: EmsSimulator) -> int:
    return len(sim.requests("/v1/signals/history"))


async def test_statistics_fill_an_outage(
    recorder_mock: Recorder,
    hass: HomeAssistant,
    sim: EmsSimulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Home Assistant down for 3 hours: those hours come from the gateway, no spike after."""
    freezer.move_to(datetime.fromtimestamp((int(time.time()) // HOUR) * HOUR + 600, UTC))
    uid = _counter(sim)
    entry = await setup_entry(hass, sim, **{CONF_SCAN_INTERVAL: 300, CONF_HISTORY_DAYS: 0})
    first_hour = (int(time.time()) // HOUR + 1) * HOUR
    down_from = await run_then_outage(hass, freezer, entry)
    back = (down_from + 3 * HOUR) * 1000
    # the hours missed: one history request for every counter at once
    after = [r for r in sim.requests("/v1/signals/history") if int(r.query["end"]) >= back]
    assert len(after) == 1
    for _ in range(27):  # back at 10 minutes past an hour; until the hour after is over
        await advance(hass, freezer, 300)
    sums = await hourly_sums(hass, _sid(uid), first_hour, time.time())
    steps = _steps(sums)
    outage = [h for h in sorted(steps) if h >= down_from // HOUR * HOUR]
    # the hour it went down, the 2 hours fully down, the hour it came back, the next hour
    assert len(outage) == 5
    for hour in outage:
        assert steps[hour] == pytest.approx(_truth(sim, uid, hour), rel=5e-3)
    assert all(v == pytest.approx(_truth(sim, uid, h), rel=5e-3) for h, v in steps.items())
    # at most one history request an hour while running
    after = [r for r in sim.requests("/v1/signals/history") if int(r.query["end"]) >= back]
    assert len(after) <= 1 + (time.time() - down_from - 3 * HOUR) / HOUR + 1
    # the dashboard can pick them: kWh, has_sum, our source, named like the sensor
    ids = await get_instance(hass).async_add_executor_job(list_statistic_ids, hass)
    ours = {i["statistic_id"]: i for i in ids if i["source"] == DOMAIN}
    assert ours[_sid(uid)]["statistics_unit_of_measurement"] == "kWh"
    assert ours[_sid(uid)]["has_sum"] is True
    assert ours[_sid(uid)]["name"] == f"EMS gateway {SERIAL} Main meter Energy imported"
    exported = _counter(sim, si=41, lid=_load(sim, "Heat pump"))
    assert ours[_sid(exported)]["name"] == f"EMS gateway {SERIAL} EM1 Heat pump energy exported"
    # energy counters only: no statistic for a voltage, nor for codes whose meaning is
    # rejected on this gateway (10, 33 and 44 are no energy counters here)
    assert all(sim.signals[int(sid.rpartition("_")[2])]["si"] in (40, 41, 42, 43) for sid in ours)
    assert len(ours) == 11 * 4 + 2 * 2


async def test_history_import_30_days(
    recorder_mock: Recorder,
    hass: HomeAssistant,
    sim: EmsSimulator,
    freezer: FrozenDateTimeFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """30 days of history: 720 hours per statistic, bounded requests, resumable."""
    # ten minutes into an hour: the 65 minutes of live polls below close exactly one hour
    freezer.move_to(datetime.fromtimestamp((int(time.time()) // HOUR + 1) * HOUR + 600, UTC))
    # the main meter and the solar loads: 8 energy counters (the recorder's work is per row)
    for did, device in list(sim.devices.items()):
        if device["label"] not in ("Main meter", "Solar"):
            sim.remove_device(did)
    uid = _counter(sim)
    monkeypatch.setattr(ems_coordinator, "BACKFILL_INTERVAL", 3600.0)
    monkeypatch.setattr(statistics_module, "RETRY_AFTER", 0.01)
    entry = await setup_entry(hass, sim, **{CONF_SCAN_INTERVAL: 300, CONF_HISTORY_DAYS: 30})
    # setup is done while the history import waits after its first chunk
    assert entry.state is ConfigEntryState.LOADED
    for _ in range(20000):  # the first chunk is real HTTP; the clock is frozen
        if _progress(hass) > 0:
            break
        await asyncio.sleep(0)
    progress = _progress(hass)
    assert 0 < progress < 100
    first_run = _history_requests(sim)
    assert first_run == 2  # the latest samples (live), and the first day of the import
    # unloading cancels it: no task is left; a later start resumes
    await stop_and_resume_history_import(hass, entry, monkeypatch, ems_coordinator, sim)
    second_run = _history_requests(sim)
    print(  # noqa: T201
        f"EMS history import requests for 30 days of 8 counters: first run {first_run - 1}, "
        f"after resume {second_run}"
    )
    assert (first_run - 1) + second_run == 30  # a day per request, every counter at once
    assert _progress(hass) == 100
    now = time.time()
    sums = await hourly_sums(hass, _sid(uid), now - 31 * 86400, now)
    assert len(sums) == 720
    hours = sorted(sums)
    assert hours[-1] - hours[0] == 719 * HOUR
    steps = _steps(sums)
    assert all(v == pytest.approx(_truth(sim, uid, h), rel=1e-3) for h, v in steps.items())
    # every energy counter got its 720 hours
    other = _counter(sim, si=41, lid=_load(sim, "PV roof"))
    assert len(await hourly_sums(hass, _sid(other), now - 31 * 86400, now)) == 720
    # the live hours continue the sum
    for _ in range(13):
        await advance(hass, freezer, 300)
    later = await hourly_sums(hass, _sid(uid), now - 31 * 86400, time.time())
    assert len(later) == 721
    last = max(later)
    assert later[last] - later[last - HOUR] == pytest.approx(_truth(sim, uid, last), rel=1e-3)


@pytest.fixture
def fast_import(monkeypatch: pytest.MonkeyPatch) -> None:
    """The history import does not pause between its requests."""
    monkeypatch.setattr(ems_coordinator, "BACKFILL_INTERVAL", 0.0)


@pytest.mark.usefixtures("fast_import")
async def test_bad_history_gives_no_negative_hour(
    recorder_mock: Recorder,
    hass: HomeAssistant,
    sim: EmsSimulator,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A counter reset and a gap in the gateway's database: skipped, never a negative hour."""
    freezer.move_to(datetime.fromtimestamp((int(time.time()) // HOUR) * HOUR + 600, UTC))
    now = time.time()
    uid = _counter(sim)
    reset_at = (now // HOUR - 20) * HOUR + 7 * 60
    sim.counter_resets[uid] = reset_at
    gap = ((now // HOUR - 10) * HOUR + HISTORY_STEP, (now // HOUR - 7) * HOUR)
    sim.history_gaps.append(gap)
    caplog.set_level(logging.DEBUG, logger="custom_components.energy_hub")
    await setup_entry(hass, sim, **{CONF_SCAN_INTERVAL: 300, CONF_HISTORY_DAYS: 1})
    await hass.async_block_till_done(wait_background_tasks=True)
    sums = await hourly_sums(hass, _sid(uid), now - 2 * 86400, now)
    steps = _steps(sums)
    assert len(sums) == 24
    rate = _truth(sim, uid, int(now // HOUR - 30) * HOUR)
    assert all(0 <= v <= rate * 1.01 for v in steps.values())
    for hour, value in steps.items():
        if hour <= reset_at < hour + HOUR:
            assert value < rate  # the reset step is left out, not counted negative
        else:  # also across the gap: its increase spread over its hours
            assert value == pytest.approx(rate, rel=5e-3)
    skipped = [r for r in caplog.records if "implausible step" in r.getMessage()]
    assert len(skipped) == 1
    assert skipped[0].levelno == logging.DEBUG


async def test_options_history_days(hass: HomeAssistant, start_simulator: StartSimulator) -> None:
    """The settings carry the history depth (30 days for entries without the option)."""
    sim = await start_simulator(EmsSimulator())
    entry = await setup_entry(hass, sim, **{CONF_HISTORY_DAYS: 0})
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["type"] == "menu"
    assert result["menu_options"] == ["settings", "ems_meanings"]
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": "settings"}
    )
    schema = result["data_schema"].schema
    default = next(k for k in schema if k == CONF_HISTORY_DAYS).default()
    assert default == 0
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_SCAN_INTERVAL: 60, CONF_HISTORY_DAYS: 7}
    )
    assert result["type"] == "create_entry"
    await hass.async_block_till_done()
    assert entry.options[CONF_HISTORY_DAYS] == 7
    assert entry.state is ConfigEntryState.LOADED
    from custom_components.energy_hub.vendors.ems import flow

    assert flow.history_days({}) == 30
    assert flow.history_days({CONF_HISTORY_DAYS: 9999}) == 365


@pytest.mark.usefixtures("fast_import")
async def test_history_refused_keeps_polling_and_imports_later(
    recorder_mock: Recorder,
    hass: HomeAssistant,
    sim: EmsSimulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A failing history read fails no poll; the import starts once history can be read."""
    sim.faults.status = 500
    sim.faults.paths = ("/v1/signals/history",)
    entry = await setup_entry(hass, sim, **{CONF_SCAN_INTERVAL: 300, CONF_HISTORY_DAYS: 1})
    assert entry.state is ConfigEntryState.LOADED
    coordinator = entry.runtime_data.coordinator
    assert coordinator.last_update_success
    assert coordinator.history_task is None  # waits for the first sample
    assert _history_requests(sim) == 1
    await advance(hass, freezer, 60)  # not tried again at once
    assert _history_requests(sim) == 1
    sim.faults.reset()
    await advance(hass, freezer, 300)
    assert coordinator.history_task is not None
    assert coordinator.energy.since is not None
    assert _progress(hass) == 100
    diagnostics = await entry.runtime_data.vendor.async_diagnostics(hass, entry)
    assert diagnostics["energy"]["counters"] == 48
    assert diagnostics["energy"]["history_requests"] >= 1
    assert await hass.config_entries.async_unload(entry.entry_id)
    assert coordinator.history_task.done()
