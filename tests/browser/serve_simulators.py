"""Serve the test-only demo simulator and every registered vendor simulator.

``python -m tests.browser.serve_simulators`` prints one JSON line per simulator
(``{"simulator": name, "url": ..., **describe()}``) once all are listening, then serves
until SIGTERM/SIGINT. Ports are free ports on 127.0.0.1. The eGauge meter runs a household's
day (``EgaugeSimulator.use_household_day``): its history fills the Energy dashboard.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
from typing import Any

from simulators import VENDORS, load
from simulators.base import Simulator
from simulators.egauge import EgaugeSimulator
from tests.demo_vendor import DemoSimulator


def demo_description(sim: DemoSimulator) -> dict[str, Any]:
    """What the browser test types into the demo vendor's form."""
    return {"username": sim.username, "password": sim.password, "serial": sim.serial}


async def serve() -> None:
    """Start the simulators, print their addresses, serve until a signal arrives."""
    demo = DemoSimulator()
    sims: list[tuple[str, Simulator, dict[str, Any]]] = [("demo", demo, demo_description(demo))]
    for name in VENDORS:
        sim = load(name)()
        if isinstance(sim, EgaugeSimulator):
            sim.use_household_day()
        sims.append((name, sim, {}))
    for name, sim, extra in sims:
        url = await sim.start("127.0.0.1", 0)
        info = {"simulator": name, "url": url, **sim.describe(), **extra}
        if env := sim.dev_environment():
            info["env"] = env
        print(json.dumps(info), flush=True)  # noqa: T201
    print(json.dumps({"ready": True}), flush=True)  # noqa: T201
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    for _, sim, _ in sims:
        await sim.stop()


if __name__ == "__main__":
    asyncio.run(serve())
