"""Exact import/export split: simulator history, range/delta parsing, split arithmetic."""

from __future__ import annotations

import itertools
import time
from typing import Any

import aiohttp
from freezegun.api import FrozenDateTimeFactory
from hypothesis import example, given, strategies as st
import pytest

from custom_components.energy_hub.api.egauge import (
    MAX_POWER,
    EgaugeClient,
    parse_registers,
    parse_series,
)
from custom_components.energy_hub.api.energy import (
    HOUR,
    CounterSplit,
    HourBucket,
    Rows,
    hourly_from_rows,
)
from custom_components.energy_hub.api.values import finite_float, finite_int
from simulators.egauge import EgaugeSimulator

from ..conftest import StartSimulator
from .test_simulator import Raw

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
    # 601 one-second rows; the minute row before them continues the range when it lies
    # one second earlier (now one second past a minute)
    assert len(first["rows"]) == 601 + (now % 60 == 1)
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


def _reference_series(
    ranges: Any, columns: list[str | None], *, delta: bool
) -> dict[str, list[tuple[float, int]]]:
    """parse_series as its docstring says it, one cell at a time (for comparison)."""
    series: dict[str, list[tuple[float, int]]] = {k: [] for k in columns if k is not None}
    if not isinstance(ranges, list):
        return series
    broken: set[int] = set()
    previous: dict[int, int] = {}
    for rng in ranges:
        if not isinstance(rng, dict):
            break
        start, step, rows = (
            finite_float(rng.get("ts")),
            finite_float(rng.get("delta")),
            rng.get("rows"),
        )
        if start is None or step is None or step < 0 or not isinstance(rows, list):
            break
        for i, row in enumerate(rows):
            if not isinstance(row, list):
                return series
            for column, key in enumerate(columns):
                if key is None or column in broken:
                    continue
                value = finite_int(row[column]) if column < len(row) else None
                if value is None:
                    broken.add(column)
                    continue
                if delta and column in previous:
                    value += previous[column]
                previous[column] = value
                series[key].append((start - i * step, value))
    return series


#: Odd cells and counter text at its edges (18 and 19 digits, -0): int() reads some of them.
_ODD_CELLS = st.sampled_from(
    [
        *("007", "+5", "1,2", "-", "-0", " 12 ", "1_000", "7.0", "1.5", "1e3", "\u0663", "5\n"),
        *("", "9" * 18, "-" + "9" * 18, "9" * 19, "-" + "9" * 19, "1" * 30, 7, 2.5, True, None),
    ]
)
_CELLS = st.one_of(
    st.integers(min_value=-(10**15), max_value=10**15).map(str),
    st.integers(min_value=-(10**15), max_value=10**15),
    st.sampled_from(["x", "9" * 120, "-5"]),
    _ODD_CELLS,
)


@given(
    st.lists(
        st.one_of(
            st.fixed_dictionaries(
                {
                    "ts": st.integers(min_value=0, max_value=10**10),
                    "delta": st.sampled_from([1, 60, 0.5]),
                    "rows": st.lists(
                        st.one_of(st.lists(_CELLS, max_size=4), st.just("row")), max_size=6
                    ),
                }
            ),
            st.just("junk"),
        ),
        max_size=3,
    ),
    st.booleans(),
)
# a bad cell ends its column, also in later ranges; a row that is no list ends all; a
# short row ends the columns it lacks
@example(
    [
        {"ts": 100, "delta": 1, "rows": [["5", "0", "7", "1"], ["x", "0", "2", "1"]]},
        {"ts": 90, "delta": 60, "rows": [["3", "0", "4", "1"], ["1", "0", "5"], "row", ["1"] * 4]},
        {"ts": 10, "delta": 1, "rows": [["1", "1", "1", "1"]]},
    ],
    True,
)
# a range without rows is no range with a row that is no list: the next range still counts
@example(
    [{"ts": 0, "delta": 1, "rows": []}, {"ts": 0, "delta": 1, "rows": [["1", "0", "2", "3"]]}],
    False,
)
def test_parse_series_matches_cell_by_cell(ranges: list[Any], delta: bool) -> None:
    """Column by column in C gives what reading every cell on its own gives."""
    columns: list[str | None] = ["a", None, "c", "d"]
    assert parse_series(ranges, columns, delta=delta) == _reference_series(
        ranges, columns, delta=delta
    )


