"""Client of the EKM Push cloud: realtime readings, the account API and the Trigger API.

No Home Assistant imports. One ``readMeter`` request returns the latest read of every
meter asked for (``meters=A~B~C``); triggers are managed with a Bearer API token.
Values arrive as numbers or as strings and are parsed tolerantly; a bad read
(``Good: 0``) carries no values at all.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
import logging
import re
from typing import Any, Final
from urllib.parse import quote

import aiohttp

from .errors import (
    EnergyHubAuthError,
    EnergyHubRequestError,
    EnergyHubResponseError,
    EnergyHubUnavailableError,
)
from .http import DEFAULT_TIMEOUT, HttpClient, HttpResponse, expect_dict
from .redact import Redactor, redact
from .values import finite_float, finite_int, timestamp_ms, utc_datetime

_LOGGER = logging.getLogger(__name__)

DEFAULT_API_URL: Final = "https://api.ekmpush.com"
DEFAULT_PUSH_URL: Final = "https://api.ekmpush.com"

#: Threshold tests of data conditions: the document's list plus the rise_* forms its
#: examples use.
THRESHOLD_TESTS: Final = ("==", "!=", ">=", "<=", ">", "<", "rise_gt", "rise_eq")
CONDITION_SOURCES: Final = ("meter", "iostack")
RELAYS: Final = ("relay_1", "relay_2")
RELAY_STATUSES: Final = ("close", "open")
#: ``State_Out`` (v4): 1 OffOff, 2 OffOn, 3 OnOff, 4 OnOn; first word = relay_1.
STATE_OUT: Final[dict[int, tuple[bool, bool]]] = {
    1: (False, False),
    2: (False, True),
    3: (True, False),
    4: (True, True),
}

_RRULE_FREQS: Final = frozenset(
    {"SECONDLY", "MINUTELY", "HOURLY", "DAILY", "WEEKLY", "MONTHLY", "YEARLY"}
)
_RRULE_INT_LISTS: Final = {
    "BYSECOND": (0, 60),
    "BYMINUTE": (0, 59),
    "BYHOUR": (0, 23),
    "BYMONTHDAY": (-31, 31),
    "BYYEARDAY": (-366, 366),
    "BYWEEKNO": (-53, 53),
    "BYMONTH": (1, 12),
    "BYSETPOS": (-366, 366),
}
_WEEKDAY_RE: Final = re.compile(r"^[+-]?\d{0,2}(MO|TU|WE|TH|FR|SA|SU)$")
_DATETIME_RE: Final = re.compile(r"^\d{8}(T\d{6}Z?)?$")


def parse_number(value: Any) -> float | None:
    """A JSON number or numeric string as a finite float; None for anything else.

    Bools, NaN, infinities and numbers beyond the float range (``10**400``) are None.
    """
    return finite_float(value)


def parse_int(value: Any) -> int | None:
    """Like ``parse_number`` but only for whole numbers."""
    number = parse_number(value)
    if number is None or not number.is_integer():
        return None
    return int(number)


#: Meter numbers have 12 digits.
_MAX_METER = 10**12


def _meter_id(value: Any) -> str | None:
    """The meter number of a read: text as sent, a number as 12 zero-padded digits."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        number = finite_int(value)
        if number is None or not 0 <= number < _MAX_METER:
            _LOGGER.debug("Skipping a read of meter %s: not a meter number", redact(value)[:40])
            return None
        return str(number).zfill(12)
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


def relay_states(state_out: Any) -> tuple[bool, bool] | None:
    """(relay_1, relay_2) from a ``State_Out`` value; None when missing or unknown."""
    code = parse_int(state_out)
    if code is None:
        return None
    return STATE_OUT.get(code)


def rrule_error(rule: Any) -> str | None:
    """Why ``rule`` is not a usable RRULE condition string (None when it is).

    Accepts an optional ``DTSTART:YYYYMMDDTHHMMSS`` line and one ``RRULE:`` line
    (RFC 5545 syntax, UTC). Only the syntax is checked, not whether it ever fires.
    """
    if not isinstance(rule, str) or not rule.strip():
        return "the rule is empty"
    rrule_seen = False
    for raw_line in rule.strip().splitlines():
        line = raw_line.strip()
        name, sep, value = line.partition(":")
        name = name.upper()
        if not sep:
            return f"line '{line}' has no ':'"
        if name == "DTSTART":
            if not _DATETIME_RE.match(value.strip()):
                return f"DTSTART '{value}' is not a date-time like 20260101T120000"
        elif name == "RRULE":
            if rrule_seen:
                return "more than one RRULE line"
            rrule_seen = True
            error = _rrule_parts_error(value)
            if error:
                return error
        else:
            return f"unknown line '{name}'"
    if not rrule_seen:
        return "no RRULE line"
    return None


