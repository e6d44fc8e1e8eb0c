"""The simulators' readiness signal, and a waiter for it: ``python simulators/ready.py``.

``python -m simulators ... --ready-file PATH`` writes PATH once every simulator listens: one
JSON object per line and simulator (what ``--json`` prints), then ``{"ready": true}``. The file
is written to a temporary name next to PATH and renamed, so whoever sees PATH sees all of it.

``python simulators/ready.py PATH --pid PID --timeout SECONDS`` waits for that file (run as a
script, it imports nothing of the package and starts fast). It exits 0 when the file is there
and complete, and 1 with a message on stderr when the simulator process PID exited first or the
time ran out (``scripts/develop`` uses it instead of a fixed sleep).
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
import sys
import time
from typing import Any

READY = {"ready": True}


class NotReadyError(Exception):
    """The simulators did not signal readiness."""


def write_ready_file(path: Path, infos: list[dict[str, Any]]) -> None:
    """Write ``infos`` and the ready marker to ``path`` atomically (temporary file, rename)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    lines = [json.dumps(info) for info in infos] + [json.dumps(READY)]
    tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    tmp.replace(path)


def read_ready_file(path: Path) -> list[dict[str, Any]]:
    """The simulators listed in a ready file; raise ``NotReadyError`` if it is incomplete."""
    entries = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    if not entries or entries[-1] != READY:
        raise NotReadyError(f"{path} does not end with the ready marker")
    return entries[:-1]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # pragma: no cover - a process of another user
        return True
    # A child that exited but was not reaped yet is a zombie: it will never write the file.
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8")
    except OSError:  # pragma: no cover - no /proc
        return True
    return stat.rpartition(")")[2].split()[0] != "Z"


def wait_ready(
    path: Path, *, timeout: float, pid: int | None = None, interval: float = 0.05
) -> list[dict[str, Any]]:
    """Wait until ``path`` is there; return its simulators or raise ``NotReadyError``."""
    deadline = time.monotonic() + timeout
    while True:
        if path.exists():
            return read_ready_file(path)
        if pid is not None and not _alive(pid):
            raise NotReadyError(f"the simulator process {pid} exited before it was ready")
        if time.monotonic() >= deadline:
            raise NotReadyError(f"the simulators were not ready within {timeout:g} s")
        time.sleep(interval)


def main(argv: list[str] | None = None) -> int:
    """Entry point: wait for a ready file, exit 1 with a message when it does not come."""
    parser = argparse.ArgumentParser(prog="python simulators/ready.py", description=__doc__)
    parser.add_argument("path", type=Path, help="the --ready-file given to python -m simulators")
    parser.add_argument("--pid", type=int, help="the simulator process; stop waiting if it exits")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds (default 60)")
    args = parser.parse_args(argv)
    try:
        wait_ready(args.path, timeout=args.timeout, pid=args.pid)
    except NotReadyError as err:
        print(f"simulators: {err} ({args.path} was not written)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
