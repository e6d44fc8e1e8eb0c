"""Client of the eGauge WebAPI (no Home Assistant imports).

* Login as the meter does it: ``GET /api/auth/unauthorized`` gives a realm and a server
  nonce (in a 401), ``POST /api/auth/login`` sends ``md5(md5(usr:rlm:pwd):nnc:cnnc)`` and
  returns a JWT. An expired nonce is retried once; a 401 during a request logs in again
  (with the nonce of that 401) and retries the request once.
* The token is reused until shortly before it expires (the meter's tokens carry no ``exp``;
  they last about 10 minutes, so the fallback lifetime is 10 minutes).
* One request per poll: ``GET /api/register?rate&time=now&virtual=value&raw`` gives every
  register's rate and its cumulative value. Values are parsed permissively: an unknown type
  code or a malformed entry is kept (or skipped) and never fails the poll.
"""

from __future__ import annotations

from collections.abc import Container
from dataclasses import dataclass, field
import hashlib
from itertools import chain, takewhile
import logging
from operator import itemgetter
import secrets
from typing import Any

from .energy import Rows, Series
from .errors import (
    EnergyHubApiError,
    EnergyHubAuthError,
    EnergyHubConnectionError,
    EnergyHubRequestError,
    EnergyHubResponseError,
    EnergyHubUnavailableError,
)
from .http import HttpResponse, expect_dict
from .redact import redact
from .tokens import LoginClient
from .values import finite_float, finite_int, finite_product, timestamp_seconds

_LOGGER = logging.getLogger(__name__)

#: The query of the poll: rates, the cumulative values now (raw: independent of the
#: meter's epoch, so moving the epoch never makes a counter jump), virtual registers.
REGISTER_QUERY = "rate&time=now&virtual=value&raw"
#: The same poll plus every stored row since the last one, as differences (``delta``):
#: the exact import/export split of every register, still ONE request.
SINCE_QUERY = "rate&time={since}:1:now&delta&virtual=value&raw"
#: The longest stretch a poll reads at once (rows); older gaps are read in chunks first.
MAX_POLL_SPAN = 3600
#: Type codes whose counter runs both ways and gets imported/exported totals: real power.
#: (Reactive power is signed too, but is no energy for the Energy dashboard.)
SPLIT_TYPES = frozenset({"P"})
#: A power register changing faster than this (W = counts per second) is a reset, not power.
MAX_POWER = 50_000_000.0
NONCE_EXPIRED = "Nonce expired."
#: ``EnergyHubUnavailableError.reason`` when every fresh nonce is declared expired.
REASON_NONCE_EXPIRED = "egauge_clock"
#: Token lifetime when the token says nothing (the meter's are valid about 10 minutes).
TOKEN_LIFETIME = 600.0


@dataclass(frozen=True, slots=True)
class RegisterType:
    """What a type code means: its rate unit, its quantum and its cumulative unit."""

    code: str
    quantity: str
    rate_unit: str | None
    quantum: float
    #: factor from (stored value x quantum) to ``cumul_unit``; None = no useful total
    cumul_scale: float | None = None
    cumul_unit: str | None = None


_HOUR = 3600.0
_KILO_HOUR = 3_600_000.0

#: Type codes from the WebAPI glossary, plus the ones egauge-python knows (PQ, Vdc, Idc, dT).
REGISTER_TYPES: dict[str, RegisterType] = {
    t.code: t
    for t in (
        RegisterType("#", "number", None, 1),
        RegisterType("#3", "number", None, 0.001),
        RegisterType("%", "percentage", "%", 0.001),
        RegisterType("$", "monetary", None, 2**-29),
        RegisterType("a", "angle", "°", 0.001),
        RegisterType("aq", "air_quality", None, 0.001),
        RegisterType("d", "discrete", None, 1),
        RegisterType("Ee", "irradiance", "W/m²", 1, 1 / _KILO_HOUR, "kWh/m²"),
        RegisterType("F", "frequency", "Hz", 0.001),
        RegisterType("h", "humidity", "%", 0.001),
        RegisterType("I", "current", "A", 0.001, 1 / _HOUR, "Ah"),
        RegisterType("Idc", "current", "A", 0.001, 1 / _HOUR, "Ah"),
        RegisterType("m", "mass", "g", 0.001),
        RegisterType("P", "power", "W", 1, 1 / _KILO_HOUR, "kWh"),
        RegisterType("Pa", "pressure", "Pa", 1),
        RegisterType("ppm", "ppm", "ppm", 0.001),
        RegisterType("var", "reactive_power", "var", 1, 1 / _KILO_HOUR, "kvarh"),
        RegisterType("PQ", "reactive_power", "var", 1, 1 / _KILO_HOUR, "kvarh"),
        RegisterType("Q", "mass_flow", "g/s", 1),
        RegisterType("Qe", "charge", "Ah", 0.001),
        RegisterType("Qv", "volume_flow", "m³/s", 1e-9, 1.0, "m³"),
        RegisterType("R", "resistance", "Ω", 1),
        RegisterType("S", "apparent_power", "VA", 1, 1 / _KILO_HOUR, "kVAh"),
        RegisterType("T", "temperature", "°C", 0.001),
        RegisterType("dT", "temperature_difference", "°C", 0.001),
        RegisterType("THD", "thd", "%", 0.001),
        RegisterType("V", "voltage", "V", 0.001),
        RegisterType("Vdc", "voltage", "V", 0.001),
        RegisterType("v", "speed", "m/s", 0.001),
    )
}


