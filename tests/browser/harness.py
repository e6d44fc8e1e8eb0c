"""Processes for the browser test: simulators, a real Home Assistant, onboarding, Chromium.

Everything runs as subprocesses on 127.0.0.1 with bounded waits; nothing here uses the
in-process ``hass`` fixture of pytest-homeassistant-custom-component.
"""

from __future__ import annotations

from collections.abc import Iterator
import contextlib
from dataclasses import dataclass
import json
import os
from pathlib import Path
import signal
import subprocess
import sys
import time
from typing import IO, Any
import urllib.error
import urllib.parse
import urllib.request

from simulators.base import free_port

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ONBOARDING_EXTRAS = frozenset({"met", "google_translate", "radio_browser", "shopping_list"})
OWNER = {"name": "Energy Hub Tester", "username": "tester", "password": "energy-hub-test"}


class HarnessError(AssertionError):
    """A process of the browser test did not come up (fails the test with its log)."""


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + (
        os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else ""
    )
    env["PYTHONUNBUFFERED"] = "1"
    return env


def _stop(proc: subprocess.Popen[Any], timeout: float = 20) -> None:
    """SIGTERM the process group, SIGKILL it after ``timeout`` seconds."""
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


# -- simulators ----------------------------------------------------------------------------


@contextlib.contextmanager
def simulators(log_dir: Path, timeout: float = 30) -> Iterator[dict[str, dict[str, Any]]]:
    """Serve the demo and every registered vendor simulator; yields name -> description."""
    log = (log_dir / "simulators.err").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.browser.serve_simulators"],
        cwd=ROOT,
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=log,
        start_new_session=True,
    )
    try:
        assert proc.stdout is not None
        reader = _LineReader(proc.stdout)
        found: dict[str, dict[str, Any]] = {}
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            line = reader.readline(deadline)
            if not line:
                break
            info = json.loads(line)
            if info.get("ready"):
                yield found
                return
            found[info["simulator"]] = info
        raise HarnessError(
            "The simulators did not start:\n" + (log_dir / "simulators.err").read_text()
        )
    finally:
        _stop(proc)
        log.close()


class _LineReader:
    """Lines from a pipe with a deadline (no thread; select on the raw descriptor)."""

    def __init__(self, stream: IO[bytes]) -> None:
        self._fd = stream.fileno()
        self._buffer = b""

    def readline(self, deadline: float) -> str:
        """One line, or '' when the pipe closes or the deadline passes first."""
        import selectors

        while b"\n" not in self._buffer:
            with selectors.DefaultSelector() as sel:
                sel.register(self._fd, selectors.EVENT_READ)
                if not sel.select(max(0.0, deadline - time.monotonic())):
                    return ""
            chunk = os.read(self._fd, 65536)
            if not chunk:
                return ""
            self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        return line.decode()


# -- Home Assistant ------------------------------------------------------------------------


@dataclass
class HomeAssistantProcess:
    """A running ``hass`` subprocess and what the test needs to reach it."""

    url: str
    config_dir: Path
    proc: subprocess.Popen[Any]
    token: str = ""
    client_id: str = ""

    def log_tail(self, lines: int = 60) -> str:
        """The end of Home Assistant's log (for failure messages)."""
        path = self.config_dir / "home-assistant.log"
        if not path.exists():
            return "(no home-assistant.log)"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])

    def api(self, method: str, path: str, body: Any = None, *, token: str | None = None) -> Any:
        """Call Home Assistant's HTTP API with JSON (bounded timeout); return the JSON reply."""
        headers = {"Content-Type": "application/json"}
        if token or self.token:
            headers["Authorization"] = f"Bearer {token or self.token}"
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(  # noqa: S310 - loopback http only
            self.url + path, data=data, method=method, headers=headers
        )
        with urllib.request.urlopen(req, timeout=30) as resp:  # noqa: S310 - loopback only
            raw = resp.read()
        return json.loads(raw) if raw else None

    def errors_logged(self, needle: str = "energy_hub") -> list[str]:
        """ERROR lines of the log that mention ``needle``."""
        path = self.config_dir / "home-assistant.log"
        if not path.exists():
            return []
        return [
            line
            for line in path.read_text(errors="replace").splitlines()
            if " ERROR " in line and needle in line
        ]