@given(
    st.lists(
        st.lists(
            st.integers(min_value=-(10**18) + 1, max_value=10**18 - 1).map(str),
            min_size=4,
            max_size=4,
        ),
        min_size=1,
        max_size=8,
    ),
    st.none() | st.tuples(st.integers(min_value=0, max_value=7), st.integers(0, 3), _ODD_CELLS),
    st.booleans(),
)
# a comma inside a cell, fractions, a number beyond 64 bits, a number and a boolean
@example([["1", "2", "3", "4"], ["5", "6", "7", "8"]], (0, 0, "1,2"), False)
@example([["1", "2", "3", "4"], ["5", "6", "7", "8"]], (1, 2, "7.0"), True)
@example([["1", "2", "3", "4"], ["5", "6", "7", "8"]], (0, 3, "1.5"), False)
@example([["1", "2", "3", "4"], ["5", "6", "7", "8"]], (1, 0, 2.5), True)
@example([["1", "2", "3", "4"], ["5", "6", "7", "8"]], (0, 2, True), False)
@example([["1", "2", "3", "4"], ["5", "6", "7", "8"]], (1, 3, "9" * 19), False)
def test_parse_series_whole_range_matches_cell_by_cell(
    rows: list[list[Any]], odd: tuple[int, int, Any] | None, delta: bool
) -> None:
    """Full rows of counter text, at most one odd cell: the reading of a whole range at once."""
    if odd is not None:
        row, column, cell = odd
        rows[row % len(rows)][column] = cell
    ranges = [{"ts": 1000, "delta": 1, "rows": rows}]
    columns: list[str | None] = ["a", None, "c", "d"]
    series = parse_series(ranges, columns, delta=delta)
    assert series == _reference_series(ranges, columns, delta=delta)
    # exact counts: "7.0" is 7, never 7.0
    assert {type(value) for rows in series.values() for _, value in rows} <= {int}


