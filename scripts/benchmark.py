"""Benchmarks (not tests: figures only, ratios measured side by side in one run).

    .venv/bin/python scripts/benchmark.py [--polls N] [--only clients|ems]

``clients``: eGauge is measured three times in one run: today's poll, the poll with the
exact import/export split (every stored 1 s row since the last poll, in the same single
request), and that poll's request and reply without the split (rows only: what the larger
reply costs by itself); the meter's clock moves 30 s between polls in all, and the
simulator's reply is rendered before the round's timed polls (so that its own speed does not
count). Each vendor: start its simulator on loopback on a thread of its own, make one
warm-up poll (login, discovery), then run N rounds in which every case polls once
(interleaved, so a machine busy with other work affects all alike; the order shuffled each
round, so that every case follows every other about equally often), and count the requests
each poll made from the simulator's request log. go-e's one-request-per-second limiter is
set to 0 here so that the figure is the client's own cost, not the limiter's wait.

go-e is measured three ways: the filter of the release before the key catalogue (18 keys),
the catalogue's enabled-by-default entities and every catalogue entity enabled; each poll
also reads every entity's value from the answer, as the entities do. ``cpu ms`` is the
median CPU time of the polling thread per poll (client and value reading; the simulators'
threads are not counted); the last lines are the ratios go-e default / before, eGauge
split / plain and eGauge rows only / plain, measured in this run.

``ems``: the event-loop CPU one refresh of an EMS entry costs inside Home Assistant (the
requests, parsing, dispatch and state writes), for 300 and 2,500 signals with every
signal's entity enabled and for 2,500 signals with the default set, next to Home
Assistant's floor measured in the same run: a minimal ``DataUpdateCoordinator`` and as
many minimal ``CoordinatorEntity`` sensors returning a number (and, for reference, the
same sensors with a device class, unit and state class). Each is measured with every
value changed and with nothing changed, the refreshes interleaved (ours, floor, floor
with unit, ...) so that a machine busy with other work affects all alike. The simulator
runs on its own thread and event loop, so only Home Assistant's loop thread is measured
(``time.thread_time``); the figures are medians of N refreshes.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
import contextlib
from dataclasses import dataclass
from datetime import timedelta
import gc
import json
import logging
from pathlib import Path
import random
import statistics
import sys
import tempfile
import threading
import time
from typing import Any
from unittest.mock import patch

import aiohttp
from aiohttp.resolver import ThreadedResolver
from homeassistant import loader
from homeassistant.components.sensor import SensorDeviceClass, SensorEntity, SensorStateClass
from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_USERNAME
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.update_coordinator import CoordinatorEntity, DataUpdateCoordinator
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    MockEntityPlatform,
    async_test_home_assistant,
)

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from custom_components.energy_hub.api.egauge import (
    MAX_POWER,
    REGISTER_QUERY,
    SINCE_QUERY,
    EgaugeClient,
)
from custom_components.energy_hub.api.ekm import EkmClient
from custom_components.energy_hub.api.ems import EmsClient
from custom_components.energy_hub.api.energy import CounterSplit
from custom_components.energy_hub.api.goe import GoeClient, GoeKeySupport
from custom_components.energy_hub.const import CONF_VENDOR, DOMAIN
from custom_components.energy_hub.vendors.ems.const import CONF_HISTORY_DAYS as EMS_HISTORY_DAYS
from simulators.base import Simulator
from simulators.egauge import EgaugeSimulator
from simulators.ekm import EkmSimulator
from simulators.ems import EmsSimulator
from simulators.goe import GoeSimulator

Poll = Callable[[], Awaitable[Any]]


@dataclass
class Case:
    """One client case: ``poll`` is timed; ``prepare`` (not timed) runs before each poll."""

    poll: Poll
    prepare: Callable[[], Any] | None = None


def _staged_egauge(sim: EgaugeSimulator, query: Callable[[], str]) -> Callable[[], None]:
    """Move the meter's clock by ``EGAUGE_INTERVAL``, then stage its reply to ``query()``.

    The simulator computes every stored row it returns in Python, 31 rows taking it several
    times longer than one. Every eGauge case gets the simulator's reply rendered before the
    timed poll, and the simulator answers it at once (its ``body`` fault, once, for
    ``/api/register``), so that the figure does not depend on the simulator's speed. The
    next call checks that the poll asked exactly for the staged reply.
    """
    staged: list[str] = []

    def prepare() -> None:
        if staged and (sim.faults.remaining or sim.log[-1].query_string != staged[-1]):
            raise RuntimeError(f"the poll did not ask for the staged {staged[-1]}")
        sim.advance(EGAUGE_INTERVAL)
        staged.append(query())
        sim.faults.reset()
        sim.faults.body = json.dumps(sim.register_reply(staged[-1])).encode()
        sim.faults.paths = ("/api/register",)
        sim.faults.remaining = 1

    return prepare


async def _egauge_plain(session: aiohttp.ClientSession, sim: EgaugeSimulator) -> Case:
    """Today's poll, without the split: rates and totals only, no rows kept; the same clock."""
    client = EgaugeClient(session, sim.url, "owner", "secret", verify_ssl=False)

    async def poll() -> Any:
        return await client.async_get_registers(series=False)

    return Case(poll, _staged_egauge(sim, lambda: REGISTER_QUERY))