def _rrule_parts_error(value: str) -> str | None:
    parts: dict[str, str] = {}
    for part in value.strip().split(";"):
        key, sep, val = part.partition("=")
        key = key.strip().upper()
        if not sep or not val.strip():
            return f"'{part}' is not NAME=VALUE"
        if key in parts:
            return f"{key} given twice"
        parts[key] = val.strip().upper()
    freq = parts.pop("FREQ", None)
    if freq not in _RRULE_FREQS:
        return "FREQ must be one of " + ", ".join(sorted(_RRULE_FREQS))
    if "COUNT" in parts and "UNTIL" in parts:
        return "COUNT and UNTIL cannot be used together"
    for key, val in parts.items():
        if key in ("COUNT", "INTERVAL"):
            if not val.isdigit() or int(val) < 1:
                return f"{key} must be a positive whole number"
        elif key == "UNTIL":
            if not _DATETIME_RE.match(val):
                return f"UNTIL '{val}' is not a date-time like 20260101T120000"
        elif key == "WKST":
            if val not in ("MO", "TU", "WE", "TH", "FR", "SA", "SU"):
                return "WKST must be a weekday (MO ... SU)"
        elif key == "BYDAY":
            if not all(_WEEKDAY_RE.match(day) for day in val.split(",")):
                return f"BYDAY '{val}' is not a list of weekdays"
        elif key in _RRULE_INT_LISTS:
            low, high = _RRULE_INT_LISTS[key]
            for item in val.split(","):
                number = parse_int(item)
                if number is None or not low <= number <= high or (number == 0 and low < 0):
                    return f"{key} '{val}' is out of range"
        else:
            return f"unknown rule part '{key}'"
    return None


def one_shot_rrule(when: datetime) -> str:
    """An RRULE firing once at ``when`` (UTC, whole seconds)."""
    stamp = when.astimezone(UTC).strftime("%Y%m%dT%H%M%S")
    return f"DTSTART:{stamp}\nRRULE:FREQ=SECONDLY;COUNT=1"


@dataclass(frozen=True, slots=True)
class EkmAccount:
    """What the account API says a key can see."""

    key_type: str
    gateways: tuple[str, ...]
    meters: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class EkmReading:
    """The latest read of one meter (``good`` False for a bad read: no values)."""

    meter: str
    good: bool
    protocol: str | None = None
    gateway: str | None = None
    timestamp_ms: int | None = None
    values: Mapping[str, float] = field(default_factory=dict)
    #: Fields that are not numbers (model, firmware, status codes ...), as text.
    text: Mapping[str, str] = field(default_factory=dict)

    def value(self, name: str) -> float | None:
        """A numeric field of a good read, else None (never 0 for a missing value)."""
        if not self.good:
            return None
        return self.values.get(name)

    @property
    def relays(self) -> tuple[bool, bool] | None:
        """(relay_1, relay_2) from ``State_Out`` of a good v4 read."""
        value = self.value("State_Out")
        return None if value is None else relay_states(value)

    @property
    def timestamp(self) -> datetime | None:
        """The read's UTC time."""
        if self.timestamp_ms is None:
            return None
        return utc_datetime(self.timestamp_ms / 1000)


_TEXT_FIELDS: Final = frozenset({"Model", "Firmware", "Date", "Time", "Meter_Time"})


def parse_read_set(item: Any) -> EkmReading | None:
    """One entry of ``readMeter.ReadSet`` (None when it names no meter)."""
    if not isinstance(item, dict):
        return None
    meter = _meter_id(item.get("Meter"))
    if meter is None:
        return None
    protocol = item.get("Protocol")
    gateway = item.get("MAC_Addr")
    common: dict[str, Any] = {
        "meter": meter,
        "protocol": protocol.lower() if isinstance(protocol, str) else None,
        "gateway": gateway.lower() if isinstance(gateway, str) and gateway else None,
    }
    reads = item.get("ReadData")
    if not isinstance(reads, list) or not reads:
        return EkmReading(good=False, **common)
    # the newest read is the one with the largest timestamp (cnt=1 gives one)
    candidates = [r for r in reads if isinstance(r, dict)]
    if not candidates:
        return EkmReading(good=False, **common)
    read = max(candidates, key=lambda r: parse_number(r.get("Time_Stamp_UTC_ms")) or 0.0)
    timestamp = timestamp_ms(read.get("Time_Stamp_UTC_ms"))
    if parse_int(read.get("Good")) != 1:
        return EkmReading(good=False, timestamp_ms=timestamp, **common)
    values: dict[str, float] = {}
    text: dict[str, str] = {}
    for name, raw in read.items():
        if name in ("Good", "Time_Stamp_UTC_ms") or not isinstance(name, str):
            continue
        number = None if name in _TEXT_FIELDS else parse_number(raw)
        if number is not None:
            values[name] = number
        elif raw is not None and not isinstance(raw, (dict, list)):
            text[name] = str(raw)
    return EkmReading(good=True, timestamp_ms=timestamp, values=values, text=text, **common)


