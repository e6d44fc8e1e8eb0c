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

``KEYS`` lists every key the simulated charger knows (default value and setter rule: some keys
are refused outside their range, ``ama`` and ``lbr`` are clamped as the firmware does).
``PROFILES`` are models and firmwares: ``v4-59`` (RFID cards in one ``cards`` array),
``v4-60`` (firmware 60: ``c0n``...``c9n`` names, ``c0e``... energy, ``c0i``... id learnt) and
``pro-60`` (a CORE/PRO without ``cbl``, ``ust``, ``psm``...: HTTP 400, with the known keys in
the body, when a filter names a key it lacks or when the whole status is asked for).

PV surplus (``ids``): a set of ``ids`` (``{"pGrid": W, "pPv": W, "pAkku": W}``, ``pGrid`` < 0 =
export) is kept with the time it arrived and shows as ``pgrid``/``ppv``/``pakku``; after
``ids_timeout`` seconds without a new one the charger forgets it (the values read ``null``
again). While ``fup`` (use PV surplus) is on in logic mode eco (``lmo`` 4) and the data is
fresh, the charging current follows the surplus: on each new ``ids`` the charger works out the
current that brings the grid to ``pgt`` (new power = power now - ``pGrid`` + ``pgt``), at least
``mca`` and at most ``amp``/``ama``, on the phases ``psm`` allows; below ``mca`` it pauses.
Without fresh data it does not charge from PV (``modelStatus`` 17, the eco-mode fallback).
``pAkku`` is kept and shown but not weighed. ``hold_sets`` (an ``asyncio.Event``) makes
``/api/set`` answers wait, as a slow charger would.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import copy
from dataclasses import dataclass
import email.utils
import json
import secrets
import time
from typing import Any

from aiohttp import web

from .base import Simulator, bearer_token

DEFAULT_SERIAL = "012345"
DEFAULT_TOKEN = "goe-cloud-token"

#: Seconds after which the charger forgets ``ids`` (the docs: needed every 5 s, readable
#: for 10 s after a set).
IDS_TIMEOUT = 10.0
#: ``lmo`` values in which ``fup`` makes the charger follow the PV surplus (eco mode).
PV_LOGIC_MODES = frozenset({4})

#: A setter rule: ("ro",) read-only; ("int"|"float", lo, hi) refused outside the range;
#: ("clamp", lo, hi) stored clamped into the range (the answer still says true);
#: ("choice", values); ("bool",); ("str", max_len); ("opt_float", lo, hi) null or a number;
#: ("schedule",) a scheduler object; ("any",) anything (commands such as ``rst``).
Rule = tuple[Any, ...]

_RO: Rule = ("ro",)
_BOOL: Rule = ("bool",)
_MS_DAY: Rule = ("int", 0, 86_400_000)
_WATT: Rule = ("float", -100_000, 100_000)


def _schedule(control: int) -> dict[str, Any]:
    day = {"begin": {"hour": 0, "minute": 0, "second": 0}, "end": {"hour": 6, "minute": 0}}
    return {"control": control, "ranges": [day, {"begin": None, "end": None}]}