def _reversing_meter(session: aiohttp.ClientSession, sim: EgaugeSimulator) -> EgaugeClient:
    """A client of ``sim``, whose grid register reverses its flow several times a poll."""
    sim.set_reversing("Grid", high=4100.0, low=-2900.0, period=11, high_seconds=4)
    return EgaugeClient(session, sim.url, "owner", "secret", verify_ssl=False)


async def _egauge_split(session: aiohttp.ClientSession, sim: EgaugeSimulator) -> Case:
    """The poll with the import/export split: every row since the last poll, then split."""
    client = _reversing_meter(session, sim)
    first = await client.async_get_registers()
    splits = {k: CounterSplit() for k, r in first.registers.items() if r.splits}
    for key, split in splits.items():
        split.feed(
            [(float(int(first.ts or 0)), first.registers[key].cumulative or 0)], max_rate=MAX_POWER
        )

    def since() -> float:
        return splits["reg0"].ts or 0.0

    async def poll() -> Any:
        data = await client.async_get_registers(since=since())
        for key, split in splits.items():
            split.feed(data.series.get(key, []), max_rate=MAX_POWER)
            split.complete_hours()
        return data

    return Case(poll, _staged_egauge(sim, lambda: SINCE_QUERY.format(since=int(since()))))


async def _egauge_rows_only(session: aiohttp.ClientSession, sim: EgaugeSimulator) -> Case:
    """The split poll's request and reply, read for rates and totals only (no rows kept).

    What the larger reply costs by itself: ``reg`` selects the registers of the whole
    reply, so the rows since the last poll come for every register, not only for the
    power registers that split.
    """
    client = _reversing_meter(session, sim)
    since = [(await client.async_get_registers()).ts or 0.0]

    async def poll() -> Any:
        data = await client.async_get_registers(since=since[0], series=False)
        since[0] = data.ts or since[0]
        return data

    return Case(poll, _staged_egauge(sim, lambda: SINCE_QUERY.format(since=int(since[0]))))


async def _ems(session: aiohttp.ClientSession, sim: EmsSimulator) -> Case:
    client = EmsClient(session, sim.url, "admin", "s3cret!")
    config = await client.discover()
    wanted = [uid for uid, signal in config.signals.items() if signal.enable]

    async def poll() -> Any:
        return await client.realtime(wanted, len(wanted))

    return Case(poll)


