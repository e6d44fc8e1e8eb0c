"""Serve simulators on loopback: ``python -m simulators <vendor|all> [--port N] [...]``.

With ``all`` every vendor simulator starts, on consecutive ports from ``--port``.
Credentials left out take each simulator's documented defaults, printed at start.
Once every simulator listens, ``--json`` prints ``{"ready": true}`` and ``--ready-file PATH``
writes PATH in one step (see ``simulators/ready.py``; ``scripts/develop`` waits for it).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
from pathlib import Path
import signal
from typing import Any

from . import VENDORS, load
from .base import Simulator
from .ready import READY, write_ready_file


def _parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m simulators", description=__doc__)
    parser.add_argument("vendor", choices=[*VENDORS, "all"])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--username")
    parser.add_argument("--password")
    parser.add_argument("--token")
    parser.add_argument("--json", action="store_true", help="print one JSON line per simulator")
    parser.add_argument(
        "--ready-file", type=Path, help="write the JSON lines here (atomically) once all listen"
    )
    return parser.parse_args(argv)


def _build(name: str, args: argparse.Namespace) -> Simulator:
    cls = load(name)
    options: dict[str, Any] = {
        key: value
        for key in ("username", "password", "token")
        if (value := getattr(args, key)) is not None
    }
    return cls(**options)


async def _serve(args: argparse.Namespace) -> None:
    names = list(VENDORS) if args.vendor == "all" else [args.vendor]
    sims: list[Simulator] = []
    infos: list[dict[str, Any]] = []
    for offset, name in enumerate(names):
        sim = _build(name, args)
        port = args.port + offset if args.port else 0
        url = await sim.start(args.host, port)
        sims.append(sim)
        info = {"simulator": name, "url": url, **sim.describe()}
        if env := sim.dev_environment():
            info["env"] = env
        infos.append(info)
        if args.json:
            print(json.dumps(info), flush=True)
        else:
            details = ", ".join(f"{k}={v}" for k, v in sim.describe().items())
            print(f"{name:8s} {url}  {details}", flush=True)
    if args.ready_file is not None:
        write_ready_file(args.ready_file, infos)
    if args.json:
        print(json.dumps(READY), flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    for sim in sims:
        await sim.stop()


def main(argv: list[str] | None = None) -> None:
    """Entry point."""
    asyncio.run(_serve(_parse(argv)))


if __name__ == "__main__":
    main()