#: Every key the simulated charger knows: default value (V4, 22 kW) and setter rule.
#: Profiles (``PROFILES``) remove keys, rename the RFID card keys and change the firmware.
KEYS: dict[str, tuple[Any, Rule]] = {
    # identity (constants)
    "sse": (DEFAULT_SERIAL, _RO),
    "typ": ("go-eCharger_V4", _RO),
    "var": (22, _RO),
    "fwv": ("59.4", _RO),
    "oem": ("go-e", _RO),
    "fwc": ("5", _RO),
    "ccrv": ("5", _RO),
    "fna": ("go-eCharger", ("str", 64)),
    # state
    "car": (1, _RO),
    "err": (0, _RO),
    "modelStatus": (15, _RO),
    "alw": (True, _RO),
    "acu": (0, _RO),
    "adi": (False, _RO),
    "amt": (32, _RO),
    "cbl": (32, _RO),
    "cus": (3, _RO),
    "ffb": (0, _RO),
    "lck": (0, _RO),
    "pwm": (0, _RO),
    "fsp": (False, _RO),
    "pnp": (0, _RO),
    "pha": ([False, False, False, True, True, True], _RO),
    "nrg": ([0.0] * 16, _RO),
    "wh": (0.0, _RO),
    "eto": (1_234_567, _RO),
    "tpa": (0.0, _RO),
    "mmp": (11_120.0, _RO),
    "tma": ([21.5, 23.0], _RO),
    "fhz": (49.98, _RO),
    "rssi": (-61, _RO),
    "wst": (3, _RO),
    "rbc": (17, _RO),
    "rbt": (86_400_000, _RO),
    "rfb": (0, _RO),
    "tsss": (1, _RO),
    "loa": (None, _RO),
    "cdi": ({"type": 0, "value": 0}, _RO),
    "inva": (None, _RO),
    "pgrid": (None, _RO),
    "ppv": (None, _RO),
    "pakku": (None, _RO),
    "pvopt_averagePGrid": (0.0, _RO),
    "pvopt_averagePPv": (0.0, _RO),
    "pvopt_averagePAkku": (0.0, _RO),
    "ocppc": (False, _RO),
    "ocppa": (False, _RO),
    "trx": (None, ("any",)),
    # charging
    "amp": (16, ("int", 6, 32)),
    "ama": (32, ("clamp", 6, 32)),
    "mca": (6, ("int", 6, 32)),
    "clp": ([6, 10, 16, 20, 32], ("any",)),
    "frc": (0, ("choice", (0, 1, 2))),
    "psm": (0, ("choice", (0, 1, 2))),
    "lmo": (3, ("choice", (3, 4, 5))),
    "acs": (0, ("choice", (0, 1))),
    "ust": (0, ("choice", (0, 1, 2))),
    "dwo": (None, ("opt_float", 0, 1_000_000)),
    "acp": (True, _BOOL),
    "fmt": (300_000, _MS_DAY),
    "mci": (0, _MS_DAY),
    "mcpd": (0, _MS_DAY),
    "su": (False, _BOOL),
    "sua": (False, _BOOL),
    "sumd": (5_000, ("int", 0, 60_000)),
    "nmo": (False, _BOOL),
    "upo": (False, _BOOL),
    "bac": (3, ("choice", (0, 1, 2, 3))),
    "sdp": (3, ("choice", (0, 1, 2, 3))),
    "lbr": (255, ("clamp", 0, 255)),
    "lse": (False, _BOOL),
    "ct": ("", ("str", 64)),
    # flexible tariff and next trip
    "awe": (False, _BOOL),
    "awp": (10.0, ("float", -100, 100)),
    "awc": (0, ("choice", (0, 1))),
    "ara": (False, _BOOL),
    "ate": (15_000.0, ("float", 0, 200_000)),
    "att": (25_200, ("int", 0, 86_399)),
    # PV surplus
    "fup": (False, _BOOL),
    "fzf": (False, _BOOL),
    "pgt": (0.0, _WATT),
    "fst": (1_400.0, ("float", 0, 100_000)),
    "sh": (200.0, ("float", 0, 100_000)),
    "psh": (500.0, ("float", 0, 100_000)),
    "po": (0.0, _WATT),
    "zfo": (0.0, _WATT),
    "spl3": (4_200.0, ("float", 0, 100_000)),
    "psmd": (180_000, _MS_DAY),
    "mptwt": (600_000, _MS_DAY),
    "mpwst": (300_000, _MS_DAY),
    "frm": (1, ("choice", (0, 1, 2))),
    # load balancing
    "loe": (False, _BOOL),
    "loty": (0, ("choice", (0, 1))),
    "lot": (32, ("int", 0, 10_000)),
    "lof": (6, ("int", 0, 32)),
    "lop": (50, ("int", 0, 65_535)),
    # random delays (seconds)
    "rdbs": (0, ("int", 0, 86_400)),
    "rdes": (0, ("int", 0, 86_400)),
    "rdbf": (0, ("int", 0, 86_400)),
    "rdef": (0, ("int", 0, 86_400)),
    "rdre": (0, ("int", 0, 86_400)),
    "rdpl": (0, ("int", 0, 86_400)),
    # time, network, services
    "tds": (1, ("choice", (0, 1, 2))),
    "tof": (60, ("int", -720, 840)),
    "tse": (True, _BOOL),
    "cwe": (True, _BOOL),
    "ocppe": (False, _BOOL),
    "sch_week": (_schedule(0), ("schedule",)),
    "sch_satur": (_schedule(0), ("schedule",)),
    "sch_sund": (_schedule(0), ("schedule",)),
    "rst": (None, ("any",)),
}
#: Commands: accepted by /api/set, never reported by /api/status.
COMMANDS = frozenset({"rst", "ids"})

