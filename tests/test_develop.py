"""The simulators' readiness contract that scripts/develop relies on (issue 13, item 4).

scripts/develop starts ``python -m simulators all --json --ready-file F`` and then waits with
``python simulators/ready.py F --pid P --timeout S``: no fixed sleep. The file must be complete
whenever it exists, and a simulator that never gets ready must end the wait loudly.
"""

from __future__ import annotations

from collections.abc import Iterator
import json
import os
from pathlib import Path
import signal
import socket
import subprocess
import sys
from typing import Any
from urllib.parse import urlsplit

import pytest

from simulators import VENDORS
from simulators.ready import READY, NotReadyError, read_ready_file, write_ready_file

ROOT = Path(__file__).resolve().parent.parent


def _python(*args: str, **kwargs: Any) -> subprocess.Popen[str]:
    return subprocess.Popen(  # noqa: S603 - our own interpreter and modules
        [sys.executable, *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        **kwargs,
    )


def _wait(path: Path, *extra: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own interpreter and module
        [
            sys.executable,
            str(ROOT / "simulators" / "ready.py"),
            str(path),
            "--timeout",
            str(timeout),
            *extra,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout + 30,
        check=False,
    )


@pytest.fixture
def stop_later() -> Iterator[list[subprocess.Popen[str]]]:
    procs: list[subprocess.Popen[str]] = []
    yield procs
    for proc in procs:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def test_ready_file_is_complete_when_it_appears(
    tmp_path: Path, socket_enabled: Any, stop_later: list[subprocess.Popen[str]]
) -> None:
    """As scripts/develop starts them: the file appears complete and every simulator listens."""
    ready = tmp_path / "simulators.json"
    sims = _python("-m", "simulators", "all", "--json", "--ready-file", str(ready))
    stop_later.append(sims)

    waited = _wait(ready, "--pid", str(sims.pid))

    assert waited.returncode == 0, waited.stderr
    entries = read_ready_file(ready)
    assert [e["simulator"] for e in entries] == list(VENDORS)
    assert ready.read_text(encoding="utf-8").splitlines()[-1] == json.dumps(READY)
    for entry in entries:
        url = urlsplit(entry["url"])
        with socket.create_connection((url.hostname, url.port), timeout=5):
            pass  # listening before the file was written
    # the go-e cloud address scripts/develop hands to Home Assistant is in the file
    assert any("ENERGY_HUB_GOE_CLOUD_URL" in e.get("env", {}) for e in entries)
    # nothing but the file itself was left in its folder (written as a temporary, renamed)
    assert [p.name for p in tmp_path.iterdir()] == ["simulators.json"]
    # stdout: the same lines, then the ready line
    sims.send_signal(signal.SIGTERM)
    out, _ = sims.communicate(timeout=10)
    lines = [json.loads(line) for line in out.splitlines()]
    assert lines == [*entries, READY]


def test_wait_times_out_loudly(tmp_path: Path, stop_later: list[subprocess.Popen[str]]) -> None:
    """A simulator process that never writes the file: non-zero exit and a clear message."""
    silent = _python("-c", "import time; time.sleep(60)")
    stop_later.append(silent)

    waited = _wait(tmp_path / "never.json", "--pid", str(silent.pid), timeout=0.5)

    assert waited.returncode == 1
    assert "not ready within 0.5 s" in waited.stderr
    assert "never.json" in waited.stderr


def test_wait_stops_when_the_simulators_exit(tmp_path: Path) -> None:
    """A simulator process that died (e.g. a port in use) ends the wait at once."""
    dead = _python("-c", "raise SystemExit(3)")
    dead.wait(timeout=30)

    waited = _wait(tmp_path / "never.json", "--pid", str(dead.pid), timeout=60)

    assert waited.returncode == 1
    assert f"process {dead.pid} exited before it was ready" in waited.stderr


def test_simulators_that_cannot_start_never_write_the_file(
    tmp_path: Path, socket_enabled: Any
) -> None:
    """A port already taken: the simulators exit with an error and no ready file appears."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        ready = tmp_path / "simulators.json"
        sims = _python(
            "-m", "simulators", VENDORS[0], "--port", str(port), "--ready-file", str(ready)
        )
        waited = _wait(ready, "--pid", str(sims.pid), timeout=60)
        sims.communicate(timeout=30)

    assert waited.returncode == 1
    assert "exited before it was ready" in waited.stderr
    assert sims.returncode != 0
    assert not ready.exists()


def test_partial_file_is_not_ready(tmp_path: Path) -> None:
    """A file without the closing ready marker (a half-written file) is refused."""
    path = tmp_path / "simulators.json"
    path.write_text(json.dumps({"simulator": "goe", "url": "http://127.0.0.1:1"}) + "\n")
    with pytest.raises(NotReadyError, match="ready marker"):
        read_ready_file(path)
    path.write_text("")
    with pytest.raises(NotReadyError, match="ready marker"):
        read_ready_file(path)


def test_write_ready_file_replaces_in_one_step(tmp_path: Path) -> None:
    """An older file is replaced whole; no temporary file stays behind."""
    path = tmp_path / "simulators.json"
    path.write_text("stale\n")
    infos = [{"simulator": "ekm", "url": "http://127.0.0.1:2"}]

    write_ready_file(path, infos)

    assert read_ready_file(path) == infos
    assert [p.name for p in tmp_path.iterdir()] == ["simulators.json"]
