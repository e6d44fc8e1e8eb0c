"""A simulated eGauge meter speaking the eGauge WebAPI (``/api/...``).

What it models (see ``shared/research/egauge.md`` §5):

* Digest login: ``GET /api/auth/unauthorized`` answers 401 with a realm and a fresh server
  nonce (lifetime ``nonce_lifetime``); ``POST /api/auth/login`` checks
  ``md5(md5(usr:rlm:pwd):nnc:cnnc)`` and returns ``{"jwt": ...}``; an expired nonce gives
  ``{"error": "Nonce expired."}`` (always, with ``clock_broken``: a meter whose clock is off).
  Every protected resource answers the same 401 body.
* JWTs carrying ``rlm, usr, prv, beg, ltm, gen`` (no ``exp``, like the real meter's):
  they expire after ``token_lifetime`` and a reboot revokes all of them (``gen`` changes).
* ``GET /api/register`` with ``reg`` (raw query string: a literal ``+`` means plus), ``view``,
  ``rate``, ``time`` (``now``, ``epoch``, numbers, ``sod``/``som``/..., ``f(texpr)``, offsets
  ``±N[unit]``, ``a:step:b``, ``a::b``, comma lists), ``virtual=value|formula``, ``raw``,
  ``delta`` and ``max-rows``; counters advance with (possibly frozen) wall-clock time.
* ``/api/local``, ``/api/sys`` (with ``filter={a,b}`` and sub-paths), ``/api/config/net/hostname``,
  ``/api/config/db/epoch``, ``/api/auth/rights``, ``/api/auth/logout``, ``POST /api/cmd/reboot``
  (needs the ``save`` right; the meter then drops connections for ``reboot_duration`` seconds).

Registers of several types (power, voltage, current, ...), a bidirectional one (Grid), a
solar register reading negative, an unknown type code and virtual registers (use, gen).
"""

from __future__ import annotations

import bisect
import calendar
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
import hashlib
import itertools
import json
import re
import secrets
import time
from typing import Any
from urllib.parse import unquote

from aiohttp import web
import jwt

from .base import Simulator, bearer_token

REALM = "eGauge Administration"

#: Quantum of each type code (rate unit per stored count).
QUANTUM: dict[str, float] = {
    "#": 1,
    "#3": 0.001,
    "%": 0.001,
    "$": 2**-29,
    "a": 0.001,
    "aq": 0.001,
    "d": 1,
    "Ee": 1,
    "F": 0.001,
    "h": 0.001,
    "I": 0.001,
    "m": 0.001,
    "P": 1,
    "Pa": 1,
    "ppm": 0.001,
    "var": 1,
    "Q": 1,
    "Qe": 0.001,
    "Qv": 1e-9,
    "R": 1,
    "S": 1,
    "T": 0.001,
    "THD": 0.001,
    "V": 0.001,
    "v": 0.001,
}

_UNIT_SECONDS = {"s": 1, "M": 60, "Q": 900, "h": 3600, "d": 86400, "w": 7 * 86400}
_MONTH_UNITS = {"m": 1, "q": 3, "b": 1, "y": 12}
_TEXPR_BASE = re.compile(
    r"(?P<func>soy|soq|sob|som|sow|sod|soh|soQ|soM|sos)\((?P<arg>[^()]*)\)"
    r"|(?P<name>now|epoch|soy|soq|sob|som|sow|sod|soh|soQ|soM|sos)"
    r"|(?P<num>\d+(?:\.\d+)?)"
)
_OFFSET = re.compile(r"(?P<sign>[+-])(?P<num>\d+(?:\.\d+)?)(?P<unit>[yqbmwdhQMs]?)")
_MAX_ROWS = 10_000


#: ``use_household_day``: consumption (W) in each UTC hour, by circuit (the rest: "Other").
HOUSEHOLD_DAY: dict[str, tuple[float, ...]] = {
    "Heat pump": (
        *(300, 300, 300, 300, 350, 450, 500, 400, 300, 200, 150, 150),
        *(150, 150, 150, 200, 300, 400, 450, 450, 400, 350, 300, 300),
    ),
    "Kitchen": (
        *(20, 20, 20, 20, 20, 50, 300, 400, 100, 50, 50, 150),
        *(450, 200, 50, 50, 100, 600, 700, 300, 100, 50, 30, 20),
    ),
    "Other": (
        *(150, 130, 130, 130, 140, 200, 350, 450, 300, 300, 300, 350),
        *(400, 350, 300, 350, 400, 600, 700, 650, 500, 400, 300, 200),
    ),
}
#: ``use_household_day``: solar production (W) in each UTC hour.
SOLAR_DAY: tuple[float, ...] = (
    *(0, 0, 0, 0, 0, 0, 150, 600, 1400, 2400, 3300, 4000),
    *(4300, 4100, 3500, 2600, 1600, 700, 200, 0, 0, 0, 0, 0),
)


