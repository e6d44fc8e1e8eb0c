"""Time one poll of each vendor's client against its simulator (not a test: figures only).

    .venv/bin/python scripts/benchmark.py [--polls N]

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

from custom_components.energy_hub.api.egauge import EgaugeClient
from custom_components.energy_hub.api.ekm import EkmClient
from custom_components.energy_hub.api.ems import EmsClient
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


CASES: dict[str, tuple[Callable[[], Simulator], Callable[..., Awaitable[Poll]]]] = {
    "egauge": (EgaugeSimulator, _egauge),
    "ems (2,500 signals)": (lambda: EmsSimulator(total_signals=2500), _ems),
    "ekm (all meters)": (EkmSimulator, _ekm),
    "goe (local)": (GoeSimulator, _goe),
}


async def main(polls: int) -> None:
    print(f"{'vendor':22s} {'polls':>5s} {'mean ms':>8s} {'p95 ms':>8s} {'requests/poll':>14s}")
    async with aiohttp.ClientSession() as session:
        for name, (make_sim, make_poll) in CASES.items():
            sim = make_sim()
            await sim.start()
            try:
                poll = await make_poll(session, sim)
                await poll()  # warm-up: login, token, discovery
                sim.clear_log()
                durations = []
                for _ in range(polls):
                    start = time.perf_counter()
                    await poll()
                    durations.append((time.perf_counter() - start) * 1000)
                p95 = statistics.quantiles(durations, n=20)[-1]
                print(
                    f"{name:22s} {polls:5d} {statistics.mean(durations):8.2f} {p95:8.2f}"
                    f" {len(sim.log) / polls:14.2f}"
                )
            finally:
                await sim.stop()


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