#: RFID cards: before firmware 60 one ``cards`` array, from 60 on ``c<i>n/e/i`` keys.
CARD_NAMES = ("Alice", "Bob", "", "", "", "", "", "", "", "")
CARD_ENERGY = (52_310, 4_100, 0, 0, 0, 0, 0, 0, 0, 0)


@dataclass(frozen=True)
class Profile:
    """A model and firmware: which keys it has and how it answers unknown ones."""

    firmware: str
    typ: str
    #: "array" = ``cards`` (before firmware 60), "keys" = ``c0n``...``c9i`` (60 and later)
    cards: str
    lacks: frozenset[str] = frozenset()
    #: answer HTTP 400 (still with the known keys) when the filter names unknown keys,
    #: and for an unfiltered status (CORE/PRO, go-e API v2 issue #312)
    strict: bool = False


PROFILES: dict[str, Profile] = {
    "v4-59": Profile("59.4", "go-eCharger_V4", "array"),
    "v4-60": Profile("60.2", "go-eCharger_V4", "keys"),
    "pro-60": Profile(
        "60.3",
        "go-eCharger_Phoenix",
        "keys",
        lacks=frozenset({"cbl", "ust", "cus", "lck", "psm", "ffb", "upo", "sdp", "bac"}),
        strict=True,
    ),
}


def _card_keys(index: int) -> tuple[str, str, str]:
    return f"c{index}n", f"c{index}e", f"c{index}i"


def _rules() -> dict[str, Rule]:
    rules = {key: rule for key, (_, rule) in KEYS.items()}
    for i in range(10):
        name, energy, card_id = _card_keys(i)
        rules[name] = ("str", 32)
        rules[energy] = ("float", 0, 1e12)
        rules[card_id] = _RO
    rules["cards"] = ("any",)
    return rules


RULES: dict[str, Rule] = _rules()


def is_int(value: Any) -> bool:
    """A JSON integer (not a boolean)."""
    return isinstance(value, int) and not isinstance(value, bool)