@dataclass(frozen=True, slots=True)
class Register:
    """One register as the last poll saw it."""

    name: str
    type_code: str
    idx: int
    #: database id (physical registers only): survives a rename
    did: int | None
    #: current rate in the type's rate unit (None when the meter sent none)
    rate: float | None
    #: cumulative value as stored (counts), None when missing
    cumulative: int | None

    @property
    def virtual(self) -> bool:
        """Virtual registers (use, gen, ...) have no database id."""
        return self.did is None

    @property
    def type(self) -> RegisterType | None:
        """The type's description, None for a code this client does not know."""
        return REGISTER_TYPES.get(self.type_code)

    @property
    def key(self) -> str:
        """A stable key: the did for physical registers, the name for virtual ones."""
        return f"virt_{self.name}" if self.did is None else f"reg{self.did}"

    @property
    def splits(self) -> bool:
        """True when the register gets imported/exported totals."""
        return self.type_code in SPLIT_TYPES

    @property
    def total(self) -> float | None:
        """The cumulative value in the type's cumulative unit (e.g. kWh), or None."""
        reg_type = self.type
        if self.cumulative is None or reg_type is None or reg_type.cumul_scale is None:
            return None
        return finite_product(finite_float(self.cumulative), reg_type.quantum, reg_type.cumul_scale)


@dataclass(frozen=True, slots=True)
class RegisterData:
    """The registers of one poll, by key, in the meter's order."""

    ts: float | None
    registers: dict[str, Register] = field(default_factory=dict)
    #: entries the parser had to skip (kept for diagnostics)
    skipped: int = 0
    #: stored rows of the reply (registers that split) by key: ``(time, value)``, youngest first
    series: dict[str, Series] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """A JSON-friendly view (diagnostics)."""
        return {
            "ts": self.ts,
            "skipped": self.skipped,
            "registers": [
                {
                    "name": r.name,
                    "type": r.type_code,
                    "known_type": r.type is not None,
                    "idx": r.idx,
                    "did": r.did,
                    "rate": r.rate,
                    "cumulative": r.cumulative,
                }
                for r in self.registers.values()
            ],
        }


@dataclass(frozen=True, slots=True)
class MeterInfo:
    """What identifies the meter."""

    serial: str
    model: str | None
    firmware: str | None
    hostname: str | None


class EgaugePermissionError(EnergyHubAuthError):
    """The credentials are right, but the user lacks a right the request needs."""


def digest_hash(usr: str, rlm: str, pwd: str, nnc: str, cnnc: str) -> str:
    """md5(md5(usr:rlm:pwd):nnc:cnnc) as lowercase hex (the meter's login hash)."""
    ha1 = hashlib.md5(f"{usr}:{rlm}:{pwd}".encode()).hexdigest()  # noqa: S324 - protocol
    return hashlib.md5(f"{ha1}:{nnc}:{cnnc}".encode()).hexdigest()  # noqa: S324 - protocol


def _number(value: Any) -> float | None:
    """A rate: a JSON number a float holds (NaN, infinities, 1e400 are None)."""
    return None if isinstance(value, str) else finite_float(value)