def _list_of(raw: Mapping[str, Any], name: str, what: str) -> list[Any]:
    """The list under ``name`` (missing or null: empty); any other type is a response error."""
    value = raw.get(name)
    if value is None:
        return []
    if not isinstance(value, list):
        raise EnergyHubResponseError(f"{what}: '{name}' is a {type(value).__name__}, not a list")
    return value


def normalize_trigger(raw: Any) -> dict[str, Any] | None:
    """A trigger object as received, if it has a uuid (None otherwise).

    Raises EnergyHubResponseError when its conditions or actions are not lists.
    """
    if not isinstance(raw, dict):
        return None
    uuid = raw.get("trigger_uuid")
    if not isinstance(uuid, str) or not uuid:
        return None
    trigger = dict(raw)
    trigger["trigger_name"] = str(raw.get("trigger_name") or "")
    trigger["enabled"] = raw.get("enabled") is not False
    trigger["conditions"] = [
        c for c in _list_of(raw, "conditions", "trigger") if isinstance(c, dict)
    ]
    trigger["actions"] = [a for a in _list_of(raw, "actions", "trigger") if isinstance(a, dict)]
    return trigger


class EkmClient:
    """EKM Push: account and Trigger API (``api_url``) and realtime reads (``push_url``).

    ``key`` is the account (or gateway) key, ``token`` an API token with read/write
    permission. Both are sent only to the EKM hosts and never appear in errors.
    """

    def __init__(
        self,
        session: aiohttp.ClientSession,
        key: str,
        token: str,
        *,
        api_url: str = DEFAULT_API_URL,
        push_url: str = DEFAULT_PUSH_URL,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        """Use the injected session (never closed here)."""
        self._key = key
        self._token = token
        self._api = HttpClient(session, api_url, timeout=timeout, secrets=(key, token))
        self._push = HttpClient(session, push_url, timeout=timeout, secrets=(key, token))
        #: the one redaction step: removes the key and the token from any text
        self.redact = Redactor((key, token))

    def __repr__(self) -> str:
        """Never show the key or the token."""
        return f"<EkmClient api={self._api.base_url} push={self._push.base_url}>"

    @property
    def retry_after(self) -> float:
        """Seconds until the next request may be sent (0 unless rate limited)."""
        return max(self._api.retry_after, self._push.retry_after)

    @property
    def request_count(self) -> int:
        """Requests made so far, on both hosts."""
        return self._api.request_count + self._push.request_count

    # -- helpers -----------------------------------------------------------------------

    def _error_text(self, resp: HttpResponse) -> str:
        """The device's own error text, redacted (it may echo the request)."""
        try:
            body = resp.json()
        except EnergyHubResponseError:
            return self.redact(resp.text.strip()[:200])
        if isinstance(body, dict):
            for name in ("error", "message", "msg"):
                if isinstance(body.get(name), str):
                    return self.redact(str(body[name])[:500])
        return self.redact(resp.text.strip()[:200])

    def _check(self, resp: HttpResponse, what: str, ok: Iterable[int] = (200, 201)) -> Any:
        """Map the status onto the client errors and return the JSON body."""
        if resp.status in ok:
            return resp.json() if resp.text.strip() else {}
        detail = self._error_text(resp)
        if resp.status == 503:
            raise EnergyHubUnavailableError(
                f"{what}: service unavailable (HTTP 503)", reason="service_unavailable"
            )
        if resp.status in (401, 403):
            raise EnergyHubAuthError(f"{what}: refused (HTTP {resp.status})")
        if resp.status in (400, 404, 409, 422):
            raise EnergyHubRequestError(
                f"{what}: refused (HTTP {resp.status}): {detail}",
                status=resp.status,
                detail=detail,
            )
        raise EnergyHubResponseError(f"{what}: HTTP {resp.status}", status=resp.status)

    @property
    def _auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._token}", "Accept": "application/json"}

    # -- account and readings ----------------------------------------------------------

    async def account(self) -> EkmAccount:
        """The gateways and meters the key can see (account API)."""
        resp = await self._api.request("GET", "/account/api/account", params={"key": self._key})
        data = expect_dict(self._check(resp, "account"), "account")
        if isinstance(data.get("error"), str):
            raise EnergyHubAuthError("account: key refused")
        gateways: list[str] = []
        for item in _list_of(data, "gateways", "account"):
            mac = item.get("mac_address") if isinstance(item, dict) else item
            if isinstance(mac, str) and mac.strip():
                gateways.append(mac.strip().lower())
        meters: list[str] = []
        for item in _list_of(data, "meters", "account"):
            address = item.get("address") if isinstance(item, dict) else item
            if isinstance(address, (str, int)) and not isinstance(address, bool):
                meters.append(str(address).strip())
        key_type = data.get("key_type")
        return EkmAccount(
            key_type=key_type if isinstance(key_type, str) else "unknown",
            gateways=tuple(dict.fromkeys(gateways)),
            meters=tuple(dict.fromkeys(m for m in meters if m)),
        )

    async def read_meters(self, meters: Sequence[str], *, ver: str = "v4") -> dict[str, EkmReading]:
        """The latest read of every meter in ``meters``: ONE request for all of them."""
        if not meters:
            return {}
        query = "&".join(
            (
                f"key={quote(self._key, safe='')}",
                "meters=" + "~".join(quote(m, safe="") for m in meters),
                f"ver={ver}",
                "fmt=json",
                "cnt=1",
            )
        )
        resp = await self._push.request("GET", "/readMeter", query_string=query)
        data = expect_dict(self._check(resp, "readMeter"), "readMeter")
        if "readMeter" not in data and isinstance(data.get("error"), str):
            raise EnergyHubAuthError("readMeter: key refused")
        body = expect_dict(data.get("readMeter"), "readMeter")
        read_set = body.get("ReadSet")
        readings: dict[str, EkmReading] = {}
        for item in read_set if isinstance(read_set, list) else []:
            reading = parse_read_set(item)
            if reading is not None:
                readings[reading.meter] = reading
        # meters sometimes come back without their leading zeros
        by_number = {m.lstrip("0"): m for m in meters}
        return {
            by_number.get(meter.lstrip("0"), meter): reading for meter, reading in readings.items()
        }

    # -- Trigger API -------------------------------------------------------------------

    async def _trigger_api(
        self,
        what: str,
        method: str,
        params: Mapping[str, str],
        json_body: Any = None,
        ok: Iterable[int] = (200, 201),
    ) -> Any:
        """One request of the Trigger API (``/api/trigger``): the checked JSON body."""
        resp = await self._api.request(
            method,
            "/api/trigger",
            params={"key": self._key, **params},
            json_body=json_body,
            headers=self._auth,
        )
        return self._check(resp, what, ok)

    async def list_triggers(self, gateway: str) -> list[dict[str, Any]]:
        """Every trigger of ``gateway``."""
        body = await self._trigger_api("list triggers", "GET", {"gateway": gateway})
        raw = expect_dict(body, "triggers").get("triggers")
        if not isinstance(raw, list):
            raise EnergyHubResponseError("list triggers: no 'triggers' list")
        return [t for t in (normalize_trigger(item) for item in raw) if t is not None]

    async def get_trigger(self, trigger_uuid: str) -> dict[str, Any]:
        """One trigger by its uuid."""
        body = await self._trigger_api("get trigger", "GET", {"trigger": trigger_uuid})
        return self._trigger_of(body, "get trigger")

    async def create_trigger(self, gateway: str, trigger: Mapping[str, Any]) -> dict[str, Any]:
        """Create a trigger on ``gateway``; returns it as stored (with its uuid)."""
        body = await self._trigger_api(
            "create trigger", "POST", {"gateway": gateway}, {"trigger": dict(trigger)}
        )
        return self._trigger_of(body, "create trigger")

    async def update_trigger(self, trigger_uuid: str, changes: Mapping[str, Any]) -> dict[str, Any]:
        """Change some attributes of a trigger (partial update); returns it as stored."""
        body = await self._trigger_api(
            "update trigger", "PUT", {}, {"trigger": {**changes, "trigger_uuid": trigger_uuid}}
        )
        return self._trigger_of(body, "update trigger")

    async def delete_trigger(self, trigger_uuid: str) -> None:
        """Delete a trigger."""
        await self._trigger_api(
            "delete trigger", "DELETE", {}, {"trigger_uuid": trigger_uuid}, ok=(200, 201, 204)
        )

    @staticmethod
    def _trigger_of(body: Any, what: str) -> dict[str, Any]:
        data = expect_dict(body, what)
        trigger = normalize_trigger(data.get("trigger", data))
        if trigger is None:
            raise EnergyHubResponseError(f"{what}: no trigger in the reply")
        return trigger