class QueryError(ValueError):
    """A query parameter the meter cannot interpret."""


@dataclass(frozen=True)
class Profile:
    """Counts added per second: constant, or a square wave (flow reversing periodically).

    ``high`` counts per second for the first ``high_seconds`` of every ``period`` (counted
    from ``phase``), ``low`` for the rest. A constant profile has ``period == 0``.
    """

    high: int
    low: int = 0
    period: int = 0
    high_seconds: int = 0
    phase: float = 0.0
    #: a daily curve instead: counts per second in each hour of the (UTC) day (24 values)
    hourly: tuple[int, ...] = ()

    def integral(self, t: float) -> float:
        """Counts accumulated from the profile's phase to ``t`` (may be negative)."""
        if self.hourly:
            return self._daily(t) - self._daily(self.phase)
        x = t - self.phase
        if self.period <= 0:
            return self.high * x
        cycles, rest = divmod(x, self.period)
        per_cycle = self.high * self.high_seconds + self.low * (self.period - self.high_seconds)
        return (
            cycles * per_cycle
            + min(rest, self.high_seconds) * self.high
            + max(0.0, rest - self.high_seconds) * self.low
        )

    def _daily(self, t: float) -> float:
        """Counts of the daily curve from the start of the phase's day to ``t``."""
        days, rest = divmod(t, 86400)
        hour, seconds = divmod(rest, 3600)
        whole = int(hour)
        day_total = 3600 * sum(self.hourly)
        # days counted from the phase's day keep the numbers small (exact in a float)
        return (
            (days - self.phase // 86400) * day_total
            + 3600 * sum(self.hourly[:whole])
            + seconds * self.hourly[whole]
        )

    def counts_at(self, t: float) -> int:
        """Counts per second during the second starting at ``t``."""
        if self.hourly:
            return self.hourly[int(t % 86400 // 3600)]
        if self.period <= 0:
            return self.high
        return self.high if (t - self.phase) % self.period < self.high_seconds else self.low


@dataclass
class SimRegister:
    """One register: physical (with a did) or virtual (with a formula).

    A physical register keeps its whole history as segments ``(start, value, profile)``:
    from ``start`` on, the counter grows by the profile's counts per second. Any second of
    the past can be read back exactly (what the meter stores at 1 s, 1 min ... resolution).
    """

    name: str
    type: str
    rate: float = 0.0
    did: int | None = None
    #: virtual registers: (sign, physical register name) terms
    formula: list[tuple[str, str]] = field(default_factory=list)
    segments: list[tuple[float, int, Profile]] = field(default_factory=list)

    @property
    def virtual(self) -> bool:
        """True for a virtual register."""
        return self.did is None

    @property
    def quantum(self) -> float:
        """The type's quantum (1 for unknown codes)."""
        return QUANTUM.get(self.type, 1)

    @property
    def anchor(self) -> float:
        """When the current segment (the last rate change) started."""
        return self.segments[-1][0] if self.segments else 0.0

    @property
    def raw(self) -> int:
        """Raw cumulative value at ``anchor``."""
        return self.segments[-1][1] if self.segments else 0

    def start(self, t: float, value: int, profile: Profile) -> None:
        """From ``t`` on the counter (``value`` at ``t``) follows ``profile``."""
        while self.segments and self.segments[-1][0] >= t:
            self.segments.pop()
        self.segments.append((t, value, profile))

    def _segment(self, t: float) -> tuple[float, int, Profile]:
        index = bisect.bisect_right(self.segments, t, key=lambda seg: seg[0]) - 1
        return self.segments[max(index, 0)]

    def value_at(self, t: float) -> int:
        """Raw cumulative value at Unix time ``t`` (physical registers)."""
        if not self.segments:
            return 0
        start, value, profile = self._segment(t)
        if self.type == "d":
            return profile.counts_at(t)
        return value + round(profile.integral(t) - profile.integral(start))

    def rate_at(self, t: float) -> float:
        """The rate (rate unit) during the second at ``t``."""
        if not self.segments:
            return self.rate
        counts = self._segment(t)[2].counts_at(t)
        return counts if self.quantum == 1 else round(counts * self.quantum, 9)

    def formula_text(self) -> str:
        """The formula as the meter prints it (``+"Grid"+"Solar"``)."""
        return "".join(f'{sign}"{name}"' for sign, name in self.formula)


def _md5(text: str) -> str:
    return hashlib.md5(text.encode("utf-8")).hexdigest()  # noqa: S324 - the meter's protocol


def digest_hash(usr: str, rlm: str, pwd: str, nnc: str, cnnc: str) -> str:
    """The login hash the meter expects: md5(md5(usr:rlm:pwd):nnc:cnnc) as hex."""
    return _md5(f"{_md5(f'{usr}:{rlm}:{pwd}')}:{nnc}:{cnnc}")


def parse_query(raw_query: str) -> list[tuple[str, str]]:
    """Split a raw query string like the meter: ``+`` stays ``+``; ``%XX`` is decoded."""
    items: list[tuple[str, str]] = []
    for part in raw_query.split("&"):
        if not part:
            continue
        key, _, value = part.partition("=")
        items.append((unquote(key), unquote(value)))
    return items


class EgaugeSimulator(Simulator):
    """A meter with a handful of registers; tests change them through the methods below."""

    name = "egauge"

    def __init__(
        self,
        username: str = "owner",
        password: str = "secret",  # noqa: S107 - the simulator's documented default
        token: str | None = None,  # accepted for the CLI; the meter has no static tokens
    ) -> None:
        """Create the meter with its default users and registers."""
        self.realm = REALM
        self.users: dict[str, dict[str, Any]] = {
            username: {"pwd": password, "rights": {"save", "ctrl", "view_settings"}},
        }
        self.serial = "G10400"
        self.model = "EG4030"
        self.firmware = "4.6.2"
        self.hostname = "egauge-sim"
        self.nonce_lifetime = 60.0
        #: a meter whose clock is wrong: every nonce it issues is "expired" at once
        self.clock_broken = False
        self.token_lifetime = 600.0
        self.reboot_duration = 30.0
        #: status of a refused login: 200 with an error member (default) or 401
        self.login_failure_status = 200
        self._secret = secrets.token_hex(16)
        self._nonces: dict[str, float] = {}
        self._logged_out: set[str] = set()
        self.generation = 0
        self.tokens_issued = 0
        self.reboots = 0
        now = time.time()
        self.boot_time = now - 86400
        self.rebooting_until = 0.0
        #: database creation (raw counters start here) and the epoch (zero of default values)
        self.db_created = now - 400 * 86400
        self.epoch = float(int(now - 30 * 86400) // 60 * 60)
        #: seconds the meter's clock is ahead of the host's (``advance``)
        self.clock_offset = 0.0
        #: how long the meter keeps 1 s rows (volatile: only since boot); older rows are
        #: minute rows, like the real database levels (``/sys/db/level``)
        self.second_retention = 32768.0
        self.registers: list[SimRegister] = []
        for name, type_code, rate in (
            ("Grid", "P", 1798.0),
            ("Solar", "P", -2500.0),
            ("Apparent", "S", 2100.0),
            ("Reactive", "var", -310.0),
            ("L1 Voltage", "V", 121.5),
            ("L1 Current", "I", 14.8),
            ("Frequency", "F", 60.01),
            ("Outdoor", "T", 18.5),
            ("Humidity", "h", 45.2),
            ("Irradiance", "Ee", 650.0),
            ("Pressure", "Pa", 101325.0),
            ("Mystery", "Zq", 7.0),
        ):
            self.add_register(name, type_code, rate)
        self.add_virtual("use", [("+", "Grid"), ("+", "Solar")])
        self.add_virtual("gen", [("-", "Solar")])
        # a history: every counter ran at its current rate since the database was created
        for reg in self.registers:
            if not reg.virtual:
                reg.segments = []
                reg.start(self.db_created, 0, Profile(round(reg.rate / reg.quantum)))
        super().__init__()

    # -- HTTPS -------------------------------------------------------------------------

    def use_self_signed_certificate(self, common_name: str | None = None) -> None:
        """Serve HTTPS with a fresh self-signed certificate, like a real meter (before start)."""
        super().use_self_signed_certificate(common_name or self.hostname)

    # -- test controls -----------------------------------------------------------------

    def describe(self) -> dict[str, Any]:
        """Credentials for the CLI banner."""
        user = next(iter(self.users))
        return {"username": user, "password": self.users[user]["pwd"], "serial": self.serial}

    def add_register(self, name: str, type_code: str, rate: float, did: int | None = None) -> None:
        """Add a physical register (next free did unless given)."""
        if did is None:
            used = [r.did for r in self.registers if r.did is not None]
            did = max(used, default=-1) + 1
        reg = SimRegister(name=name, type=type_code, rate=rate, did=did)
        reg.start(self.now(), 0, Profile(round(rate / reg.quantum)))
        physical = [r for r in self.registers if not r.virtual]
        virtual = [r for r in self.registers if r.virtual]
        self.registers = [*physical, reg, *virtual]

    def add_virtual(self, name: str, formula: list[tuple[str, str]]) -> None:
        """Add a virtual register summing signed physical registers."""
        first = self.register(formula[0][1])
        self.registers.append(SimRegister(name=name, type=first.type, formula=formula))

    def register(self, name: str) -> SimRegister:
        """The register called ``name``."""
        for reg in self.registers:
            if reg.name == name:
                return reg
        raise KeyError(name)

    def remove_register(self, name: str) -> None:
        """Delete a register (virtual ones referring to it lose that term)."""
        self.registers = [r for r in self.registers if r.name != name]
        for reg in self.registers:
            reg.formula = [term for term in reg.formula if term[1] != name]

    def rename_register(self, old: str, new: str) -> None:
        """Rename a register; it keeps its did (and so its database column)."""
        reg = self.register(old)
        reg.name = new
        for other in self.registers:
            other.formula = [(s, new if n == old else n) for s, n in other.formula]

    def now(self) -> float:
        """The meter's clock: the host's plus whatever ``advance`` added."""
        return time.time() + self.clock_offset

    def advance(self, seconds: float) -> None:
        """Jump the meter's clock forward (Home Assistant was down): its data stays."""
        self.clock_offset += seconds

    def set_rate(self, name: str, rate: float, at: float | None = None) -> None:
        """Change a register's rate from now (or ``at``) on (the counter stays continuous)."""
        reg = self.register(name)
        self._set_profile(reg, Profile(round(rate / reg.quantum)), at)
        reg.rate = rate

    def set_reversing(
        self,
        name: str,
        *,
        high: float,
        low: float,
        period: int,
        high_seconds: int | None = None,
        at: float | None = None,
    ) -> None:
        """Let a register's flow alternate: ``high`` for ``high_seconds`` then ``low``, forever."""
        reg = self.register(name)
        start = float(int(self.now() if at is None else at))
        profile = Profile(
            round(high / reg.quantum),
            round(low / reg.quantum),
            period,
            period // 2 if high_seconds is None else high_seconds,
            phase=start,
        )
        self._set_profile(reg, profile, start)
        reg.rate = high

    def set_daily(self, name: str, watts: tuple[float, ...]) -> None:
        """Give a register a daily curve (rate in each UTC hour), over its whole history."""
        if len(watts) != 24:
            raise ValueError("a daily curve has 24 hourly rates")
        reg = self.register(name)
        phase = float(int(self.db_created))
        profile = Profile(0, hourly=tuple(round(w / reg.quantum) for w in watts), phase=phase)
        reg.segments = []
        reg.start(phase, 0, profile)
        reg.rate = reg.rate_at(self.now())

    def use_household_day(self) -> None:
        """A household's day instead of constant rates (the browser test's Energy dashboard).

        Solar produces from 06:00 to 19:00 UTC (the register reads negative, as the default
        one does), the grid imports at night and in the evening and exports around noon, two
        circuits (``Heat pump``, ``Kitchen``) follow their own curves; ``use`` is the
        house's consumption (``Grid - Solar``), ``gen`` the production. Every day of the
        history looks the same.
        """
        for name in ("Heat pump", "Kitchen"):
            if not self._has(name):
                self.add_register(name, "P", 0.0)
        curves = {name: HOUSEHOLD_DAY[name] for name in ("Heat pump", "Kitchen")}
        load = [sum(hour) for hour in zip(*HOUSEHOLD_DAY.values(), strict=True)]
        solar = SOLAR_DAY
        curves["Solar"] = tuple(-w for w in solar)
        curves["Grid"] = tuple(use - sun for use, sun in zip(load, solar, strict=True))
        for name, watts in curves.items():
            self.set_daily(name, watts)
        self.register("use").formula = [("+", "Grid"), ("-", "Solar")]

    def _set_profile(self, reg: SimRegister, profile: Profile, at: float | None) -> None:
        t = self.now() if at is None else at
        reg.start(t, reg.value_at(t), profile)

    def counts_between(self, name: str, start: float, stop: float) -> tuple[int, int]:
        """Truth for tests: sums of the positive and of the negative per-second changes.

        Of a register between ``start`` and ``stop`` (whole seconds); the negative sum is
        returned as a positive number.
        """
        reg = self.register(name)
        positive = negative = 0
        terms = reg.formula if reg.virtual else [("+", reg.name)]
        values = []
        for t in range(int(start), int(stop) + 1):
            total = 0
            for sign, physical in terms:
                value = self.register(physical).value_at(t)
                total += value if sign == "+" else -value
            values.append(total)
        for older, younger in itertools.pairwise(values):
            diff = younger - older
            if diff > 0:
                positive += diff
            else:
                negative -= diff
        return positive, negative

    def reboot(self) -> None:
        """Reboot now: revoke every token, drop connections for ``reboot_duration``."""
        self.generation += 1
        self._nonces.clear()
        self.reboots += 1
        self.boot_time = self.now() + self.reboot_duration  # the 1 s rows are volatile
        self.rebooting_until = time.time() + self.reboot_duration

    # -- routes ------------------------------------------------------------------------

    def setup_routes(self, router: web.UrlDispatcher) -> None:
        """The WebAPI resources the simulator implements."""
        router.add_get("/api/auth/unauthorized", self._unauthorized)
        router.add_post("/api/auth/login", self._login)
        router.add_get("/api/auth/logout", self._logout)
        router.add_get("/api/auth/rights", self._rights)
        router.add_get("/api/register", self._register)
        router.add_get("/api/local", self._local)
        router.add_get("/api/sys", self._sys)
        router.add_get("/api/sys/{path:.*}", self._sys)
        router.add_get("/api/config/net/hostname", self._hostname)
        router.add_get("/api/config/db/epoch", self._epoch)
        router.add_post("/api/cmd/reboot", self._reboot)
        self.app.middlewares.append(self._reboot_middleware)

    @web.middleware
    async def _reboot_middleware(self, request: web.Request, handler: Any) -> web.StreamResponse:
        if time.time() < self.rebooting_until and not request.path.startswith("/_sim/"):
            return await self._drop(request)
        result: web.StreamResponse = await handler(request)
        return result

    # -- auth --------------------------------------------------------------------------

    def _challenge(self) -> web.Response:
        nonce = secrets.token_urlsafe(24)
        self._nonces[nonce] = time.time()
        return web.json_response(
            {"rlm": self.realm, "nnc": nonce, "error": "Authentication required."},
            status=401,
        )

    def _claims(self, request: web.Request) -> dict[str, Any] | None:
        token = bearer_token(request)
        if token is None or token in self._logged_out:
            return None
        try:
            claims: dict[str, Any] = jwt.decode(
                token, self._secret, algorithms=["HS256"], options={"verify_exp": False}
            )
        except jwt.PyJWTError:
            return None
        if claims.get("gen") != self.generation or claims.get("usr") not in self.users:
            return None
        if time.time() >= float(claims.get("beg", 0)) + float(claims.get("ltm", 0)):
            return None
        return claims

    def _authorize(self, request: web.Request, right: str | None = None) -> web.Response | None:
        """None when the request may proceed, else the 401 the meter sends."""
        claims = self._claims(request)
        if claims is None:
            return self._challenge()
        if right is not None and right not in self.users[claims["usr"]]["rights"]:
            # privilege violations look like missing credentials on the meter
            return self._challenge()
        return None

    async def _unauthorized(self, request: web.Request) -> web.Response:
        if self._claims(request) is not None:
            return web.json_response({"status": "You are logged in."})
        return self._challenge()

    def _login_failed(self, message: str) -> web.Response:
        return web.json_response({"error": message}, status=self.login_failure_status)

    async def _login(self, request: web.Request) -> web.Response:
        try:
            body = json.loads(await request.text())
        except ValueError:
            return web.json_response({"error": "Bad Request"}, status=400)
        if not isinstance(body, dict) or not all(
            isinstance(body.get(k), str) for k in ("rlm", "usr")
        ):
            return web.json_response({"error": "Bad Request"}, status=400)
        user = self.users.get(body["usr"])
        if "pwd" in body:
            if request.scheme != "https":
                return self._login_failed("Password login requires HTTPS.")
            if body["rlm"] != self.realm or user is None or user["pwd"] != body["pwd"]:
                return self._login_failed("Invalid credentials.")
            return web.json_response({"jwt": self._issue(body["usr"])})
        if not all(isinstance(body.get(k), str) for k in ("nnc", "cnnc", "hash")):
            return web.json_response({"error": "Bad Request"}, status=400)
        issued = self._nonces.pop(body["nnc"], None)
        if issued is None or self.clock_broken or time.time() - issued > self.nonce_lifetime:
            return web.json_response({"error": "Nonce expired."})
        if body["rlm"] != self.realm or user is None:
            return self._login_failed("Invalid credentials.")
        expected = digest_hash(body["usr"], self.realm, user["pwd"], body["nnc"], body["cnnc"])
        if body["hash"] != expected:
            return self._login_failed("Invalid credentials.")
        return web.json_response({"jwt": self._issue(body["usr"])})

    def _issue(self, usr: str) -> str:
        self.tokens_issued += 1
        claims = {
            "rlm": self.realm,
            "usr": usr,
            "prv": sorted(self.users[usr]["rights"]),
            "beg": int(time.time()),
            "ltm": int(self.token_lifetime),
            "gen": self.generation,
            "nce": secrets.token_hex(4),
        }
        return jwt.encode(claims, self._secret, algorithm="HS256")

    async def _logout(self, request: web.Request) -> web.Response:
        if (denied := self._authorize(request)) is not None:
            return denied
        token = bearer_token(request)
        assert token is not None
        self._logged_out.add(token)
        return web.json_response({"status": "OK"})

    async def _rights(self, request: web.Request) -> web.Response:
        if (denied := self._authorize(request)) is not None:
            return denied
        claims = self._claims(request)
        assert claims is not None
        rights = sorted(self.users[claims["usr"]]["rights"] & {"save", "ctrl"})
        return web.json_response({"usr": claims["usr"], "rights": rights})

    # -- sys / config / cmd --------------------------------------------------------------

    def sys_tree(self) -> dict[str, Any]:
        """The /sys resource."""
        now = self.now()
        return {
            "boot": {"reason": "power-on", "time": f"{self.boot_time:.6f}"},
            "model": self.model,
            "sn": self.serial,
            "reboot": False,
            "status": {},
            "time": f"{now:.6f}",
            "uptime": round(max(0.0, now - self.boot_time), 2),
            "version": {"firmware": self.firmware, "hardware": "3EA", "kernel": "5.15.95+"},
            "db": {"max-registers": 64},
        }

    async def _sys(self, request: web.Request) -> web.Response:
        if (denied := self._authorize(request, "view_settings")) is not None:
            return denied
        value: Any = self.sys_tree()
        for part in [p for p in request.match_info.get("path", "").split("/") if p]:
            if not isinstance(value, dict) or part not in value:
                return web.json_response({"error": f"Unknown resource {part}."}, status=404)
            value = value[part]
        query = dict(parse_query(request.rel_url.raw_query_string))
        spec = query.get("filter")
        if spec and isinstance(value, dict):
            names = [n.strip() for n in spec.strip("{}").split(",") if n.strip()]
            value = {n: value[n] for n in names if n in value}
        return web.json_response({"result": value})

    async def _hostname(self, request: web.Request) -> web.Response:
        if (denied := self._authorize(request)) is not None:
            return denied
        return web.json_response({"result": self.hostname})

    async def _epoch(self, request: web.Request) -> web.Response:
        if (denied := self._authorize(request)) is not None:
            return denied
        return web.json_response({"result": f"{int(self.epoch)}"})

    async def _reboot(self, request: web.Request) -> web.Response:
        if (denied := self._authorize(request, "save")) is not None:
            return denied
        self.reboot()
        return web.json_response({"status": "OK"})

    # -- /local --------------------------------------------------------------------------

    async def _local(self, request: web.Request) -> web.Response:
        if (denied := self._authorize(request)) is not None:
            return denied
        volts = self.register("L1 Voltage").rate if self._has("L1 Voltage") else 120.0
        values: dict[str, Any] = {
            line: {"type": "V", "rate": {"n": volts, "m": 0.01, "f": 60.0}}
            for line in ("L1", "L2", "L3")
        }
        for n in range(1, 4):
            values[f"S{n}"] = {"type": "I", "rate": {"n": 2.5 * n, "m": 0.0, "f": 60.0}}
        energy = {f"S{n}*L1": {"rate": round(2.5 * n * volts, 3)} for n in range(1, 4)}
        return web.json_response({"ts": f"{time.time():.6f}", "values": values, "energy": energy})

    def _has(self, name: str) -> bool:
        return any(r.name == name for r in self.registers)

    # -- /register -----------------------------------------------------------------------

    async def _register(self, request: web.Request) -> web.Response:
        if (denied := self._authorize(request)) is not None:
            return denied
        try:
            return web.json_response(self.register_reply(request.rel_url.raw_query_string))
        except QueryError as err:
            return web.json_response({"error": str(err)})

    def register_reply(self, raw_query: str) -> dict[str, Any]:
        """The /register reply for a raw query string (raises QueryError)."""
        now = self.now()
        selected: set[int] | None = None
        flags: dict[str, str] = {}
        times: list[str] = []
        for key, value in parse_query(raw_query):
            if key == "reg":
                selected = self._select(value, selected)
            elif key == "view":
                selected = self._select_view(value, selected)
            elif key == "time":
                times.extend(t for t in value.split(",") if t)
            else:
                flags[key] = value
        indices = set(range(len(self.registers))) if selected is None else selected
        virtual = flags.get("virtual")
        if virtual not in (None, "value", "formula"):
            raise QueryError(f"Invalid virtual parameter '{virtual}'.")
        chosen = [
            (idx, reg)
            for idx, reg in enumerate(self.registers)
            if idx in indices and (not reg.virtual or virtual is not None)
        ]
        reply: dict[str, Any] = {"ts": f"{now:.6f}"}
        if selected is not None and not chosen and not times:
            return reply
        entries = []
        for idx, reg in chosen:
            entry: dict[str, Any] = {"name": reg.name, "type": reg.type, "idx": idx}
            if reg.did is not None:
                entry["did"] = reg.did
            if "rate" in flags:
                entry["rate"] = self._rate(reg, now)
            if reg.virtual and virtual == "formula":
                entry["formula"] = reg.formula_text()
            entries.append(entry)
        reply["registers"] = entries
        if times:
            valued = [reg for _, reg in chosen if not reg.virtual or virtual == "value"]
            reply["ranges"] = self._ranges(times, valued, flags, now)
        return reply

    def _rate(self, reg: SimRegister, now: float) -> float:
        if not reg.virtual:
            return reg.rate_at(now)
        total = 0.0
        for sign, name in reg.formula:
            rate = self.register(name).rate_at(now)
            total += rate if sign == "+" else -rate
        return round(total, 6)

    def _value(self, reg: SimRegister, t: float, raw: bool) -> int:
        if reg.virtual:
            total = 0
            for sign, name in reg.formula:
                value = self._value(self.register(name), t, raw)
                total += value if sign == "+" else -value
            return total
        value = reg.value_at(t)
        if not raw and reg.type != "d":
            value -= reg.value_at(self.epoch)
        return value

    def _select(self, spec: str, current: set[int] | None) -> set[int]:
        everything = set(range(len(self.registers)))
        result = set(everything if current is None else current)
        terms = re.findall(r"([+-]?)([^+-]+)", spec)
        if not terms or "".join(s + t for s, t in terms) != spec:
            raise QueryError(f"Invalid register range '{spec}'.")
        for position, (sign, term) in enumerate(terms):
            if term == "all":
                chosen = everything
            elif term == "none":
                chosen = set()
            elif m := re.fullmatch(r"(\d+)(?::(\d+))?", term):
                lo = int(m.group(1))
                hi = int(m.group(2)) if m.group(2) else lo
                chosen = set(range(lo, hi + 1)) & everything
            else:
                raise QueryError(f"Invalid register range '{term}'.")
            if sign == "-":
                result -= chosen
            elif sign == "+":
                result |= chosen
            elif position == 0:
                result = set(chosen)
            else:  # pragma: no cover - the regex gives a sign to every later term
                raise QueryError(f"Invalid register range '{term}'.")
        return result

    def _select_view(self, spec: str, current: set[int] | None) -> set[int]:
        if not spec or spec[0] not in "=+-":
            raise QueryError(f"Invalid view '{spec}'.")
        op, view = spec[0], spec[1:]
        matching = {idx for idx, reg in enumerate(self.registers) if reg.name.split(".")[0] == view}
        base = set(range(len(self.registers))) if current is None else set(current)
        if op == "=":
            return matching
        if op == "+":
            return base | matching
        return base - matching

    # -- time expressions ---------------------------------------------------------------

    def parse_texpr(self, text: str, now: float) -> float:
        """Resolve a time expression (``now-900``, ``sod``, ``som(now)+1d-1h``, ``1700000000``)."""
        m = _TEXPR_BASE.match(text)
        if m is None:
            raise QueryError(f"Invalid time expression '{text}'.")
        if m.group("func"):
            base = self._start_of(m.group("func"), self.parse_texpr(m.group("arg"), now))
        elif m.group("name") == "now":
            base = float(int(now))
        elif m.group("name") == "epoch":
            base = float(int(self.epoch))
        elif m.group("name"):
            base = self._start_of(m.group("name"), float(int(now)))
        else:
            base = float(m.group("num"))
        rest = text[m.end() :]
        while rest:
            o = _OFFSET.match(rest)
            if o is None:
                raise QueryError(f"Invalid time expression '{text}'.")
            amount = float(o.group("num")) * (1 if o.group("sign") == "+" else -1)
            base = self._offset(base, amount, o.group("unit") or "s")
            rest = rest[o.end() :]
        return base

    @staticmethod
    def _offset(t: float, amount: float, unit: str) -> float:
        if unit in _UNIT_SECONDS:
            return t + amount * _UNIT_SECONDS[unit]
        months = int(amount) * _MONTH_UNITS[unit]
        dt = datetime.fromtimestamp(t, UTC)
        index = dt.year * 12 + dt.month - 1 + months
        year, month = divmod(index, 12)
        day = min(dt.day, calendar.monthrange(year, month + 1)[1])
        return dt.replace(year=year, month=month + 1, day=day).timestamp()

    @staticmethod
    def _start_of(func: str, t: float) -> float:
        dt = datetime.fromtimestamp(t, UTC)
        if func == "sos":
            return float(int(t))
        if func == "soM":
            return dt.replace(second=0, microsecond=0).timestamp()
        if func == "soQ":
            return dt.replace(
                minute=dt.minute - dt.minute % 15, second=0, microsecond=0
            ).timestamp()
        if func == "soh":
            return dt.replace(minute=0, second=0, microsecond=0).timestamp()
        day = dt.replace(hour=0, minute=0, second=0, microsecond=0)
        if func == "sod":
            return day.timestamp()
        if func == "sow":
            return (day - timedelta(days=day.weekday())).timestamp()
        if func in ("som", "sob"):
            return day.replace(day=1).timestamp()
        if func == "soq":
            return day.replace(month=day.month - (day.month - 1) % 3, day=1).timestamp()
        return day.replace(month=1, day=1).timestamp()  # soy

    @staticmethod
    def _step(text: str) -> float:
        m = re.fullmatch(r"(\d+(?:\.\d+)?)([yqbmwdhQMs]?)", text)
        if m is None:
            raise QueryError(f"Invalid time step '{text}'.")
        unit = m.group(2) or "s"
        seconds = _UNIT_SECONDS.get(unit, 30 * 86400 * _MONTH_UNITS.get(unit, 1))
        return float(m.group(1)) * seconds

    def _second_rows_from(self, now: float) -> float:
        """The oldest second still held at 1 s resolution."""
        return max(self.boot_time, float(int(now)) - self.second_retention)

    def _row_time(self, t: float, now: float) -> float:
        """Round down to a stored row: 1 s rows for the recent past since boot, else minutes."""
        t = min(t, float(int(now)))
        if t >= self._second_rows_from(now):
            return float(int(t))
        return float(int(t) - int(t) % 60)

    def _series(self, stop: float, step: float, start: float, now: float) -> list[float]:
        """Row times from ``stop`` down to ``start`` every ``step``, rounded down to rows.

        Where only minute rows exist a finer step yields one row a minute.
        """
        points: list[float] = []
        t = stop
        while t >= start:
            row = self._row_time(t, now)
            points.append(row)
            if len(points) > _MAX_ROWS:
                raise QueryError("Too many rows requested.")
            k = int((stop - row) // step) + 1  # the next request time older than this row
            t = stop - k * step
        return points

    def _ranges(
        self, times: list[str], regs: list[SimRegister], flags: dict[str, str], now: float
    ) -> list[dict[str, Any]]:
        raw = "raw" in flags
        limit = _MAX_ROWS
        if "max-rows" in flags:
            try:
                limit = max(1, int(float(flags["max-rows"])))
            except ValueError as err:
                raise QueryError("Invalid max-rows.") from err
        ranges: list[dict[str, Any]] = []
        for spec in times:
            parts = spec.split(":")
            if len(parts) == 1:
                points = [self._row_time(self.parse_texpr(parts[0], now), now)]
            elif len(parts) == 3:
                start = self.parse_texpr(parts[0], now)
                stop = self.parse_texpr(parts[2], now)
                if self._row_time(stop, now) < self._row_time(start, now):
                    raise QueryError(f"Invalid time range '{spec}'.")
                if parts[1] == "":
                    stop, start = self._row_time(stop, now), self._row_time(start, now)
                    points = [stop, start] if stop != start else [stop]
                else:
                    step = self._step(parts[1])
                    if step <= 0:
                        raise QueryError(f"Invalid time step in '{spec}'.")
                    points = self._series(stop, step, start, now)
            else:
                raise QueryError(f"Invalid time range '{spec}'.")
            ranges.extend(self._equidistant(points, regs, raw, now))
        # max-rows: keep the youngest rows across the ranges
        left = limit
        for rng in ranges:
            rng["rows"] = rng["rows"][:left]
            left -= len(rng["rows"])
        ranges = [rng for rng in ranges if rng["rows"]]
        if "delta" in flags:
            previous: list[int] | None = None
            for rng in ranges:
                encoded = []
                for row in rng["rows"]:
                    values = [int(v) for v in row]
                    if previous is None:
                        encoded.append(row)
                    else:
                        encoded.append([str(v - p) for v, p in zip(values, previous, strict=True)])
                    previous = values
                rng["rows"] = encoded
        return ranges

    def _equidistant(
        self, points: list[float], regs: list[SimRegister], raw: bool, now: float
    ) -> list[dict[str, Any]]:
        """Split row times into ranges of equal spacing (a new range where it changes)."""
        groups: list[tuple[list[float], float]] = []
        for t in points:
            if groups:
                group, delta = groups[-1]
                spacing = group[-1] - t
                if delta <= 0 < spacing:
                    groups[-1] = ([*group, t], spacing)
                    continue
                if spacing == delta:
                    group.append(t)
                    continue
            groups.append(([t], 0.0))
        ranges = []
        for group, spacing in groups:
            delta = spacing
            if delta <= 0:
                delta = 1.0 if group[0] >= self._second_rows_from(now) else 60.0
            rows = [[str(self._value(reg, t, raw)) for reg in regs] for t in group]
            ranges.append({"ts": f"{int(group[0])}", "delta": delta, "rows": rows})
        return ranges


SIMULATOR = EgaugeSimulator