def parse_registers(
    payload: Any, *, delta: bool = False, series_types: Container[str] | None = SPLIT_TYPES
) -> RegisterData:
    """Parse a /register reply; raises EnergyHubResponseError only when it is unusable.

    ``delta``: the reply was asked for with the ``delta`` flag. ``series``: the rows of
    the registers of ``series_types`` (None: of every register).
    """
    data = expect_dict(payload, "register reply")
    if data.get("error"):
        raise EnergyHubResponseError(f"The meter reported: {redact(data['error'])[:200]}")
    entries = data.get("registers")
    if not isinstance(entries, list):
        raise EnergyHubResponseError("The register reply has no register list")
    row: list[Any] = []
    ranges = data.get("ranges")
    if isinstance(ranges, list) and ranges and isinstance(ranges[0], dict):
        rows = ranges[0].get("rows")
        if isinstance(rows, list) and rows and isinstance(rows[0], list):
            row = rows[0]
    registers: dict[str, Register] = {}
    skipped = 0
    #: per column, the key of the register whose rows are kept (None: not kept)
    columns: list[str | None] = []
    for column, entry in enumerate(entries):
        columns.append(None)
        if not isinstance(entry, dict):
            skipped += 1
            continue
        name = entry.get("name")
        type_code = entry.get("type")
        idx = entry.get("idx")
        did = entry.get("did")
        if (
            not isinstance(name, str)
            or not name
            or not isinstance(type_code, str)
            or not isinstance(idx, int)
            or isinstance(idx, bool)
            or (did is not None and (not isinstance(did, int) or isinstance(did, bool)))
        ):
            skipped += 1
            _LOGGER.debug("Skipping a malformed register entry: %s", redact(repr(entry))[:200])
            continue
        register = Register(
            name=name,
            type_code=type_code,
            idx=idx,
            did=did,
            rate=_number(entry.get("rate")),
            cumulative=finite_int(row[column]) if column < len(row) else None,
        )
        key = register.key
        if key in registers:
            skipped += 1  # a second column of one key: neither its value nor its rows
            continue
        registers[key] = register
        if series_types is None or type_code in series_types:
            columns[column] = key
    return RegisterData(
        ts=timestamp_seconds(data.get("ts")),
        registers=registers,
        skipped=skipped,
        series=parse_series(ranges, columns, delta=delta) if any(columns) else {},
    )


#: Counter text this long or shorter is read with int() directly in :func:`parse_series`: it
#: cannot overflow a float and finite_int would read it the same way.
_DIRECT_INT_TEXT = 100


def _cell_value(cell: Any) -> int | None:
    if type(cell) is str and len(cell) <= _DIRECT_INT_TEXT:
        try:
            return int(cell)
        except ValueError:
            pass
    return finite_int(cell)


def parse_series(ranges: Any, columns: list[str | None], *, delta: bool) -> dict[str, Series]:
    """The rows of a /register reply as ``(time, value)`` per register key, youngest first.

    Row *i* of a range is at ``ts - i*delta``; several ranges follow each other (coarser
    when the meter's database holds coarser rows). With ``delta`` only the very first row
    is absolute and every later one is the change from the row before it (younger). A
    malformed value ends that register's series (everything older would be wrong), a row
    that is no list every series.

    A range of well-formed counter text (the usual case) is converted in C, every column
    at once; any other goes cell by cell (:func:`_odd_range_columns`), a column stopping
    at its first malformed value. A register's rows from one range (the usual poll) are
    :class:`Rows`, kept as the reply's differences; from several ranges a list.
    """
    live = {column: key for column, key in enumerate(columns) if key is not None}
    keys = dict(live)  # live loses a register at its first malformed value
    parts: dict[str, list[Rows]] = {key: [] for key in live.values()}
    for rng in ranges if isinstance(ranges, list) else ():
        if not live or not isinstance(rng, dict):
            break
        start = finite_float(rng.get("ts"))
        step = finite_float(rng.get("delta"))
        rows = rng.get("rows")
        if start is None or step is None or step < 0 or not isinstance(rows, list):
            break
        last_range = not set(map(type, rows)) <= {list}
        if last_range:
            # a row that is no list ends everything: keep the rows before it
            rows = list(takewhile(lambda row: type(row) is list, rows))
        width = len(live)
        try:
            cells = (
                list(chain.from_iterable(map(itemgetter(*live), rows)))
                if width > 1
                else list(map(itemgetter(*live), rows))
            )
            if set(map(type, cells)) != {str} or max(map(len, cells)) > _DIRECT_INT_TEXT:
                raise ValueError  # noqa: TRY301 - the same way as text int() refuses
            values = list(map(int, cells))
            read = [(column, values[i::width]) for i, column in enumerate(live)]
        except IndexError, ValueError:  # a short row, a cell that is no counter text
            read = _odd_range_columns(rows, live)
        for column, column_values in read:
            if not column_values:
                continue
            chunks = parts[keys[column]]
            if not delta:
                chunks.append(Rows.of_values(start, step, column_values))
                continue
            if chunks:  # a later range continues from the oldest row of the one before
                column_values[0] += sum(chunks[-1].deltas)
            chunks.append(Rows(start, step, column_values))
        if last_range:
            break
    return {
        key: chunks[0] if len(chunks) == 1 else [row for part in chunks for row in part]
        for key, chunks in parts.items()
    }


