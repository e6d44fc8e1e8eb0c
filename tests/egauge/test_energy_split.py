"""Exact import/export split: simulator history, range/delta parsing, split arithmetic."""

from __future__ import annotations

from collections.abc import AsyncIterator
import itertools
import time

import aiohttp
from freezegun.api import FrozenDateTimeFactory
import pytest

from custom_components.energy_hub.api.egauge import (
    MAX_POWER,
    EgaugeClient,
    parse_registers,
    parse_series,
)
from custom_components.energy_hub.api.energy import HOUR, CounterSplit, HourBucket, hourly_from_rows
from simulators.egauge import EgaugeSimulator

from ..conftest import StartSimulator
from .test_simulator import Raw


@pytest.fixture
async def raw(start_simulator: StartSimulator) -> AsyncIterator[Raw]:
    """A logged-in raw client of a running meter."""
    sim = await start_simulator(EgaugeSimulator())
    async with aiohttp.ClientSession() as session:
        client = Raw(session, sim)
        assert "jwt" in await client.login()
        yield client


# -- simulator ---------------------------------------------------------------------------


async def test_simulator_per_second_history(raw: Raw, freezer: FrozenDateTimeFactory) -> None:
    """A reversing register: every stored second reads back, with and without delta."""
    sim = raw.sim
    start = int(time.time())
    sim.set_reversing("Grid", high=3000.0, low=-2000.0, period=7, high_seconds=3, at=start)
    freezer.tick(70)
    _, body = await raw.get("/api/register", f"reg=0&time={start}:1:{start + 70}")
    (rng,) = body["ranges"]
    assert rng["delta"] == 1
    values = [int(r[0]) for r in rng["rows"]]
    assert len(values) == 71
    steps = [younger - older for younger, older in itertools.pairwise(values)]
    assert set(steps) == {3000, -2000}  # flow reverses within seconds
    assert values[0] - values[-1] == 10 * (3 * 3000 - 4 * 2000)
    # the same range as differences: first row absolute, then older minus younger
    _, body = await raw.get("/api/register", f"reg=0&time={start}:1:{start + 70}&delta")
    rows = body["ranges"][0]["rows"]
    assert int(rows[0][0]) == values[0]
    assert [int(r[0]) for r in rows[1:]] == [-s for s in steps]
    # the rate follows the square wave
    _, body = await raw.get("/api/register", "reg=0&rate")
    assert body["registers"][0]["rate"] in (3000, -2000)
    positive, negative = sim.counts_between("Grid", start, start + 70)
    assert positive - negative == values[0] - values[-1]
    assert positive == 30 * 3000


async def test_simulator_coarser_old_rows_and_clock_jump(
    raw: Raw, freezer: FrozenDateTimeFactory
) -> None:
    """Older rows are minute rows (a second range); a clock jump keeps every row."""
    sim = raw.sim
    sim.second_retention = 600
    now = int(time.time())
    _, body = await raw.get("/api/register", f"reg=0&time={now - 1800}:1:now&delta")
    first, second = body["ranges"]
    assert first["delta"] == 1
    assert len(first["rows"]) == 601
    assert second["delta"] == 60
    assert int(second["ts"]) % 60 == 0
    assert int(second["ts"]) < now - 600
    before = sim.register("Grid").value_at(now)
    sim.advance(3 * HOUR)
    _, body = await raw.get("/api/register", f"reg=0&time={now}&raw")
    assert int(body["ranges"][0]["rows"][0][0]) == pytest.approx(before, abs=1798 * 60)
    _, body = await raw.get("/api/register", "reg=0&time=now&raw")
    assert int(body["ranges"][0]["rows"][0][0]) == before + 1798 * 3 * HOUR


# -- parsing and arithmetic --------------------------------------------------------------


def test_parse_series_delta_across_ranges() -> None:
    """The spec's example: delta rows continue across ranges; times from ts - i*delta."""
    body = {
        "ts": "1678330813.000129799",
        "registers": [
            {"name": "Grid", "type": "P", "idx": 17, "did": 0, "rate": 1798},
            {"name": "use", "type": "P", "idx": 20},
        ],
        "ranges": [
            {"ts": "1678298313", "delta": 1, "rows": [["1000", "50"], ["-224", "-5"]]},
            {"ts": "1678298040", "delta": 60, "rows": [["905", "1"], ["7663", "2"]]},
        ],
    }
    data = parse_registers(body, delta=True)
    assert data.registers["reg0"].cumulative == 1000
    assert data.series["reg0"] == [
        (1678298313.0, 1000),
        (1678298312.0, 776),
        (1678298040.0, 1681),
        (1678297980.0, 9344),
    ]
    assert data.series["virt_use"][-1] == (1678297980.0, 48)
    # without delta every row is absolute
    assert parse_registers(body).series["reg0"][1] == (1678298312.0, -224)
    # a malformed value ends that register's series only
    body["ranges"][0]["rows"][1][0] = "x"
    broken = parse_registers(body, delta=True).series
    assert broken["reg0"] == [(1678298313.0, 1000)]
    assert len(broken["virt_use"]) == 4
    assert parse_series("nope", ["reg0"], delta=True) == {"reg0": []}
    assert parse_series([{"ts": "1", "delta": 1, "rows": [5]}], ["a"], delta=False) == {"a": []}
    assert parse_series([{"ts": None}], ["a", None], delta=False) == {"a": []}
    assert parse_series(["bad"], ["a"], delta=False) == {"a": []}