def write_config(config_dir: Path) -> None:
    """The test instance's configuration: the repository's dev config, the integration linked."""
    config_dir.mkdir(parents=True, exist_ok=True)
    (config_dir / "configuration.yaml").write_text(
        (ROOT / "config" / "configuration.yaml").read_text()
    )
    link = config_dir / "custom_components"
    if not link.exists():
        link.symlink_to(ROOT / "custom_components", target_is_directory=True)


@contextlib.contextmanager
def home_assistant(
    config_dir: Path, timeout: float = 180, extra_env: dict[str, str] | None = None
) -> Iterator[HomeAssistantProcess]:
    """Start ``hass`` (with the demo vendor registered) on a free port; stop it afterwards.

    ``extra_env`` points vendors with fixed cloud addresses at their simulators.
    """
    write_config(config_dir)
    port = free_port()
    env = {**_env(), **(extra_env or {})}
    # Home Assistant 2026.10 keeps the HTTP settings in .storage; without a stored or YAML
    # configuration it binds the default port, which SETUP_PORT overrides.
    env["SETUP_PORT"] = str(port)
    out = (config_dir / "hass.out").open("w")
    proc = subprocess.Popen(  # noqa: S603 - our own interpreter and module
        [
            sys.executable,
            "-m",
            "tests.browser.run_hass",
            "--config",
            str(config_dir),
            "--skip-pip",
            "--log-no-color",
        ],
        cwd=ROOT,
        env=env,
        stdout=out,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    ha = HomeAssistantProcess(url=f"http://127.0.0.1:{port}", config_dir=config_dir, proc=proc)
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                raise HarnessError(f"hass exited with {proc.returncode}:\n{ha.log_tail()}")
            try:
                steps = ha.api("GET", "/api/onboarding")
            except urllib.error.URLError, ConnectionError, TimeoutError:
                steps = None
            if steps is not None:
                break
            if time.monotonic() > deadline:
                raise HarnessError(f"hass did not answer within {timeout}s:\n{ha.log_tail()}")
            time.sleep(0.5)
        yield ha
    finally:
        _stop(proc, timeout=30)
        out.close()


def onboard(ha: HomeAssistantProcess) -> None:
    """Complete onboarding through Home Assistant's onboarding HTTP API.

    Creates the owner user (``OWNER``), exchanges the auth code for a token and finishes
    the core_config, analytics and integration steps, so the browser meets the login page.
    """
    client_id = ha.url + "/"
    created = ha.api(
        "POST",
        "/api/onboarding/users",
        {"client_id": client_id, "language": "en", **OWNER},
    )
    form = urllib.parse.urlencode(
        {"grant_type": "authorization_code", "code": created["auth_code"], "client_id": client_id}
    ).encode()
    req = urllib.request.Request(ha.url + "/auth/token", data=form, method="POST")  # noqa: S310
    with urllib.request.urlopen(req, timeout=30) as resp:  # noqa: S310 - loopback only
        tokens = json.loads(resp.read())
    ha.token = tokens["access_token"]
    ha.client_id = client_id
    ha.api("POST", "/api/onboarding/core_config", {})
    ha.api("POST", "/api/onboarding/analytics", {})
    ha.api(
        "POST",
        "/api/onboarding/integration",
        {"client_id": client_id, "redirect_uri": client_id + "?auth_callback=1"},
    )
    remaining = [s["step"] for s in ha.api("GET", "/api/onboarding") if not s["done"]]
    if remaining:
        raise HarnessError(f"onboarding steps left: {remaining}")
    # Onboarding adds a few integrations (weather, text-to-speech, ...); the weather one needs
    # the internet and would show "Failed setup" in every screenshot: remove them.
    for entry in ha.api("GET", "/api/config/config_entries/entry"):
        if entry["domain"] in ONBOARDING_EXTRAS:
            ha.api("DELETE", f"/api/config/config_entries/entry/{entry['entry_id']}")