async def _ekm(session: aiohttp.ClientSession, sim: EkmSimulator) -> Case:
    client = EkmClient(session, sim.key, sim.token, api_url=sim.url, push_url=sim.url)
    meters = sim.describe()["meters"].split(",")

    async def poll() -> Any:
        return await client.read_meters(meters)

    return Case(poll)


#: The filter of a default installation before the key catalogue (18 keys).
GOE_BEFORE = [
    "acs",
    "acu",
    "ama",
    "amp",
    "car",
    "dwo",
    "err",
    "eto",
    "frc",
    "fwv",
    "lmo",
    "modelStatus",
    "nrg",
    "psm",
    "tma",
    "ust",
    "var",
    "wh",
]


def _goe_rows(which: str) -> tuple[list[str], list[Any]]:
    """Filter keys and catalogue rows of one go-e case."""
    from custom_components.energy_hub.vendors.goe.descriptions import CATALOGUE  # noqa: PLC0415
    from custom_components.energy_hub.vendors.goe.entities import resolve  # noqa: PLC0415

    if which == "before":
        # the entities of that release: the catalogue rows that existed, enabled by default
        rows = [r for r in CATALOGUE if r.enabled and r.api_keys <= set(GOE_BEFORE)]
        return GOE_BEFORE, [(r, resolve) for r in rows]
    rows = [r for r in CATALOGUE if which == "all" or r.enabled]
    keys = sorted({"fwv"}.union(*(r.api_keys for r in rows)))
    return keys, [(r, resolve) for r in rows]


def _goe(which: str) -> Callable[[aiohttp.ClientSession, GoeSimulator], Awaitable[Case]]:
    async def make(session: aiohttp.ClientSession, sim: GoeSimulator) -> Case:
        client = GoeClient(session, sim.url, min_interval=0)
        support = GoeKeySupport()
        keys, rows = _goe_rows(which)
        sim.plug()

        async def poll() -> Any:
            status = await client.read(support.keys_to_ask(keys))
            support.learn(status)
            data = status.values
            for row, resolve in rows:
                for path in row.paths:
                    if path[0] in data:
                        resolve(data, path)
                        break
            return data

        return Case(poll)

    return make


#: Seconds of meter time between two eGauge polls (the default scan interval).
EGAUGE_INTERVAL = 30

CASES: dict[str, tuple[Callable[[], Simulator], Callable[..., Awaitable[Case]]]] = {
    "egauge": (EgaugeSimulator, _egauge_plain),
    "egauge (import/export)": (EgaugeSimulator, _egauge_split),
    "egauge (rows only)": (EgaugeSimulator, _egauge_rows_only),
    "ems (2,500 signals)": (lambda: EmsSimulator(total_signals=2500), _ems),
    "ekm (all meters)": (EkmSimulator, _ekm),
    "goe before catalogue": (GoeSimulator, _goe("before")),
    "goe default entities": (GoeSimulator, _goe("default")),
    "goe every entity": (GoeSimulator, _goe("all")),
}


