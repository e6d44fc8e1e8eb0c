"""Time one poll of each vendor's client against its simulator (not a test: figures only).

    .venv/bin/python scripts/benchmark.py [--polls N]

Each vendor: start its simulator on loopback, make one warm-up poll (login, discovery),
then time N steady-state polls and count the requests each one made from the simulator's
request log. go-e's one-request-per-second limiter is set to 0 here so that the figure is
the client's own cost, not the limiter's wait.

go-e is measured three ways: the filter of the release before the key catalogue (18 keys),
the catalogue's enabled-by-default entities and every catalogue entity enabled; each poll
also reads every entity's value from the answer, as the entities do. ``cpu ms`` is the
process time per poll (client, value reading and the in-process simulator together); the
last line is the ratio default / before, measured in this run.
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
from custom_components.energy_hub.api.goe import GoeClient, GoeKeySupport
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


def _goe(which: str) -> Callable[[aiohttp.ClientSession, GoeSimulator], Awaitable[Poll]]:
    async def make(session: aiohttp.ClientSession, sim: GoeSimulator) -> Poll:
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

        return poll

    return make


CASES: dict[str, tuple[Callable[[], Simulator], Callable[..., Awaitable[Poll]]]] = {
    "egauge": (EgaugeSimulator, _egauge),
    "ems (2,500 signals)": (lambda: EmsSimulator(total_signals=2500), _ems),
    "ekm (all meters)": (EkmSimulator, _ekm),
    "goe before catalogue": (GoeSimulator, _goe("before")),
    "goe default entities": (GoeSimulator, _goe("default")),
    "goe every entity": (GoeSimulator, _goe("all")),
}


async def main(polls: int) -> None:
    print(
        f"{'vendor':22s} {'polls':>5s} {'mean ms':>8s} {'p95 ms':>8s} {'cpu ms':>7s}"
        f" {'requests/poll':>14s} {'keys':>5s}"
    )
    cpu: dict[str, float] = {}
    async with aiohttp.ClientSession() as session:
        for name, (make_sim, make_poll) in CASES.items():
            sim = make_sim()
            await sim.start()
            try:
                poll = await make_poll(session, sim)
                await poll()  # warm-up: login, token, discovery
                sim.clear_log()
                durations = []
                cpu_start = time.process_time()
                for _ in range(polls):
                    start = time.perf_counter()
                    await poll()
                    durations.append((time.perf_counter() - start) * 1000)
                cpu[name] = (time.process_time() - cpu_start) * 1000 / polls
                p95 = statistics.quantiles(durations, n=20)[-1]
                wanted = sim.log[-1].query.get("filter", "") if sim.log else ""
                keys = str(len(wanted.split(","))) if wanted else "-"
                print(
                    f"{name:22s} {polls:5d} {statistics.mean(durations):8.2f} {p95:8.2f}"
                    f" {cpu[name]:7.2f} {len(sim.log) / polls:14.2f} {keys:>5s}"
                )
            finally:
                await sim.stop()
    before, default = cpu["goe before catalogue"], cpu["goe default entities"]
    print(f"go-e default poll CPU / before the catalogue: {default / before:.2f}x")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--polls", type=int, default=50)
    asyncio.run(main(parser.parse_args().polls))
