"""Simulator of an EMS smart-meter gateway (Carlo Gavazzi EMS Webapi 1.0.0).

Follows the API document (seed 002): ``GET /ver`` (public), ``POST /v1/auth/login`` ->
``{"token"}`` (a JWT living 30 minutes by default, configurable), the system endpoints, the
Devices -> Loads -> Signals maps keyed by UID with ``uids``/``protocol`` filters and
``limit``/``page`` paging, realtime and history endpoints (also per device and per load),
400 on bad parameters, 401 without a valid token and 404 for unknown UIDs.

The default gateway has six devices of different protocols (the built-in meterBus main
meter, two Modbus TCP EM24s with three loads each, a Modbus RTU meter with three loads, a
virtual PV device and a P1 utility meter), 258 signals and a disabled signal. What its
signal codes measure is this simulator's own table (:data:`MEANINGS`), not the
integration's: code 29 is a voltage as in the API document, some other codes mean
something else than the integration assumes, so tests see the plausibility checks work.

Switches besides the common faults: ``short_pages``/``empty_pages`` (pages of the realtime
map that leave out a sample or come back empty), ``frozen_time`` (the clock stands still:
values repeat) and ``value_offset`` (added to every value). ``total_signals`` pads (or
trims) a bulk device so that exactly that many signals are enabled (the request-count test
uses 2,500).

Realtime values move with time and energy counters grow; history is served from the same
model (a sample every 15 minutes, kept ``history_keep`` seconds: 7 days unless set) so that
it agrees with the realtime values. Tests may override single samples (``set_sample``) to
exercise invalid, missing and stale values, and spoil the history as real gateways do:
``counter_resets`` (a counter restarts from 0 at a time, realtime and history alike) and
``history_gaps`` (time ranges the gateway's database holds no samples for).
"""

from __future__ import annotations

from collections.abc import Iterable
import itertools
import math
import time
from typing import Any

from aiohttp import web

from simulators.base import Simulator, TokenStore, bearer_token

PROTOCOLS = ("rtu", "tcp", "meterBus", "virtual", "P1")
MAX_LIMIT = 1000
HISTORY_STEP = 900  # seconds between history samples
HISTORY_KEEP = 7 * 86400  # seconds of history the gateway keeps
#: A reference time: counters grow from their base value since then.
EPOCH = 1_735_689_600

#: What this simulated gateway's signal codes measure: ``si`` -> (kind, unit).
#:
#: The simulator's OWN table, never the integration's. The API document pins only code 29
#: (a voltage, 230.4 V in its example); every other row is this simulator's choice and
#: deliberately differs from the integration's assumptions in places, as a real gateway's
#: might: code 10 is an energy counter here (the integration assumes a current), 33 an
#: energy counter (the integration assumes voltage L3), 44 a signed power (the integration
#: assumes an energy counter), 4 a power factor in per cent, and 777/901 are codes the
#: integration does not know at all (a temperature and an operating-hours counter).
#: Kinds: voltage, current, power, signed_power, power_factor_percent, frequency,
#: counter, temperature.
MEANINGS: dict[int, tuple[str, str | None]] = {
    1: ("power", "W"),
    2: ("power", "var"),
    3: ("power", "VA"),
    4: ("power_factor_percent", "%"),
    5: ("frequency", "Hz"),
    10: ("counter", "kWh"),
    11: ("current", "A"),
    12: ("current", "A"),
    13: ("current", "A"),
    21: ("power", "W"),
    22: ("power", "W"),
    23: ("power", "W"),
    29: ("voltage", "V"),
    31: ("voltage", "V"),
    32: ("voltage", "V"),
    33: ("counter", "kWh"),
    40: ("counter", "kWh"),
    41: ("counter", "kWh"),
    42: ("counter", "kWh"),
    43: ("counter", "kWh"),
    44: ("signed_power", "W"),
    45: ("counter", "kvarh"),
    46: ("counter", "kvarh"),
    50: ("counter", "m³"),
    777: ("temperature", "°C"),
    901: ("counter", "h"),
}
#: Signal codes of a three-phase load.
THREE_PHASE_SI = (1, 2, 3, 4, 5, 11, 12, 13, 21, 22, 23, 29, 31, 32, 33, 40, 41, 42, 43, 44, 45, 46)
#: Signal codes of a single-phase load.
SINGLE_PHASE_SI = (1, 4, 10, 29, 40, 41)
#: Codes of the utility meter's extra signals (gas, a temperature, operating hours).
EXTRA_SI = (50, 777, 901)