async def clients(polls: int) -> None:
    """Time the clients' polls, every case once per round (interleaved)."""
    print(
        f"{'vendor':22s} {'polls':>5s} {'mean ms':>8s} {'p95 ms':>8s} {'cpu ms':>7s}"
        f" {'requests/poll':>14s} {'keys':>5s}"
    )
    durations: dict[str, list[float]] = {name: [] for name in CASES}
    cpu: dict[str, list[float]] = {name: [] for name in CASES}
    async with contextlib.AsyncExitStack() as stack:
        session = await stack.enter_async_context(aiohttp.ClientSession())
        sims: dict[str, Simulator] = {}
        runs: dict[str, Case] = {}
        for name, (make_sim, make_poll) in CASES.items():
            sim = sims[name] = make_sim()
            # each simulator on its own thread: only the client's work is on this one
            await stack.enter_async_context(threaded(sim))
            runs[name] = await make_poll(session, sim)
            await runs[name].poll()  # warm-up: login, token, discovery
            sim.clear_log()
        names = list(runs)
        order = random.Random(polls)  # noqa: S311 - the same orders on every run of N rounds
        for _ in range(polls):
            # every case's preparation first, then the polls in an order shuffled each
            # round: each case comes right after the preparations (whose work leaves the
            # caches cold) and right after each other case about equally often (a fixed
            # turn would put one case after the same other one almost every round, and
            # that one leaves the code they share warm for it)
            for case in runs.values():
                if case.prepare is not None:
                    case.prepare()
            order.shuffle(names)
            for name in names:
                case = runs[name]
                start, cpu_start = time.perf_counter(), time.thread_time()
                await case.poll()
                cpu[name].append((time.thread_time() - cpu_start) * 1000)
                durations[name].append((time.perf_counter() - start) * 1000)
        medians = {name: statistics.median(values) for name, values in cpu.items()}
        for name, sim in sims.items():
            p95 = statistics.quantiles(durations[name], n=20)[-1]
            wanted = sim.log[-1].query.get("filter", "") if sim.log else ""
            keys = str(len(wanted.split(","))) if wanted else "-"
            print(
                f"{name:22s} {polls:5d} {statistics.mean(durations[name]):8.2f} {p95:8.2f}"
                f" {medians[name]:7.2f} {len(sim.log) / polls:14.2f} {keys:>5s}"
            )
    before, default = medians["goe before catalogue"], medians["goe default entities"]
    print(f"go-e default poll CPU / before the catalogue: {default / before:.2f}x")
    split = medians["egauge (import/export)"] / medians["egauge"]
    print(f"eGauge CPU per poll, import/export split vs plain: {split:.2f}x (budget 1.2x)")
    rows = medians["egauge (rows only)"] / medians["egauge"]
    print(f"eGauge CPU per poll, the split's reply without the split vs plain: {rows:.2f}x")


# -- EMS inside Home Assistant, next to Home Assistant's floor ---------------------------