def _reference_split(
    rows: list[tuple[float, int]], max_rate: float, sign: int
) -> tuple[int, int, int, dict[int, HourBucket]]:
    """The split as the definition says it, one difference at a time (for comparison)."""
    imported = exported = skipped = 0
    hours: dict[int, HourBucket] = {}
    previous: tuple[float, int] | None = None
    for t, value in sorted(rows):
        if previous is not None and t <= previous[0]:
            continue
        if previous is not None:
            diff = (value - previous[1]) * sign
            span = t - previous[0]
            if abs(diff) > max_rate * max(span, 1.0):
                skipped += 1
            else:
                imported += max(diff, 0)
                exported += max(-diff, 0)
                first = int(previous[0] // HOUR) * HOUR
                hour, given = first, 0
                while hour < t:  # each hour of the interval, in proportion to time
                    overlap = min(t, hour + HOUR) - max(previous[0], hour)
                    last = hour + HOUR >= t
                    share = diff - given if last else round(diff * overlap / span)
                    given += share
                    bucket = hours.setdefault(hour, HourBucket())
                    bucket.imported += max(share, 0)
                    bucket.exported += max(-share, 0)
                    hour += HOUR
        previous = (t, value)
    return imported, exported, skipped, hours


@given(
    st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=4 * HOUR).map(float),
            st.integers(min_value=-5000, max_value=5000),
        ),
        max_size=40,
        unique_by=lambda row: row[0],  # a meter has one row a time
    ),
    st.integers(min_value=0, max_value=3),
    st.sampled_from([1, -1]),
)
def test_counter_split_matches_the_definition(
    steps: list[tuple[float, int]], cut: int, sign: int
) -> None:
    """Fed in pieces, the split equals the plain per-difference sum (totals and hours)."""
    rows: list[tuple[float, int]] = []
    value = 0
    for t, step in sorted(steps):
        value += step
        rows.append((t, value))
    split = CounterSplit()
    # fed in consecutive pieces (as poll after poll), the last piece again (a retried
    # read): nothing may differ from one pass over the rows
    size = max(1, len(rows) // (cut + 1))
    pieces = [rows[i : i + size] for i in range(0, len(rows), size)]
    for piece in [*pieces, *pieces[-1:]]:
        split.feed(list(reversed(piece)), max_rate=2000, sign=sign)
    ordered = rows
    imported, exported, skipped, hours = _reference_split(ordered, 2000, sign)
    assert (split.imported, split.exported, split.skipped) == (imported, exported, skipped)
    assert split.hours == hours
    assert split.imported - split.exported == sum(b.net for b in hours.values())


@given(
    st.tuples(
        # times a float holds exactly, so that both ways of writing a row's time agree
        st.integers(min_value=0, max_value=3 * HOUR).map(float),
        st.sampled_from([1.0, 2.0, 60.0, 0.5]),
    ),
    st.lists(st.integers(min_value=-3000, max_value=3000), min_size=1, max_size=60),
    # rows a poll brings, and the rows between two polls nobody read (0: none)
    st.tuples(st.integers(min_value=1, max_value=25), st.sampled_from([0, 0, 1, 2])),
    st.tuples(st.sampled_from([1, -1]), st.booleans()),
)
@example((10.0, 1.0), [5, -7, 2500, 4], (2, 0), (1, False))  # an implausible step...
@example((0.0, 1.0), [5, -7, 4, 9, 2500, 4], (3, 0), (1, False))  # ...in a poll's rows
@example((0.0, 1.0), [5, -7, 4, 9, -2500, 4], (3, 0), (1, False))  # ...the other way
@example((0.0, 1.0), [5, 7, 4, 9, 2500], (2, 2), (1, False))  # plausible only over the gap
@example((3590.0, 1.0), [5, -7, 4, 9, 1], (4, 0), (-1, False))  # rows cross a clock hour
@example((0.0, 1.0), [5, -7, 4], (3, 0), (1, True))  # a step back on a counter that only counts up
@example((0.0, 1.0), [5, 3, 4, -1, 2], (2, 0), (1, True))  # ...by one count, in a poll's rows
def test_regular_rows_count_as_rows_do(
    timing: tuple[float, float],
    steps: list[int],
    reading: tuple[int, int],
    direction: tuple[int, bool],
) -> None:
    """Rows as a reply's range (:class:`Rows`) count exactly as the same rows as tuples.

    Poll after poll each read starts at the last row counted (the meter returns it
    again), or ``gap`` rows later (rows nobody read), the newest row first, as in a
    reply; the last read comes twice.
    """
    (start, step), (per_poll, gap), (sign, monotonic) = timing, reading, direction
    values = list(itertools.accumulate(steps, initial=1000))
    times = [start + i * step for i in range(len(values))]
    regular, tuples = CounterSplit(), CounterSplit()
    reads: list[tuple[int, int]] = []
    first = 0
    while first < len(values):
        last = min(first + per_poll, len(values) - 1)
        reads.append((first, last))
        if last == len(values) - 1:
            break
        first = last + gap
    for first, last in [*reads, reads[-1]]:
        rows = Rows.of_values(times[last], step, values[first : last + 1][::-1])
        read = list(zip(times[first : last + 1], values[first : last + 1], strict=True))
        assert list(rows) == read[::-1]
        added = regular.feed(rows, max_rate=2000, sign=sign, monotonic=monotonic)
        assert added == tuples.feed(list(rows), max_rate=2000, sign=sign, monotonic=monotonic)
        assert regular == tuples
    if not monotonic and not gap:
        assert (regular.imported, regular.exported, regular.skipped, regular.hours) == (
            _reference_split(list(zip(times, values, strict=True)), 2000, sign)
        )


def test_rows_behave_as_a_list() -> None:
    """:class:`Rows` reads as the list of its rows: index, slice, length, equality."""
    rows = Rows.of_values(100.0, 2.0, [7, 5, 4])
    assert rows.deltas == [7, -2, -1]
    assert rows.values == [7, 5, 4]
    assert len(rows) == 3
    assert rows[0] == (100.0, 7)
    assert rows[-1] == (96.0, 4)
    assert rows[1:] == [(98.0, 5), (96.0, 4)]
    assert rows == [(100.0, 7), (98.0, 5), (96.0, 4)]
    assert rows != [(100.0, 7)]
    assert rows != "rows"
    assert min(rows) == (96.0, 4)
    with pytest.raises(IndexError):
        rows.__getitem__(3)
    # rows of one time (a step of 0) are counted row by row, as tuples are
    same, tuples = CounterSplit(ts=99.0, value=1), CounterSplit(ts=99.0, value=1)
    same.feed(Rows.of_values(100.0, 0.0, [9, 4]), max_rate=100)
    tuples.feed([(100.0, 9), (100.0, 4)], max_rate=100)
    assert same == tuples
    assert same.imported == 3


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
        # the same read for rates and totals only: the rows are not kept
        bare = await client.async_get_registers(since=grid.ts, series=False)
        assert bare.series == {}
        assert bare.registers.keys() == data.registers.keys()


def test_history_option_values() -> None:
    """The history depth is clamped; junk gives the default; the flipped keys are strings."""
    from custom_components.energy_hub.vendors.egauge import flow

    assert flow.history_days({}) == 30
    assert flow.history_days({"egauge_history_days": "x"}) == 30
    assert flow.history_days({"egauge_history_days": 9999}) == 365
    assert flow.history_days({"egauge_history_days": -3}) == 0
    assert flow.inverted({"egauge_inverted": ["reg0", 5]}) == frozenset({"reg0"})
    assert flow.inverted({"egauge_inverted": "reg0"}) == frozenset()