def test_counter_split_continues_exactly() -> None:
    """Totals from differences; a restored state ignores old rows and continues."""
    split = CounterSplit()
    rows = [(float(t), v) for t, v in enumerate([0, 5, 3, 10, 4, 4, 9])]
    assert split.feed(rows[:4], max_rate=100) == 3
    assert (split.imported, split.exported) == (12, 2)
    restored = CounterSplit.from_dict(split.as_dict())
    # overlapping rows after a restart: nothing counted twice
    assert restored.feed(rows, max_rate=100) == 3
    assert (restored.imported, restored.exported) == (17, 8)
    assert restored.imported - restored.exported == 9
    # sign flipped: the two directions swap
    flipped = CounterSplit()
    flipped.feed(rows, max_rate=100, sign=-1)
    assert (flipped.imported, flipped.exported) == (8, 17)
    assert CounterSplit.from_dict("junk") == CounterSplit()
    assert CounterSplit.from_dict({"ts": "x"}) == CounterSplit()


def test_counter_split_skips_bad_history() -> None:
    """A reset or moved epoch is skipped (never a negative or absurd hour)."""
    split = CounterSplit()
    split.feed([(0.0, 1000), (1.0, 1500), (2.0, -(10**12)), (3.0, -(10**12) + 400)], max_rate=1e6)
    assert split.skipped == 1
    assert (split.imported, split.exported) == (900, 0)


def test_hour_buckets() -> None:
    """Differences land in their clock hour; a long interval is shared by time."""
    split = CounterSplit()
    split.feed([(3590.0, 0), (3600.0, 100), (3610.0, 50)], max_rate=1e6)
    assert split.complete_hours() == [(0, HourBucket(100, 0))]
    assert split.hours == {3600: HourBucket(0, 50)}
    hours, rest = hourly_from_rows([(1800.0, 0), (9000.0, 7200)], max_rate=1e6)
    assert hours == [
        (0, HourBucket(1800, 0)),
        (3600, HourBucket(3600, 0)),
        (7200, HourBucket(1800, 0)),
    ]
    assert rest.imported == 7200
    assert hours[0][1].net == 1800
    assert CounterSplit().complete_hours() == []


# -- the client against the simulator: a day of reversing flow ------------------------------


async def test_client_split_over_a_day(
    start_simulator: StartSimulator, freezer: FrozenDateTimeFactory
) -> None:
    """Reversing every few seconds over a simulated day: exact split, one request a poll."""
    sim = await start_simulator(EgaugeSimulator())
    begin = int(time.time())
    sim.set_reversing("Grid", high=4100.0, low=-2900.0, period=11, high_seconds=4, at=begin)
    async with aiohttp.ClientSession() as session:
        client = EgaugeClient(session, sim.url, "owner", "secret")
        first = await client.async_get_registers()
        splits = {key: CounterSplit() for key, reg in first.registers.items() if reg.splits}
        assert set(splits) == {"reg0", "reg1", "virt_use", "virt_gen"}
        for key, split in splits.items():
            split.feed(
                [(float(int(first.ts or 0)), first.registers[key].cumulative or 0)],
                max_rate=MAX_POWER,
            )
        start_value = first.registers["reg0"].cumulative or 0
        start_ts = splits["reg0"].ts
        assert start_ts is not None
        sim.clear_log()
        polls = 0
        last = (0, 0)
        for _ in range(24 * 6):
            freezer.tick(600)
            since = splits["reg0"].ts
            data = await client.async_get_registers(since=since)
            polls += 1
            for key, split in splits.items():
                split.feed(data.series[key], max_rate=MAX_POWER)
            grid = splits["reg0"]
            assert grid.imported >= last[0]
            assert grid.exported >= last[1]
            last = (grid.imported, grid.exported)
        # one register request a poll (the rest: logins as the 10-minute tokens run out)
        assert len(sim.requests("/api/register")) == polls
        assert len(sim.log) - polls == 2 * len(sim.requests("/api/auth/login"))
        grid = splits["reg0"]
        net = (data.registers["reg0"].cumulative or 0) - start_value
        assert grid.imported - grid.exported == pytest.approx(net, rel=1e-3)
        positive, negative = sim.counts_between("Grid", start_ts, grid.ts or 0)
        assert grid.imported == pytest.approx(positive, rel=1e-3)
        assert grid.exported == pytest.approx(negative, rel=1e-3)
        assert grid.exported > 0.3 * grid.imported  # both directions really happened
        # a constant register only imports (the virtual 'gen' = -Solar)
        assert splits["virt_gen"].exported == 0
        assert splits["reg1"].imported == 0


def test_history_option_values() -> None:
    """The history depth is clamped; junk gives the default; the flipped keys are strings."""
    from custom_components.energy_hub.vendors.egauge import flow

    assert flow.history_days({}) == 30
    assert flow.history_days({"egauge_history_days": "x"}) == 30
    assert flow.history_days({"egauge_history_days": 9999}) == 365
    assert flow.history_days({"egauge_history_days": -3}) == 0
    assert flow.inverted({"egauge_inverted": ["reg0", 5]}) == frozenset({"reg0"})
    assert flow.inverted({"egauge_inverted": "reg0"}) == frozenset()
