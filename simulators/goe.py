"""A go-eCharger (API v2) and the go-e cloud front of it.

One simulator serves both connection modes of the same charger:

* local HTTP API v2: ``GET /api/status[?filter=a,b]`` and ``GET /api/set?key=value``; no token;
  the set answer is a JSON object with ``true`` per accepted key or an error text (HTTP 500
  when a key was rejected, as the firmware does);
* cloud API: ``GET /cloud/<serial>/api/status`` and ``/cloud/<serial>/api/set`` (in real life
  ``https://<serial>.api.v3.go-e.io/api/...``): ``Authorization: Bearer <token>`` (or
  ``?token=``), 401 for a wrong token, 403 when the charger is offline or the cloud API is
  disabled, 404 when the cloud copy of the status is older than ``age`` (default 30 s),
  set answers 202 (at least one key forwarded) or 422 (all keys rejected).

Values in ``/api/set`` are JSON: strings quoted, numbers bare, ``null`` for none.
A charging session advances ``wh``/``eto`` with the simulator's clock (``advance`` moves it
on by hand); ``plug``/``unplug`` connect and disconnect a car; ``faults.offline`` makes the
cloud answer 403 and the local API drop connections.
"""

from __future__ import annotations

from collections.abc import Callable
import email.utils
import json
import secrets
import time
from typing import Any

from aiohttp import web

from .base import Simulator, bearer_token

DEFAULT_SERIAL = "012345"
DEFAULT_TOKEN = "goe-cloud-token"

#: Keys the firmware refuses to set (read-only).
READ_ONLY = frozenset(
    {"acu", "alw", "car", "err", "eto", "fwv", "modelStatus", "nrg", "rssi", "sse", "tma", "typ"}
    | {"var", "wh", "pgrid", "ppv", "pakku", "cus", "pnp", "tpa", "oem"}
)