@contextlib.asynccontextmanager
async def threaded(sim: Simulator) -> AsyncIterator[str]:
    """Run ``sim`` on its own event loop in a thread; yields its URL."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="simulator", daemon=True)
    thread.start()
    try:
        url = await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(sim.start(), loop))
        yield url
    finally:
        await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(sim.stop(), loop))
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)
        loop.close()


async def _cpu(refresh: Callable[[], Awaitable[Any]], hass: Any) -> float:
    """Event-loop CPU (ms of this thread) of one ``refresh`` plus the work it queued.

    Each refresh starts after a full garbage collection, so that a collection the
    previous one's garbage makes due is not charged to whichever refresh comes next.
    """
    gc.collect()
    start = time.thread_time()
    await refresh()
    await hass.async_block_till_done()
    return (time.thread_time() - start) * 1000


class Floor:
    """Home Assistant's floor: one coordinator and ``count`` minimal coordinator sensors.

    Each has a unique id (so it is in the entity registry, as every integration's entity
    must be: quality scale rule ``entity-unique-id``) and a name, and returns a number.

    ``units``: the sensors also have a device class, a unit and a state class (what Home
    Assistant's sensor base class costs for a sensor with a unit, shown for reference).
    """

    def __init__(self, hass: Any, count: int, *, units: bool = False) -> None:
        """Create the coordinator; ``start`` adds the sensors."""
        self.hass = hass
        self.count = count
        self.units = units
        self.step = 0
        self.coordinator: DataUpdateCoordinator[list[float]] = DataUpdateCoordinator(
            hass,
            logging.getLogger("floor"),
            config_entry=None,
            name="floor",
            update_method=self._update,
            update_interval=timedelta(hours=1),
        )
        self.platform = MockEntityPlatform(
            hass, domain="sensor", platform_name=f"floor{'_units' if units else ''}{count}"
        )

    async def _update(self) -> list[float]:
        return [float(self.step + i) for i in range(self.count)]

    async def start(self) -> None:
        """Add the sensors."""
        coordinator = self.coordinator
        units = self.units
        prefix = f"floor_{'unit_' if units else ''}{self.count}_{id(self)}"

        class FloorSensor(CoordinatorEntity[DataUpdateCoordinator[list[float]]], SensorEntity):
            def __init__(self, index: int) -> None:
                super().__init__(coordinator)
                self._index = index
                self._attr_name = f"Floor {index}"
                self._attr_unique_id = f"{prefix}_{index}"
                if units:
                    self._attr_device_class = SensorDeviceClass.POWER
                    self._attr_native_unit_of_measurement = "W"
                    self._attr_state_class = SensorStateClass.MEASUREMENT

            @property
            def native_value(self) -> float:
                return self.coordinator.data[self._index]

        await coordinator.async_refresh()
        await self.platform.async_add_entities([FloorSensor(i) for i in range(self.count)])
        await self.hass.async_block_till_done()

    async def changed(self) -> None:
        """A refresh in which every value changed."""
        self.step += 1
        await self.coordinator.async_refresh()

    async def unchanged(self) -> None:
        """A refresh in which no value changed."""
        await self.coordinator.async_refresh()

    async def stop(self) -> None:
        """Remove the sensors."""
        await self.platform.async_reset()


@contextlib.asynccontextmanager
async def _ems_entry(hass: Any, signals: int, *, enable_all: bool) -> AsyncIterator[Any]:
    """A loaded EMS entry of a ``signals`` gateway; yields (simulator, coordinator, entities)."""
    sim = EmsSimulator(total_signals=signals, serial=f"BENCH{signals}{'ALL' if enable_all else ''}")
    sim.frozen_time = time.time()
    async with threaded(sim) as url:
        entry = MockConfigEntry(
            domain=DOMAIN,
            title=f"EMS gateway {sim.serial}",
            unique_id=sim.serial,
            data={
                CONF_VENDOR: "ems",
                CONF_HOST: url,
                CONF_USERNAME: sim.username,
                CONF_PASSWORD: sim.password,
                "verify_ssl": True,
            },
            # the one-off history import after setup would run in the background while
            # the polls are measured: it is not part of a poll
            options={EMS_HISTORY_DAYS: 0},
        )
        entry.add_to_hass(hass)
        ent_reg = er.async_get(hass)
        if enable_all:
            # every signal's entity enabled (also those disabled by default)
            for uid in sim.enabled_signals():
                ent_reg.async_get_or_create(
                    "sensor",
                    DOMAIN,
                    f"{sim.serial}_signal_{uid}",
                    config_entry=entry,
                    disabled_by=None,
                )
        if not await hass.config_entries.async_setup(entry.entry_id):
            raise RuntimeError("the EMS entry did not set up")
        await hass.async_block_till_done()
        entities = sum(
            1
            for reg in er.async_entries_for_config_entry(ent_reg, entry.entry_id)
            if reg.domain == "sensor" and not reg.disabled
        )
        try:
            yield sim, entry.runtime_data.coordinator, entities
        finally:
            await hass.config_entries.async_unload(entry.entry_id)
            await hass.async_block_till_done()


async def _ems_case(hass: Any, signals: int, polls: int, *, enable_all: bool) -> str:
    """One row: ours next to both floors, refreshes interleaved, medians."""
    async with _ems_entry(hass, signals, enable_all=enable_all) as (sim, coordinator, entities):
        floor = Floor(hass, entities)
        floor_units = Floor(hass, entities, units=True)
        await floor.start()
        await floor_units.start()

        async def ours_changed() -> None:
            sim.value_offset += 1.0
            await coordinator.async_refresh()

        samples: dict[str, list[float]] = {}
        cases = (
            ("ours_all", ours_changed),
            ("floor_all", floor.changed),
            ("units_all", floor_units.changed),
            ("ours_none", coordinator.async_refresh),
            ("floor_none", floor.unchanged),
            ("units_none", floor_units.unchanged),
        )
        for _ in range(polls):
            for name, refresh in cases:
                samples.setdefault(name, []).append(await _cpu(refresh, hass))
        await floor.stop()
        await floor_units.stop()
    m = {name: statistics.median(values) for name, values in samples.items()}

    def ratio(ours: str, floor: str) -> float:
        # the median of the ratios of refreshes measured one right after the other: a
        # machine whose load drifts moves both sides of each pair alike
        return statistics.median(
            o / f for o, f in zip(samples[ours], samples[floor], strict=True) if f > 0
        )

    label = f"{signals} ({'all enabled' if enable_all else 'default set'})"
    return (
        f"{label:>22s} {entities:8d} | {m['ours_all']:7.1f} {m['floor_all']:7.1f}"
        f" {ratio('ours_all', 'floor_all'):5.2f} {m['units_all']:7.1f}"
        f" {ratio('ours_all', 'units_all'):5.2f} | {m['ours_none']:7.1f} {m['floor_none']:7.1f}"
        f" {ratio('ours_none', 'floor_none'):5.2f}"
    )


async def ems(polls: int) -> None:
    """EMS refresh cost inside Home Assistant next to HA's floor."""
    print(
        "Event-loop CPU per refresh (ms, median). 'floor': minimal CoordinatorEntity sensors\n"
        "returning a number, as many as our enabled sensors; 'floor+unit': the same with a\n"
        "device class, unit and state class. ratio: the median of ours / floor over\n"
        "refreshes measured one right after the other.\n"
    )
    print(
        f"{'signals':>22s} {'entities':>8s} | {'--------- all changed ---------':^37s} |"
        f" {'------ none changed ------':^21s}"
    )
    print(
        f"{'':>22s} {'':>8s} | {'ours':>7s} {'floor':>7s} {'ratio':>5s} {'f+unit':>7s}"
        f" {'ratio':>5s} | {'ours':>7s} {'floor':>7s} {'ratio':>5s}"
    )
    with (
        tempfile.TemporaryDirectory() as config_dir,
        # no zeroconf in this bare instance: resolve names as aiohttp does by default
        patch(
            "homeassistant.helpers.aiohttp_client._async_make_resolver",
            return_value=ThreadedResolver(),
        ),
    ):
        async with async_test_home_assistant(config_dir=config_dir) as hass:
            hass.data.pop(loader.DATA_CUSTOM_COMPONENTS)
            for signals, enable_all in ((300, True), (2500, True), (2500, False)):
                print(await _ems_case(hass, signals, polls, enable_all=enable_all))


def simulator_start_times(runs: int = 5) -> None:
    """Seconds from ``python -m simulators <vendor>`` to its first line (it is serving then)."""
    import subprocess  # noqa: PLC0415

    root = Path(__file__).resolve().parent.parent
    print(f"\n{'simulator start':22s} {'runs':>5s} {'median s':>8s} {'max s':>8s}")
    for name in ("egauge", "ekm", "ems", "goe"):
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            with subprocess.Popen(
                [sys.executable, "-m", "simulators", name, "--json"],
                cwd=root,
                stdout=subprocess.PIPE,
                text=True,
            ) as proc:
                if proc.stdout is not None:
                    proc.stdout.readline()
                times.append(time.perf_counter() - start)
                proc.terminate()
        print(f"{name:22s} {runs:5d} {statistics.median(times):8.2f} {max(times):8.2f}")


async def main(polls: int, only: str | None) -> None:
    """Run the benchmarks."""
    if only in (None, "clients"):
        await clients(polls)
    if only in (None, "ems"):
        if only is None:
            print()
        await ems(max(5, polls // 5))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--polls", type=int, default=50)
    parser.add_argument("--only", choices=("clients", "ems"))
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    asyncio.run(main(args.polls, args.only))
    if args.only is None:
        simulator_start_times()