MISSING = object()

PROTOCOL_CONFIG: dict[str, dict[str, Any]] = {
    "meterBus": {
        "main": True,
        "system": 0,
        "ct": 10,
        "currentDirections": 0,
        "digitalInputMode": 0,
        "digitalOutputMode": 0,
        "digitalOutputModeNcNo": 0,
        "measureType": 0,
        "startUpCurrentRH": 10,
    },
    "tcp": {"ip": "192.168.1.60", "port": 502, "address": 1},
    "rtu": {"address": 5, "baudrate": 9600, "parity": "none"},
    "virtual": {"formula": "sum"},
    "P1": {"port": "P1", "dsmr": "5.0"},
}


class EmsSimulator(Simulator):
    """An EMS gateway with devices, loads and signals."""

    name = "ems"

    def __init__(
        self,
        username: str = "admin",
        password: str = "s3cret!",  # noqa: S107 - the API document's example
        *,
        token: str | None = None,
        token_lifetime: float = 1800.0,
        total_signals: int | None = None,
        serial: str = "BX10000000",
        max_limit: int = MAX_LIMIT,
        history_keep: float = HISTORY_KEEP,
    ) -> None:
        self.username = username
        self.password = password
        self.tokens = TokenStore(lifetime=token_lifetime)
        self.serial = serial
        self.mac = "00:1A:2B:3C:4D:5E"
        self.firmware = "EMS_1.0.0.0.250101.000000"
        self.part_number = "EMS10AV5S1X"
        self.api_ver: Any = 1
        self.max_limit = max_limit
        self.devices: dict[int, dict[str, Any]] = {}
        self.loads: dict[int, dict[str, Any]] = {}
        self.signals: dict[int, dict[str, Any]] = {}
        #: Per-signal overrides of the realtime sample (``MISSING`` drops the sample).
        self.samples: dict[int, Any] = {}
        #: Count of requests answered 401 (failed because of the token or credentials).
        self.unauthorized = 0
        self.logins = 0
        self._uids = itertools.count(100)
        self._bulk_device: int | None = None
        #: When set, the gateway's clock stands still at this Unix time (values repeat).
        self.frozen_time: float | None = None
        #: Pages of the realtime map that leave out their first sample (a short page).
        self.short_pages: set[int] = set()
        #: Pages of the realtime map that come back empty.
        self.empty_pages: set[int] = set()
        #: Added to every value (the benchmark raises it to change every value, counters too).
        self.value_offset = 0.0
        #: Seconds of history the gateway keeps.
        self.history_keep = history_keep
        #: Counters restarting from 0: signal UID -> Unix time of the reset.
        self.counter_resets: dict[int, float] = {}
        #: Time ranges ``[start, end)`` (Unix seconds) without history samples.
        self.history_gaps: list[tuple[float, float]] = []
        self._build_default()
        if total_signals is not None:
            self.set_enabled_signal_count(total_signals)
        super().__init__()

    # -- the gateway's configuration -----------------------------------------------------

    def _next_uid(self) -> int:
        uid = next(self._uids)
        while uid in self.devices or uid in self.loads or uid in self.signals:
            uid = next(self._uids)
        return uid

    def _build_default(self) -> None:
        self.devices[1] = {
            "uid": 1,
            "label": "Main meter",
            "partNumber": "EMS10AV5S1X",
            "system": "3P",
        }
        self.add_load(1, "Main", "meterBus", THREE_PHASE_SI, uid=2)
        em24 = self.add_device("EM1", "EM24_E1", "3P", uid=59)
        for label in ("Heat pump", "Kitchen", "Wallbox"):
            self.add_load(em24, label, "tcp", THREE_PHASE_SI)
        rtu = self.add_device("Workshop", "EM24DINAV53XE1X", "3P")
        for label in ("Workshop", "Garage", "Pool pump"):
            self.add_load(rtu, label, "rtu", THREE_PHASE_SI)
        pv = self.add_device("Solar", "VIRTUAL", "1P")
        self.add_load(pv, "PV roof", "virtual", SINGLE_PHASE_SI)
        self.add_load(pv, "PV carport", "virtual", SINGLE_PHASE_SI)
        p1 = self.add_device("Utility meter", "P1", "3P")
        grid = self.add_load(p1, "Grid", "P1", (*THREE_PHASE_SI, *EXTRA_SI))
        self.add_signal(grid, 5, enable=False)
        office = self.add_device("Office", "EM24_E1", "3P")
        for label in ("Office", "Server room", "Lighting"):
            self.add_load(office, label, "tcp", THREE_PHASE_SI)

    def add_device(
        self, label: str, part_number: str, system: str = "3P", *, uid: int | None = None
    ) -> int:
        """Add a device; returns its UID."""
        uid = self._next_uid() if uid is None else uid
        self.devices[uid] = {
            "uid": uid,
            "label": label,
            "partNumber": part_number,
            "system": system,
        }
        return uid

    def add_load(
        self,
        did: int,
        label: str,
        protocol: str,
        codes: Iterable[int] = (),
        *,
        uid: int | None = None,
    ) -> int:
        """Add a load of device ``did`` with one enabled signal per code; returns its UID."""
        uid = self._next_uid() if uid is None else uid
        index = 1 + sum(1 for load in self.loads.values() if load["did"] == did)
        self.loads[uid] = {
            "uid": uid,
            "label": label,
            "enable": True,
            "index": index,
            "type": 0,
            "did": did,
            protocol: dict(PROTOCOL_CONFIG[protocol]),
        }
        for si in codes:
            self.add_signal(uid, si)
        return uid

    def add_signal(self, lid: int, si: int, *, enable: bool = True, uid: int | None = None) -> int:
        """Add a signal to load ``lid``; returns its UID."""
        uid = self._next_uid() if uid is None else uid
        did = self.loads[lid]["did"]
        self.signals[uid] = {
            "uid": uid,
            "si": si,
            "sir": si,
            "enable": enable,
            "lid": lid,
            "did": did,
        }
        return uid

    def remove_signal(self, uid: int) -> None:
        """Remove one signal."""
        self.signals.pop(uid, None)
        self.samples.pop(uid, None)

    def remove_load(self, uid: int) -> None:
        """Remove a load and its signals."""
        self.loads.pop(uid, None)
        for sid in [s for s, sig in self.signals.items() if sig["lid"] == uid]:
            self.remove_signal(sid)

    def remove_device(self, uid: int) -> None:
        """Remove a device with its loads and signals."""
        self.devices.pop(uid, None)
        for lid in [lid for lid, load in self.loads.items() if load["did"] == uid]:
            self.remove_load(lid)

    def enabled_signals(self) -> list[int]:
        """UIDs of the enabled signals."""
        return sorted(uid for uid, sig in self.signals.items() if sig["enable"])

    def set_enabled_signal_count(self, total: int) -> None:
        """Pad (or trim) a bulk device so that exactly ``total`` signals are enabled."""
        if self._bulk_device is None:
            self._bulk_device = self.add_device("Bulk meter", "EM24_E1", "3P")
        bulk_loads = [lid for lid, load in self.loads.items() if load["did"] == self._bulk_device]
        enabled = self.enabled_signals()
        missing = total - len(enabled)
        codes = itertools.cycle(THREE_PHASE_SI)
        while missing > 0:
            if not bulk_loads or sum(
                1 for s in self.signals.values() if s["lid"] == bulk_loads[-1]
            ) >= len(THREE_PHASE_SI):
                bulk_loads.append(
                    self.add_load(self._bulk_device, f"Channel {len(bulk_loads) + 1}", "tcp")
                )
            self.add_signal(bulk_loads[-1], next(codes))
            missing -= 1
        for uid in reversed(enabled):
            if missing >= 0:
                break
            self.remove_signal(uid)
            missing += 1

    def set_sample(self, uid: int, sample: Any = MISSING, **fields: Any) -> None:
        """Override the realtime sample of ``uid``: ``MISSING`` drops it; fields replace keys."""
        self.samples[uid] = MISSING if sample is MISSING and not fields else fields

    # -- the measurement model -----------------------------------------------------------

    @staticmethod
    def is_counter(si: int) -> bool:
        """True when code ``si`` is a counter on this gateway (never runs backwards)."""
        return MEANINGS.get(si, ("", None))[0] == "counter"

    @staticmethod
    def value(uid: int, si: int, at: float) -> float:
        """The value of signal ``uid`` (code ``si``) at Unix time ``at``."""
        kind = MEANINGS.get(si, ("", None))[0]
        wave = math.sin(at / 120 + uid)
        if kind == "counter":
            base = (2000 if si == 33 else 1000) + (uid % 97) * 10
            rate = 0.5 + (uid % 7) * 0.3  # per hour
            return round(base + rate * max(0.0, at - EPOCH) / 3600, 3)
        if kind == "voltage":
            return round(230.4 + 2 * wave, 1)
        if kind == "current":
            return round(5 + 3 * wave, 2)
        if kind == "power":
            return round(1000 + 800 * wave, 1)
        if kind == "signed_power":
            return round(-200 + 400 * wave, 1)
        if kind == "power_factor_percent":
            return round(90 + 5 * wave, 1)
        if kind == "frequency":
            return round(50 + 0.05 * wave, 2)
        if kind == "temperature":
            return round(21 + 2 * wave, 1)
        return round(uid % 100 + wave, 2)

    def reading(self, uid: int, si: int, at: float) -> float:
        """The value signal ``uid`` shows at ``at``: the model, after a counter reset."""
        value = self.value(uid, si, at)
        reset = self.counter_resets.get(uid)
        if reset is not None and at >= reset and self.is_counter(si):
            value = round(value - self.value(uid, si, reset), 3)
        return value

    def now(self) -> float:
        """The gateway's clock (Unix seconds)."""
        return time.time() if self.frozen_time is None else self.frozen_time

    def sample(self, uid: int) -> dict[str, Any] | None:
        """The realtime sample of a signal (None when it is overridden as missing)."""
        sig = self.signals[uid]
        now = self.now()
        value = self.reading(uid, sig["si"], now)
        if self.value_offset:
            value = round(value + self.value_offset, 3)
        sample: dict[str, Any] = {
            "uid": uid,
            "si": sig["si"],
            "v": value,
            "t": int(now * 1000),
            "s": 1,
            "r": 0,
        }
        override = self.samples.get(uid)
        if override is MISSING:
            return None
        if override:
            sample.update(override)
        return sample

    def history(self, uid: int, start: float, end: float) -> list[dict[str, Any]]:
        """History samples of a signal between Unix seconds ``start`` and ``end``."""
        sig = self.signals[uid]
        now = self.now()
        first = max(start, now - self.history_keep)
        last = min(end, now)
        slot = math.ceil(first / HISTORY_STEP) * HISTORY_STEP
        rows: list[dict[str, Any]] = []
        while slot <= last:
            if any(a <= slot < b for a, b in self.history_gaps):
                slot += HISTORY_STEP
                continue
            value = self.reading(uid, sig["si"], slot)
            spread = 0.0 if self.is_counter(sig["si"]) else abs(value) * 0.05
            rows.append(
                {
                    "uid": uid,
                    "t": slot - 1,
                    "p": slot,
                    "v": value,
                    "d": 0,
                    "max": round(value + spread, 3),
                    "min": round(value - spread, 3),
                }
            )
            slot += HISTORY_STEP
        return rows

    # -- HTTP ------------------------------------------------------------------------------

    def setup_routes(self, router: web.UrlDispatcher) -> None:
        """Every path of the API document."""
        router.add_get("/ver", self._ver)
        router.add_post("/v1/auth/login", self._login)
        router.add_get("/v1/serial-number", self._system("sn", lambda: self.serial))
        router.add_get("/v1/mac", self._system("mac", lambda: self.mac))
        router.add_get("/v1/firmware", self._system("fw", lambda: self.firmware))
        router.add_get("/v1/part-number", self._system("pn", lambda: self.part_number))
        router.add_get("/v1/date", self._date)
        router.add_get("/v1/devices", self._devices)
        router.add_get(r"/v1/devices/{uid:\d+}", self._device)
        router.add_get(r"/v1/devices/{uid:\d+}/loads", self._device_loads)
        router.add_get(r"/v1/devices/{uid:\d+}/signals", self._owner_signals)
        router.add_get(r"/v1/devices/{uid:\d+}/signals/realtime", self._owner_realtime)
        router.add_get(r"/v1/devices/{uid:\d+}/signals/history", self._owner_history)
        router.add_get(r"/v1/devices/{uid:\d+}/signals/history/last", self._owner_last)
        router.add_get("/v1/loads", self._loads)
        router.add_get(r"/v1/loads/{uid:\d+}", self._load)
        router.add_get(r"/v1/loads/{uid:\d+}/signals", self._owner_signals)
        router.add_get(r"/v1/loads/{uid:\d+}/signals/realtime", self._owner_realtime)
        router.add_get(r"/v1/loads/{uid:\d+}/signals/history", self._owner_history)
        router.add_get(r"/v1/loads/{uid:\d+}/signals/history/last", self._owner_last)
        router.add_get("/v1/signals", self._signals)
        router.add_get("/v1/signals/realtime", self._realtime)
        router.add_get("/v1/signals/history", self._signals_history)
        router.add_get("/v1/signals/history/last", self._signals_last)
        router.add_get(r"/v1/signals/{uid:\d+}", self._signal)
        router.add_get(r"/v1/signals/{uid:\d+}/realtime", self._signal_realtime)
        router.add_get(r"/v1/signals/{uid:\d+}/history", self._signal_history)
        router.add_get(r"/v1/signals/{uid:\d+}/history/last", self._signal_last)

    def describe(self) -> dict[str, Any]:
        """Credentials and size, printed at start."""
        return {
            "username": self.username,
            "password": self.password,
            "serial": self.serial,
            "devices": len(self.devices),
            "signals": len(self.signals),
        }

    # helpers

    @staticmethod
    def _error(status: int, message: str) -> web.Response:
        return web.json_response({"error": message}, status=status)

    def _authorised(self, request: web.Request) -> bool:
        token = bearer_token(request)
        if token is None or self.tokens.check(token) is None:
            self.unauthorized += 1
            return False
        return True

    @staticmethod
    def _uid(request: web.Request) -> int:
        return int(request.match_info["uid"])

    def _query_int(self, request: web.Request, name: str, default: int, low: int, high: int) -> int:
        raw = request.query.get(name)
        if raw is None:
            return default
        try:
            value = int(raw)
        except ValueError:
            raise web.HTTPBadRequest(
                text=f'{{"error": "invalid {name}"}}', content_type="application/json"
            ) from None
        if not low <= value <= high:
            raise web.HTTPBadRequest(
                text=f'{{"error": "{name} out of range"}}', content_type="application/json"
            )
        return value

    def _filter_uids(self, request: web.Request, known: dict[int, Any]) -> list[int]:
        raw = request.query.get("uids")
        if raw is None or raw == "":
            return sorted(known)
        try:
            uids = [int(part) for part in raw.split(",")]
        except ValueError:
            raise web.HTTPBadRequest(
                text='{"error": "invalid uids"}', content_type="application/json"
            ) from None
        unknown = [uid for uid in uids if uid not in known]
        if unknown:
            raise web.HTTPNotFound(
                text=f'{{"error": "unknown uid {unknown[0]}"}}', content_type="application/json"
            )
        return sorted(set(uids))

    def _protocol_filter(self, request: web.Request) -> str | None:
        protocol = request.query.get("protocol")
        if protocol is not None and protocol not in PROTOCOLS:
            raise web.HTTPBadRequest(
                text='{"error": "invalid protocol"}', content_type="application/json"
            )
        return protocol

    def _page(self, request: web.Request, uids: list[int]) -> list[int]:
        limit = self._query_int(request, "limit", 1000, 1, self.max_limit)
        page = self._query_int(request, "page", 1, 1, 1_000_000)
        return uids[(page - 1) * limit : page * limit]

    def _range(self, request: web.Request) -> tuple[float, float]:
        now_ms = int(self.now() * 1000)
        start = self._query_int(request, "start", now_ms - 86_400_000, 0, 10**14)
        end = self._query_int(request, "end", now_ms, 0, 10**14)
        if start > end:
            raise web.HTTPBadRequest(
                text='{"error": "start after end"}', content_type="application/json"
            )
        return start / 1000, end / 1000

    def _load_protocol(self, load: dict[str, Any]) -> str | None:
        return next((p for p in PROTOCOLS if p in load), None)

    def _device_protocols(self, did: int) -> set[str | None]:
        return {self._load_protocol(load) for load in self.loads.values() if load["did"] == did}

    def _owned_signals(self, request: web.Request) -> list[int]:
        """Signals of the device or load in the path (404 when it does not exist)."""
        uid = self._uid(request)
        if request.path.startswith("/v1/devices/"):
            if uid not in self.devices:
                raise web.HTTPNotFound(
                    text='{"error": "device not found"}', content_type="application/json"
                )
            return sorted(s for s, sig in self.signals.items() if sig["did"] == uid)
        if uid not in self.loads:
            raise web.HTTPNotFound(
                text='{"error": "load not found"}', content_type="application/json"
            )
        return sorted(s for s, sig in self.signals.items() if sig["lid"] == uid)

    def _realtime_map(self, uids: Iterable[int]) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for uid in uids:
            sample = self.sample(uid)
            if sample is not None:
                result[str(uid)] = sample
        return result

    # handlers

    async def _ver(self, request: web.Request) -> web.Response:
        return web.json_response({"api_ver": self.api_ver})

    async def _login(self, request: web.Request) -> web.Response:
        try:
            body = await request.json()
        except ValueError:
            return self._error(400, "malformed request")
        if not isinstance(body, dict):
            return self._error(400, "malformed request")
        if body.get("username") != self.username or body.get("password") != self.password:
            self.unauthorized += 1
            return self._error(401, "invalid credentials")
        self.logins += 1
        return web.json_response({"token": self.tokens.issue(self.username)})

    def _system(self, key: str, value: Any) -> Any:
        async def handler(request: web.Request) -> web.Response:
            if not self._authorised(request):
                return self._error(401, "missing or invalid token")
            return web.json_response({key: value()})

        return handler

    async def _date(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return self._error(401, "missing or invalid token")
        now = time.gmtime()
        return web.json_response(
            {"date": time.strftime("%Y-%m-%d %H:%M:%S", now), "tz": "+00:00 UTC"}
        )

    async def _devices(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return self._error(401, "missing or invalid token")
        protocol = self._protocol_filter(request)
        uids = self._filter_uids(request, self.devices)
        if protocol is not None:
            uids = [uid for uid in uids if protocol in self._device_protocols(uid)]
        return web.json_response(
            {"devices": {str(uid): self.devices[uid] for uid in self._page(request, uids)}}
        )

    async def _device(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return self._error(401, "missing or invalid token")
        device = self.devices.get(self._uid(request))
        if device is None:
            return self._error(404, "device not found")
        return web.json_response(device)

    async def _device_loads(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return self._error(401, "missing or invalid token")
        did = self._uid(request)
        if did not in self.devices:
            return self._error(404, "device not found")
        return web.json_response(
            {
                "loads": {
                    str(u): load for u, load in sorted(self.loads.items()) if load["did"] == did
                }
            }
        )

    async def _loads(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return self._error(401, "missing or invalid token")
        protocol = self._protocol_filter(request)
        uids = self._filter_uids(request, self.loads)
        if protocol is not None:
            uids = [uid for uid in uids if self._load_protocol(self.loads[uid]) == protocol]
        return web.json_response(
            {"loads": {str(uid): self.loads[uid] for uid in self._page(request, uids)}}
        )

    async def _load(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return self._error(401, "missing or invalid token")
        load = self.loads.get(self._uid(request))
        if load is None:
            return self._error(404, "load not found")
        return web.json_response(load)

    async def _signals(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return self._error(401, "missing or invalid token")
        uids = self._page(request, self._filter_uids(request, self.signals))
        return web.json_response({"signals": {str(uid): self.signals[uid] for uid in uids}})

    async def _signal(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return self._error(401, "missing or invalid token")
        signal = self.signals.get(self._uid(request))
        if signal is None:
            return self._error(404, "signal not found")
        return web.json_response(signal)

    async def _owner_signals(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return self._error(401, "missing or invalid token")
        uids = self._owned_signals(request)
        return web.json_response({"signals": {str(uid): self.signals[uid] for uid in uids}})

    async def _realtime(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return self._error(401, "missing or invalid token")
        enabled = {uid: sig for uid, sig in self.signals.items() if sig["enable"]}
        uids = self._page(request, self._filter_uids(request, enabled))
        page = self._query_int(request, "page", 1, 1, 1_000_000)
        if page in self.empty_pages:
            uids = []
        elif page in self.short_pages:
            uids = uids[1:]
        return web.json_response({"realtime": self._realtime_map(uids)})

    async def _owner_realtime(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return self._error(401, "missing or invalid token")
        uids = [uid for uid in self._owned_signals(request) if self.signals[uid]["enable"]]
        return web.json_response({"realtime": self._realtime_map(uids)})

    async def _signal_realtime(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return self._error(401, "missing or invalid token")
        uid = self._uid(request)
        if uid not in self.signals:
            return self._error(404, "signal not found")
        sample = self.sample(uid)
        if sample is None:
            return self._error(404, "no sample")
        return web.json_response(sample)

    def _history_map(self, request: web.Request, uids: list[int]) -> dict[str, Any]:
        start, end = self._range(request)
        limit = self._query_int(request, "limit", 1000, 1, self.max_limit)
        page = self._query_int(request, "page", 1, 1, 1_000_000)
        return {
            str(uid): self.history(uid, start, end)[(page - 1) * limit : page * limit]
            for uid in uids
        }

    def _last_map(self, uids: list[int]) -> dict[str, Any]:
        now = self.now()
        result: dict[str, Any] = {}
        for uid in uids:
            rows = self.history(uid, now - HISTORY_STEP, now)
            if rows:
                result[str(uid)] = rows[-1]
        return result

    async def _signals_history(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return self._error(401, "missing or invalid token")
        uids = self._filter_uids(request, self.signals)
        return web.json_response({"history": self._history_map(request, uids)})

    async def _signals_last(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return self._error(401, "missing or invalid token")
        uids = self._page(request, self._filter_uids(request, self.signals))
        return web.json_response({"history": self._last_map(uids)})

    async def _owner_history(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return self._error(401, "missing or invalid token")
        uids = self._owned_signals(request)
        return web.json_response({"history": self._history_map(request, uids)})

    async def _owner_last(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return self._error(401, "missing or invalid token")
        return web.json_response({"history": self._last_map(self._owned_signals(request))})

    async def _signal_history(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return self._error(401, "missing or invalid token")
        uid = self._uid(request)
        if uid not in self.signals:
            return self._error(404, "signal not found")
        start, end = self._range(request)
        limit = self._query_int(request, "limit", 1000, 1, self.max_limit)
        page = self._query_int(request, "page", 1, 1, 1_000_000)
        rows = self.history(uid, start, end)
        return web.json_response(rows[(page - 1) * limit : page * limit])

    async def _signal_last(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return self._error(401, "missing or invalid token")
        uid = self._uid(request)
        if uid not in self.signals:
            return self._error(404, "signal not found")
        last = self._last_map([uid])
        if not last:
            return self._error(404, "no history")
        return web.json_response(last[str(uid)])


SIMULATOR = EmsSimulator
