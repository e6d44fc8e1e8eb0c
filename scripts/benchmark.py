"""Time one poll of each vendor's client against its simulator (not a test: figures only).

    .venv/bin/python scripts/benchmark.py [--polls N]

CPU is the process time per poll of the client and loopback HTTP; for eGauge the time the
simulator spends building its reply (it runs in this process) is subtracted. eGauge is measured twice in the same run: today's poll (rates and totals) and the
poll with the exact import/export split (every stored 1 s row since the last poll in the
same single request, split per register); the meter's clock moves 30 s between polls in
both, and the ratio of the two is printed.

Each vendor: start its simulator on loopback, make one warm-up poll (login, discovery),
then time N steady-state polls and count the requests each one made from the simulator's
request log. go-e's one-request-per-second limiter is set to 0 here so that the figure is
the client's own cost, not the limiter's wait.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
import statistics
import sys
import time
from typing import Any

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from custom_components.energy_hub.api.egauge import MAX_POWER, EgaugeClient
from custom_components.energy_hub.api.ekm import EkmClient
from custom_components.energy_hub.api.ems import EmsClient
from custom_components.energy_hub.api.energy import CounterSplit
from custom_components.energy_hub.api.goe import GoeClient
from simulators.base import Simulator
from simulators.egauge import EgaugeSimulator
from simulators.ekm import EkmSimulator
from simulators.ems import EmsSimulator
from simulators.goe import GoeSimulator

Poll = Callable[[], Awaitable[Any]]


async def _egauge(session: aiohttp.ClientSession, sim: EgaugeSimulator) -> Poll:
    client = EgaugeClient(session, sim.url, "owner", "secret", verify_ssl=False)
    return client.async_get_registers


def _move_clock(sim: EgaugeSimulator) -> None:
    """Each poll sees ``EGAUGE_INTERVAL`` more seconds of stored rows."""
    sim.advance(EGAUGE_INTERVAL)


async def _egauge_split(session: aiohttp.ClientSession, sim: EgaugeSimulator) -> Poll:
    """The poll with the import/export split: every row since the last poll, then split."""
    client = EgaugeClient(session, sim.url, "owner", "secret", verify_ssl=False)
    sim.set_reversing("Grid", high=4100.0, low=-2900.0, period=11, high_seconds=4)
    first = await client.async_get_registers()
    splits = {k: CounterSplit() for k, r in first.registers.items() if r.splits}
    for key, split in splits.items():
        split.feed(
            [(float(int(first.ts or 0)), first.registers[key].cumulative or 0)], max_rate=MAX_POWER
        )

    async def poll() -> Any:
        _move_clock(sim)
        data = await client.async_get_registers(since=splits["reg0"].ts)
        for key, split in splits.items():
            split.feed(data.series.get(key, []), max_rate=MAX_POWER)
            split.complete_hours()
        return data

    return poll


async def _egauge_plain(session: aiohttp.ClientSession, sim: EgaugeSimulator) -> Poll:
    """Today's poll (rates and totals only), with the same clock movement."""
    poll_once = await _egauge(session, sim)

    async def poll() -> Any:
        _move_clock(sim)
        return await poll_once()

    return poll


async def _ems(session: aiohttp.ClientSession, sim: EmsSimulator) -> Poll:
    client = EmsClient(session, sim.url, "admin", "s3cret!")
    config = await client.discover()
    wanted = [uid for uid, signal in config.signals.items() if signal.enable]

    async def poll() -> Any:
        return await client.realtime(wanted)

    return poll


async def _ekm(session: aiohttp.ClientSession, sim: EkmSimulator) -> Poll:
    client = EkmClient(session, sim.key, sim.token, api_url=sim.url, push_url=sim.url)
    meters = sim.describe()["meters"].split(",")

    async def poll() -> Any:
        return await client.read_meters(meters)

    return poll


async def _goe(session: aiohttp.ClientSession, sim: GoeSimulator) -> Poll:
    client = GoeClient(session, sim.url, min_interval=0)
    keys = ["amp", "car", "eto", "nrg", "wh", "psm", "frc", "lmo", "acu", "ama", "err"]

    async def poll() -> Any:
        return await client.status(keys)

    return poll


def _meter_simulator_cpu(sim: Simulator) -> None:
    """Count the CPU the simulator's /register handler spends (it runs in this process)."""
    if not isinstance(sim, EgaugeSimulator):
        return
    sim_cpu[id(sim)] = 0.0
    original = sim.register_reply

    def timed(raw_query: str) -> dict[str, Any]:
        start = time.process_time()
        try:
            return original(raw_query)
        finally:
            sim_cpu[id(sim)] += time.process_time() - start

    sim.register_reply = timed  # type: ignore[method-assign]


def _simulator_cpu(sim: Simulator) -> float:
    return sim_cpu.get(id(sim), 0.0)


sim_cpu: dict[int, float] = {}

#: Seconds of meter time between two eGauge polls (the default scan interval).
EGAUGE_INTERVAL = 30

CASES: dict[str, tuple[Callable[[], Simulator], Callable[..., Awaitable[Poll]]]] = {
    "egauge": (EgaugeSimulator, _egauge_plain),
    "egauge (import/export)": (EgaugeSimulator, _egauge_split),
    "ems (2,500 signals)": (lambda: EmsSimulator(total_signals=2500), _ems),
    "ekm (all meters)": (EkmSimulator, _ekm),
    "goe (local)": (GoeSimulator, _goe),
}


async def main(polls: int) -> None:
    print(
        f"{'vendor':22s} {'polls':>5s} {'mean ms':>8s} {'p95 ms':>8s} {'cpu ms':>7s}"
        f" {'requests/poll':>14s}"
    )
    means: dict[str, float] = {}
    async with aiohttp.ClientSession() as session:
        for name, (make_sim, make_poll) in CASES.items():
            sim = make_sim()
            await sim.start()
            try:
                poll = await make_poll(session, sim)
                await poll()  # warm-up: login, token, discovery
                sim.clear_log()
                _meter_simulator_cpu(sim)
                durations = []
                cpu_start = time.process_time()
                for _ in range(polls):
                    start = time.perf_counter()
                    await poll()
                    durations.append((time.perf_counter() - start) * 1000)
                cpu = (time.process_time() - cpu_start - _simulator_cpu(sim)) * 1000 / polls
                means[name] = cpu
                p95 = statistics.quantiles(durations, n=20)[-1]
                print(
                    f"{name:22s} {polls:5d} {statistics.mean(durations):8.2f} {p95:8.2f}"
                    f" {cpu:7.2f} {len(sim.log) / polls:14.2f}"
                )
            finally:
                await sim.stop()
    ratio = means["egauge (import/export)"] / means["egauge"]
    print(f"eGauge CPU per poll, import/export split vs plain: {ratio:.2f}x (budget 1.2x)")


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


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--polls", type=int, default=50)
    asyncio.run(main(parser.parse_args().polls))
    simulator_start_times()