class GoeSimulator(Simulator):
    """A go-eCharger V4 (22 kW) with its cloud front."""

    name = "goe"

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        serial: str = DEFAULT_SERIAL,
        *,
        with_psm: bool = True,
        clock: Callable[[], float] = time.time,
        **_: Any,
    ) -> None:
        """Create the charger (the CLI may pass username/password; they are ignored)."""
        self.token = token
        self.serial = serial
        self.clock = clock
        #: Cloud API switched on in the app (off -> 403).
        self.cloud_enabled = True
        #: How old the cloud's copy of the status is, in seconds (> age -> 404).
        self.data_age = 1.0
        self.voltage = 230.0
        #: Answer 400 (with the known keys) when the filter names unknown keys (CORE/PRO).
        self.strict_filter = False
        self.state: dict[str, Any] = {
            "sse": serial,
            "typ": "go-eCharger_V4",
            "var": 22,
            "fwv": "59.4",
            "oem": "go-e",
            "fna": "go-eCharger",
            "car": 1,
            "err": 0,
            "modelStatus": 15,
            "alw": True,
            "acu": 0,
            "amp": 16,
            "ama": 32,
            "frc": 0,
            "lmo": 3,
            "acs": 0,
            "ust": 0,
            "cus": 3,
            "dwo": None,
            "wh": 0.0,
            "eto": 1_234_567,
            "tma": [21.5, 23.0],
            "rssi": -61,
            "wst": 3,
            "pnp": 0,
            "pgrid": None,
            "ppv": None,
            "pakku": None,
            "nrg": [0.0] * 16,
        }
        if with_psm:
            self.state["psm"] = 0
        self._last_tick = clock()
        super().__init__()
        self._update_logic()

    # -- routes ------------------------------------------------------------------------

    def setup_routes(self, router: web.UrlDispatcher) -> None:
        """Local API at /api, cloud front at /cloud/<serial>/api."""
        router.add_get("/api/status", self._local_status)
        router.add_get("/api/set", self._local_set)
        router.add_get("/cloud/{serial}/api/status", self._cloud_status)
        router.add_get("/cloud/{serial}/api/set", self._cloud_set)

    def describe(self) -> dict[str, Any]:
        """What the CLI prints."""
        return {
            "serial": self.serial,
            "token": self.token,
            "local_host": self.url,
            "cloud_url_template": f"{self.url}/cloud/{{serial}}",
        }

    def dev_environment(self) -> dict[str, str]:
        """Point the integration's go-e cloud address template here."""
        return {"ENERGY_HUB_GOE_CLOUD_URL": f"{self.url}/cloud/{{serial}}"}

    def cloud_url(self) -> str:
        """The base URL standing in for ``https://<serial>.api.v3.go-e.io``."""
        return f"{self.url}/cloud/{self.serial}"

    async def offline_response(self, request: web.Request) -> web.StreamResponse:
        """Offline: the cloud answers 403, the charger itself does not answer."""
        if request.path.startswith("/cloud/"):
            return web.json_response({"success": False, "reason": "offline"}, status=403)
        return await super().offline_response(request)

    # -- the car and the session ---------------------------------------------------------

    def plug(self) -> None:
        """Connect a car: a new session starts."""
        self._tick()
        self.state["wh"] = 0.0
        self.state["car"] = 2
        self._update_logic()

    def unplug(self) -> None:
        """Disconnect the car; ``frc`` falls back to neutral as on the real charger."""
        self._tick()
        self.state["car"] = 1
        self.state["frc"] = 0
        self._update_logic()

    def advance(self, seconds: float) -> None:
        """Charge for ``seconds`` more (independent of the clock)."""
        self._tick()
        self._update_logic()
        self._charge(seconds)

    def _tick(self) -> None:
        now = self.clock()
        elapsed = max(0.0, now - self._last_tick)
        self._last_tick = now
        self._charge(elapsed)

    def _phases(self) -> int:
        return 1 if self.state.get("psm") == 1 else 3

    def _charge(self, seconds: float) -> None:
        nrg = self.state.get("nrg")
        # tests may put junk into the state to see the integration cope
        power = nrg[11] if isinstance(nrg, list) and len(nrg) > 11 else 0.0
        if not isinstance(power, (int, float)) or power <= 0 or seconds <= 0:
            return
        energy = power * seconds / 3600.0
        limit = self.state.get("dwo")
        if isinstance(limit, (int, float)) and self.state["wh"] + energy >= limit:
            energy = max(0.0, limit - self.state["wh"])
        self.state["wh"] = round(self.state["wh"] + energy, 3)
        self.state["eto"] = int(self.state["eto"] + energy)
        self._update_logic()

    def _update_logic(self) -> None:
        """The charging logic: who may charge with how much, and the nrg array."""
        st = self.state
        connected = st["car"] in (2, 3, 4)
        limit = st.get("dwo")
        limit_reached = isinstance(limit, (int, float)) and st["wh"] >= limit
        if st["frc"] == 1:
            allowed, model = False, 4
        elif limit_reached:
            allowed, model = False, 6
        elif st.get("acs") == 1 and st["frc"] != 2:
            allowed, model = False, 2
        elif st["frc"] == 2:
            allowed, model = True, 3
        else:
            allowed, model = True, 15
        st["alw"] = allowed
        st["modelStatus"] = model
        if connected:
            st["car"] = 2 if allowed else (4 if limit_reached else 3)
        current = min(int(st.get("amp", 16)), int(st["ama"])) if allowed and connected else 0
        st["acu"] = current if allowed else 0
        phases = self._phases()
        st["pnp"] = phases if current else 0
        amps = [float(current) if i < phases else 0.0 for i in range(3)]
        volts = [self.voltage, self.voltage + 1.0, self.voltage - 1.0]
        powers = [round(v * a, 1) for v, a in zip(volts, amps, strict=True)]
        pf = [99.0 if a else 0.0 for a in amps]
        st["nrg"] = [*volts, 0.0, *amps, *powers, 0.0, round(sum(powers), 1), *pf, 0.0]

    # -- status ------------------------------------------------------------------------

    def _filtered(self, request: web.Request) -> dict[str, Any]:
        self._tick()
        wanted = request.query.get("filter")
        if not wanted:
            return dict(self.state)
        keys = [k for k in wanted.split(",") if k]
        return {k: self.state[k] for k in keys if k in self.state}

    async def _local_status(self, request: web.Request) -> web.Response:
        data = self._filtered(request)
        wanted = [k for k in request.query.get("filter", "").split(",") if k]
        unknown = self.strict_filter and any(k not in data for k in wanted)
        return web.json_response(data, status=400 if unknown else 200)

    def _cloud_auth(self, request: web.Request) -> web.Response | None:
        """None when the request may go on, else the error answer."""
        token = bearer_token(request) or request.query.get("token")
        if token != self.token:
            return web.json_response({"success": False, "reason": "wrong token"}, status=401)
        if request.match_info["serial"] != self.serial or not self.cloud_enabled:
            return web.json_response(
                {"success": False, "reason": "charger offline or cloud api disabled"},
                status=403,
            )
        return None

    async def _cloud_status(self, request: web.Request) -> web.Response:
        if (refused := self._cloud_auth(request)) is not None:
            return refused
        try:
            age = float(request.query.get("age", "30"))
        except ValueError:
            age = 30.0
        if self.data_age > age:
            return web.json_response(
                {"success": False, "reason": "Data is outdated", "age": self.data_age},
                status=404,
            )
        stamp = email.utils.formatdate(self.clock() - self.data_age, usegmt=True)
        return web.json_response(self._filtered(request), headers={"Last-Modified": stamp})

    # -- set ---------------------------------------------------------------------------

    def _apply(self, key: str, raw: str) -> str | None:
        """Set one key from its JSON text; None on success, else the firmware's error text."""
        try:
            value = json.loads(raw)
        except ValueError:
            return f"{key}: could not parse value ({raw})"
        if key not in self.state and key not in ("ids", "rst"):
            return f"{key}: key not found"
        if key in READ_ONLY:
            return f"{key}: tried to set api key without setter ({raw})"
        error = self._validate(key, value)
        if error is not None:
            return f"{key}: {error}"
        if key == "ids":
            self.state["pgrid"] = value.get("pGrid")
            self.state["ppv"] = value.get("pPv")
            self.state["pakku"] = value.get("pAkku")
        elif key != "rst":
            self.state[key] = value
            if key == "ama" and self.state["amp"] > value:
                self.state["amp"] = value
        self._tick()
        self._update_logic()
        return None

    def _validate(self, key: str, value: Any) -> str | None:
        def is_int(v: Any) -> bool:
            return isinstance(v, int) and not isinstance(v, bool)

        choices = {"frc": (0, 1, 2), "psm": (0, 1, 2), "lmo": (3, 4, 5), "acs": (0, 1)}
        choices["ust"] = (0, 1, 2)
        if key in choices:
            return None if is_int(value) and value in choices[key] else "value out of range"
        if key == "amp":
            ok = is_int(value) and 6 <= value <= int(self.state["ama"])
            return None if ok else "value out of range"
        if key == "ama":
            return None if is_int(value) and 6 <= value <= 32 else "value out of range"
        if key == "dwo":
            ok = value is None or (isinstance(value, (int, float)) and value >= 0)
            return None if ok and not isinstance(value, bool) else "invalid value"
        if key == "fna":
            return None if isinstance(value, str) else "expected a string"
        if key == "ids":
            if not isinstance(value, dict) or not all(
                isinstance(v, (int, float)) and not isinstance(v, bool) for v in value.values()
            ):
                return "expected an object of numbers"
            return None if "pGrid" in value else "pGrid missing"
        return None

    def _set_items(self, request: web.Request) -> list[tuple[str, str]]:
        return [(k, v) for k, v in request.query.items() if k != "token"]

    async def _local_set(self, request: web.Request) -> web.Response:
        answer: dict[str, Any] = {}
        for key, raw in self._set_items(request):
            error = self._apply(key, raw)
            answer[key] = True if error is None else error
        ok = all(v is True for v in answer.values())
        return web.json_response(answer, status=200 if ok else 500)

    async def _cloud_set(self, request: web.Request) -> web.Response:
        if (refused := self._cloud_auth(request)) is not None:
            return refused
        if self.data_age > 30:
            return web.json_response({"success": False, "reason": "charger not online"}, status=404)
        succeeded: list[dict[str, Any]] = []
        failed: list[dict[str, Any]] = []
        for key, raw in self._set_items(request):
            error = self._apply(key, raw)
            if error is None:
                succeeded.append({key: json.loads(raw)})
            else:
                failed.append({key: error})
        status = 202 if succeeded else 422
        return web.json_response({"succeeded": succeeded, "failed": failed}, status=status)

    def new_token(self) -> str:
        """Regenerate the cloud token (what setting ``cak`` does); the old one stops working."""
        self.token = secrets.token_hex(12)
        return self.token


SIMULATOR = GoeSimulator