class GoeSimulator(Simulator):
    """A go-eCharger (V4 22 kW unless the profile says otherwise) with its cloud front."""

    name = "goe"

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        serial: str = DEFAULT_SERIAL,
        *,
        profile: str = "v4-59",
        with_psm: bool = True,
        clock: Callable[[], float] = time.time,
        **_: Any,
    ) -> None:
        """Create the charger (the CLI may pass username/password; they are ignored).

        ``profile`` is one of ``PROFILES``: ``v4-59`` (before firmware 60, the default),
        ``v4-60`` (firmware 60: card keys renamed) or ``pro-60`` (a CORE/PRO that lacks some
        keys and answers HTTP 400 when asked for them).
        """
        self.token = token
        self.serial = serial
        self.clock = clock
        self.profile = PROFILES[profile]
        #: Cloud API switched on in the app (off -> 403).
        self.cloud_enabled = True
        #: How old the cloud's copy of the status is, in seconds (> age -> 404).
        self.data_age = 1.0
        self.voltage = 230.0
        #: Answer 400 (with the known keys) when the filter names unknown keys (CORE/PRO).
        self.strict_filter = self.profile.strict
        #: The last ``ids`` received, when (simulator clock), and every one received.
        self.ids: dict[str, float] | None = None
        self.ids_time: float | None = None
        self.ids_received: list[tuple[float, dict[str, float]]] = []
        #: Seconds after which ``ids`` are forgotten.
        self.ids_timeout = IDS_TIMEOUT
        #: The current the last ``ids`` allow (used while ``pv_mode``).
        self.pv_current = 0
        #: While set to an unset event, ``/api/set`` answers wait for it (a slow charger).
        self.hold_sets: asyncio.Event | None = None
        #: Keys sent with every status whether asked for or not (chargers send some, e.g.
        #: OCPP or cloud settings, that may hold credentials).
        self.unasked: dict[str, Any] = {}
        self.state: dict[str, Any] = {
            key: copy.deepcopy(value)
            for key, (value, _rule) in KEYS.items()
            if key not in self.profile.lacks and key not in COMMANDS
        }
        self.state.update(sse=serial, fwv=self.profile.firmware, typ=self.profile.typ)
        if self.profile.cards == "array":
            self.state["cards"] = [
                {"name": name, "energy": energy, "cardId": bool(name)}
                for name, energy in zip(CARD_NAMES, CARD_ENERGY, strict=True)
            ]
        else:
            for i, (name, energy) in enumerate(zip(CARD_NAMES, CARD_ENERGY, strict=True)):
                key_name, key_energy, key_id = _card_keys(i)
                self.state.update({key_name: name, key_energy: energy, key_id: bool(name)})
        if not with_psm:
            self.state.pop("psm", None)
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

    # -- PV surplus ----------------------------------------------------------------------

    def _receive_ids(self, value: dict[str, float]) -> None:
        """Keep new PV data; the charger works out its PV current from it once."""
        now = self.clock()
        self.ids = dict(value)
        self.ids_time = now
        self.ids_received.append((now, dict(value)))
        self.state["pgrid"] = value.get("pGrid")
        self.state["ppv"] = value.get("pPv")
        self.state["pakku"] = value.get("pAkku")
        self.pv_current = self._surplus_current(float(value["pGrid"]))

    def _expire_ids(self) -> bool:
        """Forget ``ids`` older than the timeout (``pgrid`` etc. null); True when just forgotten."""
        if self.ids_time is None or self.clock() - self.ids_time <= self.ids_timeout:
            return False
        self.ids = None
        self.ids_time = None
        self.pv_current = 0
        self.state["pgrid"] = self.state["ppv"] = self.state["pakku"] = None
        return True

    @property
    def pv_mode(self) -> bool:
        """True while the charger follows the PV surplus (``fup`` on in eco mode)."""
        return self.state.get("fup") is True and self.state.get("lmo") in PV_LOGIC_MODES

    def _surplus_current(self, grid: float) -> int:
        """The current the surplus allows (0 below ``mca``), given the power drawn now."""
        st = self.state
        nrg = st.get("nrg")
        own = nrg[11] if isinstance(nrg, list) and len(nrg) > 11 else 0.0
        own = float(own) if isinstance(own, (int, float)) else 0.0
        target = st.get("pgt")
        target = float(target) if isinstance(target, (int, float)) else 0.0
        # after the change the grid should read pgt: new power = own - grid + pgt
        available = own - grid + target
        current = int(available // (self.voltage * self._phases()))
        if current < int(st.get("mca", 6)):
            return 0
        return min(current, int(st.get("amp", 16)), int(st["ama"]))

    def _update_logic(self) -> None:
        """The charging logic: who may charge with how much, and the nrg array."""
        st = self.state
        connected = st["car"] in (2, 3, 4)
        limit = st.get("dwo")
        limit_reached = isinstance(limit, (int, float)) and st["wh"] >= limit
        self._expire_ids()
        surplus: int | None = None
        if self.pv_mode and st["frc"] == 0 and st.get("acs") != 1 and not limit_reached:
            surplus = self.pv_current if self.ids is not None else 0
        if surplus is not None:
            allowed, model = surplus > 0, (12 if surplus > 0 else 17)
        elif st["frc"] == 1:
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
        if surplus is not None and connected:
            current = surplus
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
        if self._expire_ids():
            self._update_logic()
        wanted = request.query.get("filter")
        if not wanted:
            return {**self.state, **self.unasked}
        keys = [k for k in wanted.split(",") if k]
        return {**{k: self.state[k] for k in keys if k in self.state}, **self.unasked}

    async def _local_status(self, request: web.Request) -> web.Response:
        data = self._filtered(request)
        wanted = [k for k in request.query.get("filter", "").split(",") if k]
        # CORE/PRO: HTTP 400 for a filter with unknown keys and for the full status
        unknown = self.strict_filter and (not wanted or any(k not in data for k in wanted))
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
        if key not in self.state and key not in COMMANDS:
            return f"{key}: key not found"
        rule = ("ids",) if key == "ids" else RULES.get(key, ("any",))
        if rule[0] == "ro":
            return f"{key}: tried to set api key without setter ({raw})"
        value, error = self._validate(key, rule, value)
        if error is not None:
            return f"{key}: {error}"
        if key == "ids":
            self._receive_ids(value)
        elif key != "rst":
            self.state[key] = value
            if key == "ama" and self.state["amp"] > value:
                self.state["amp"] = value
        self._tick()
        self._update_logic()
        return None

    def _validate(self, key: str, rule: Rule, value: Any) -> tuple[Any, str | None]:
        """The value to store (maybe clamped) and None, or the error text."""

        def is_num(v: Any) -> bool:
            return isinstance(v, (int, float)) and not isinstance(v, bool)

        kind = rule[0]
        if key in ("amp", "mca"):
            ok = is_int(value) and 6 <= value <= int(self.state["ama"])
            return value, None if ok else "value out of range"
        if key == "ama":
            if not is_num(value):
                return value, "value out of range"
            # the charger clamps its maximum into what the variant can deliver
            top = 16 if self.state.get("var") == 11 else 32
            return max(6, min(top, int(value))), None
        if kind == "clamp":
            if not is_num(value):
                return value, "value out of range"
            return max(rule[1], min(rule[2], int(value))), None
        if kind == "choice":
            ok = is_int(value) and value in rule[1]
            return value, None if ok else "value out of range"
        if kind == "int":
            ok = is_int(value) and rule[1] <= value <= rule[2]
            return value, None if ok else "value out of range"
        if kind == "float":
            ok = is_num(value) and rule[1] <= value <= rule[2]
            return value, None if ok else "value out of range"
        if kind == "opt_float":
            ok = value is None or (is_num(value) and rule[1] <= value <= rule[2])
            return value, None if ok else "invalid value"
        if kind == "bool":
            return value, None if isinstance(value, bool) else "expected a boolean"
        if kind == "str":
            ok = isinstance(value, str) and len(value) <= rule[1]
            return value, None if ok else "expected a string"
        if kind == "schedule":
            ok = isinstance(value, dict) and value.get("control") in (0, 1, 2)
            return value, None if ok else "invalid scheduler"
        if kind == "ids":
            if not isinstance(value, dict) or not all(is_num(v) for v in value.values()):
                return value, "expected an object of numbers"
            return value, None if "pGrid" in value else "pGrid missing"
        return value, None

    def _set_items(self, request: web.Request) -> list[tuple[str, str]]:
        return [(k, v) for k, v in request.query.items() if k != "token"]

    async def _local_set(self, request: web.Request) -> web.Response:
        if self.hold_sets is not None:
            await self.hold_sets.wait()
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