def _odd_range_columns(rows: list[list[Any]], live: dict[int, str]) -> list[tuple[int, list[int]]]:
    """A range's ``live`` columns cell by cell (the rows are not all well-formed).

    A column whose cell is malformed (or missing) ends there and leaves ``live``:
    everything older of that register would be wrong.
    """
    result: list[tuple[int, list[int]]] = []
    for column in list(live):
        values = []
        for row in rows:
            value = _cell_value(row[column] if column < len(row) else None)
            if value is None:
                del live[column]
                break
            values.append(value)
        result.append((column, values))
    return result


class EgaugeClient(LoginClient):
    """One eGauge meter (``host`` is a URL; plain http or https)."""

    token_lifetime = TOKEN_LIFETIME
    #: The meter's realm and nonce from a 401, used by the next login (None: ask for one).
    _challenge: tuple[str, str] | None = None
    _last_token: str | None = None

    # -- login ---------------------------------------------------------------------------

    @staticmethod
    def _parse_challenge(resp: HttpResponse) -> tuple[str, str] | None:
        try:
            body = resp.json()
        except EnergyHubResponseError:
            return None
        if not isinstance(body, dict):
            return None
        rlm, nnc = body.get("rlm"), body.get("nnc")
        if isinstance(rlm, str) and isinstance(nnc, str) and nnc:
            return rlm, nnc
        return None

    async def _fetch_challenge(self) -> tuple[str, str]:
        resp = await self.request("GET", "/api/auth/unauthorized")
        challenge = self._parse_challenge(resp) if resp.status == 401 else None
        if challenge is None:
            raise _status_error(resp, "the login challenge")
        return challenge

    async def _login(self) -> str:
        """Digest login; the realm/nonce of a 401 just received saves one request."""
        challenge, self._challenge = self._challenge, None
        for _attempt in range(2):
            if challenge is None:
                challenge = await self._fetch_challenge()
            rlm, nnc = challenge
            cnnc = secrets.token_hex(16)
            body = {
                "rlm": rlm,
                "usr": self._username,
                "nnc": nnc,
                "cnnc": cnnc,
                "hash": digest_hash(self._username, rlm, self._password, nnc, cnnc),
            }
            resp = await self.request("POST", "/api/auth/login", json_body=body)
            if resp.status in (401, 403):
                raise EnergyHubAuthError("The meter refused the credentials")
            if resp.status != 200:
                raise _status_error(resp, "the login")
            reply = expect_dict(resp.json(), "login reply")
            error = reply.get("error")
            if error == NONCE_EXPIRED:
                _LOGGER.debug("Server nonce expired; logging in with a fresh one")
                challenge = None
                continue
            token = reply.get("jwt")
            if error or not isinstance(token, str) or not token:
                raise EnergyHubAuthError("The meter refused the credentials")
            self._last_token = token
            return token
        # The meter itself said the nonce it just issued had expired, twice: the password
        # was never checked. That is the meter's clock (or a restarting meter), not the
        # credentials, so it must not ask the user to sign in again.
        raise EnergyHubUnavailableError(
            "The meter declared its own fresh login nonces expired (is its clock right?)",
            reason=REASON_NONCE_EXPIRED,
        )

    async def async_logout(self) -> None:
        """Revoke the token (best effort, used on unload)."""
        token, self._last_token = self._last_token, None
        self.tokens.invalidate()
        if token is None:
            return
        try:
            await self.request(
                "GET", "/api/auth/logout", headers={"Authorization": f"Bearer {token}"}
            )
        except EnergyHubApiError:
            # best effort (unreachable, rate limited, refused): the token expires on its own
            _LOGGER.debug("Logout failed; the token expires on its own")

    # -- requests ------------------------------------------------------------------------

    async def _call(
        self, method: str, path: str, *, query_string: str | None = None, json_body: Any = None
    ) -> Any:
        """An authenticated request; 401 -> log in again once and retry once."""
        token = await self.tokens.token()
        resp = await self._send(method, path, token, query_string, json_body)
        if resp.status == 401:
            self._challenge = self._parse_challenge(resp)
            token = await self.tokens.refresh_after_401(token)
            self._challenge = None
            resp = await self._send(method, path, token, query_string, json_body)
            if resp.status == 401:
                raise await self._refused_error(token)
        if resp.status != 200:
            raise _status_error(resp, path)
        body = expect_dict(resp.json(), path)
        if body.get("error"):
            raise EnergyHubRequestError(
                f"The meter refused {path}",
                status=resp.status,
                detail=self.redact(body["error"])[:500],
            )
        return body

    async def _send(
        self,
        method: str,
        path: str,
        token: str,
        query_string: str | None,
        json_body: Any,
    ) -> HttpResponse:
        return await self.request(
            method,
            path,
            query_string=query_string,
            json_body=json_body,
            headers={"Authorization": f"Bearer {token}"},
        )

    async def _refused_error(self, token: str) -> EnergyHubAuthError:
        """A fresh token was refused: a missing right, or credentials gone bad."""
        resp = await self._send("GET", "/api/auth/rights", token, None, None)
        if resp.status == 200:
            return EgaugePermissionError("The user lacks a right this request needs")
        return EnergyHubAuthError("The meter refused a fresh token")

    # -- API -----------------------------------------------------------------------------

    async def async_get_registers(
        self, since: float | None = None, *, series: bool = True
    ) -> RegisterData:
        """Every register's rate and cumulative value: ONE request.

        With ``since`` (a row time of an earlier reply), the reply also carries every
        stored row from then to now (``series``), for the exact import/export split.
        ``series=False``: rates and cumulative values only, no rows kept (also with
        ``since``: the rows are then asked for and dropped).
        """
        types = SPLIT_TYPES if series else ()
        if since is None:
            body = await self._call("GET", "/api/register", query_string=REGISTER_QUERY)
            return parse_registers(body, series_types=types)
        query = SINCE_QUERY.format(since=int(since))
        body = await self._call("GET", "/api/register", query_string=query)
        return parse_registers(body, delta=True, series_types=types)

    async def async_get_history(
        self,
        start: float,
        stop: float,
        step: int,
        indices: list[int] | None = None,
        *,
        types: Container[str] | None = SPLIT_TYPES,
    ) -> dict[str, Series]:
        """Stored rows from ``start`` to ``stop`` every ``step`` seconds (youngest first).

        ``indices`` limits the registers (``reg=none+i+j``), ``types`` the registers whose
        rows are returned (None: all, by register key); the meter answers with its own
        resolution where it holds only coarser rows. Values are raw cumulative counts.
        """
        reg = "" if indices is None else "reg=none" + "".join(f"%2B{i}" for i in indices) + "&"
        query = f"{reg}time={int(start)}:{int(step)}:{int(stop)}&delta&virtual=value&raw"
        body = await self._call("GET", "/api/register", query_string=query)
        return parse_registers(body, delta=True, series_types=types).series

    async def async_get_meter_info(self) -> MeterInfo:
        """Serial, model and firmware (``/api/sys``) and the hostname."""
        sys_body = await self._call("GET", "/api/sys", query_string="filter=%7Bsn,model,version%7D")
        result = sys_body.get("result")
        if not isinstance(result, dict):
            raise EnergyHubResponseError("The /sys reply has no result")
        serial = result.get("sn")
        if not isinstance(serial, str) or not serial.strip():
            raise EnergyHubResponseError("The meter reported no serial number")
        model = result.get("model")
        version = result.get("version")
        firmware = version.get("firmware") if isinstance(version, dict) else None
        host_body = await self._call("GET", "/api/config/net/hostname")
        hostname = host_body.get("result")
        return MeterInfo(
            serial=serial.strip(),
            model=model if isinstance(model, str) else None,
            firmware=firmware if isinstance(firmware, str) else None,
            hostname=hostname if isinstance(hostname, str) and hostname else None,
        )

    async def async_reboot(self) -> None:
        """``POST /api/cmd/reboot`` (needs the save right); the token dies with the reboot."""
        await self._call("POST", "/api/cmd/reboot", json_body={})
        self.tokens.invalidate()


def _status_error(
    resp: HttpResponse, what: str
) -> EnergyHubResponseError | EnergyHubConnectionError:
    if resp.status in (502, 503, 504):
        return EnergyHubConnectionError(f"The meter is busy (HTTP {resp.status}) for {what}")
    return EnergyHubResponseError(f"Unexpected HTTP {resp.status} for {what}", status=resp.status)
