"""Client of the EMS smart-meter gateway's Webapi 1.0 (no Home Assistant imports).

* ``GET /ver`` (public) recognises the gateway before any login.
* ``POST /v1/auth/login`` returns a JWT valid for 30 minutes; it is reused until shortly
  before its ``exp`` and renewed once when a request answers 401.
* Discovery reads ``/v1/devices``, ``/v1/loads`` and ``/v1/signals`` (maps keyed by UID),
  paging with ``limit``/``page``. The document gives replies no paging information (no
  total, no next page), so a listing is read until a page brings nothing: a short page is
  NOT taken as the end (a gateway may leave an entry out of one page).
* A poll asks only for the signals that enabled entities need: ``/v1/signals/realtime``
  with a ``uids`` filter, in chunks that keep the URL short (:data:`MAX_UIDS_QUERY`), or, when
  that would take more requests, the unfiltered map read page by page. Either way the
  number of requests follows from what discovery found to exist, never from the length of
  a reply: a sample missing from a reply makes only that signal unknown, and a page that
  fails makes the poll fail.
* History is read from ``/v1/signals/{uid}/history`` (Unix milliseconds), paged.

Replies are parsed tolerantly: a malformed entry is skipped (and logged), unknown ``si``
codes are kept, and only a reply that is not the documented shape at all raises
:class:`EnergyHubResponseError`.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from functools import partial
import logging
import math
from typing import Any

from .errors import EnergyHubAuthError, EnergyHubRequestError, EnergyHubResponseError
from .http import HttpResponse, expect_dict, expect_list
from .redact import redact
from .tokens import LoginClient
from .values import finite_float, timestamp_seconds

_LOGGER = logging.getLogger(__name__)

#: The largest page the API serves. The document gives 1000 as the default of ``limit``
#: and names no other maximum, so 1000 is used as the maximum (assumption).
MAX_LIMIT = 1000
#: Tokens live 30 minutes; this lifetime is only used when a token has no ``exp``.
TOKEN_LIFETIME = 1800.0
#: Protocols a load (and the ``protocol`` filter) can have.
PROTOCOLS = ("meterBus", "tcp", "rtu", "virtual", "P1")
#: Timestamps above this are milliseconds, below it seconds.
_MS_THRESHOLD = 100_000_000_000
#: Numbers beyond this are not finite for our purposes (``inf``, ``nan`` and overflow).
_FINITE = 1e300
#: Millisecond timestamps below this (year 2286) are taken as they are.
_MAX_MS = 10_000_000_000_000
#: The realtime status ``s`` of a valid sample (the API document's example has s = 1).
VALID_STATUS = 1
#: Pages read at most per listing (a guard against a gateway that ignores ``page``).
_MAX_PAGES = 1000
#: The longest ``uids=`` value sent in one request (characters). URLs up to about 2,000
#: characters pass every HTTP server and proxy in common use; with the path, host and the
#: other parameters a request stays below that.
MAX_UIDS_QUERY = 1800


class EmsNotGatewayError(EnergyHubResponseError):
    """The address answered, but not like an EMS gateway (``/ver`` missing or odd)."""


class EmsNotFoundError(EnergyHubRequestError):
    """The gateway answered 404: the device, load or signal UID does not exist."""


# -- data ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EmsSystemInfo:
    """System facts read once at setup."""

    serial: str
    mac: str | None
    firmware: str | None
    part_number: str | None
    date: str | None
    timezone: str | None


@dataclass(frozen=True, slots=True)
class EmsDevice:
    """A physical or logical meter known to the gateway."""

    uid: int
    label: str
    part_number: str | None
    system: str | None


@dataclass(frozen=True, slots=True)
class EmsLoad:
    """A measurement context of a device, grouping its signals."""

    uid: int
    label: str
    enable: bool
    did: int | None
    protocol: str | None
    index: int | None
    #: The gateway marks its main (grid) meter's load with ``"main": true`` in the
    #: protocol block (the document's meterBus example).
    main: bool = False


@dataclass(frozen=True, slots=True)
class EmsSignal:
    """A quantity exposed by a load, identified by its code ``si``."""

    uid: int
    si: int | None
    sir: int | None
    enable: bool
    lid: int | None
    did: int | None


@dataclass(frozen=True, slots=True)
class EmsSample:
    """The latest realtime sample of one signal.

    ``value`` is a float, the raw text when the gateway sent text, or None. ``time_ms`` is
    the sample's Unix time in milliseconds; ``status`` and ``reason`` are the gateway's
    ``s`` and ``r`` fields.
    """

    uid: int
    si: int | None
    value: float | str | None
    time_ms: int | None
    status: int | None
    reason: int | None


@dataclass(frozen=True, slots=True)
class EmsHistorySample:
    """One historical sample; ``time``/``period`` are Unix seconds."""

    uid: int
    time: float | None
    period: float | None
    value: float | str | None
    d: Any
    max: float | str | None
    min: float | str | None


@dataclass(slots=True)
class EmsConfiguration:
    """What discovery found: devices, loads and signals keyed by UID."""

    devices: dict[int, EmsDevice] = field(default_factory=dict)
    loads: dict[int, EmsLoad] = field(default_factory=dict)
    signals: dict[int, EmsSignal] = field(default_factory=dict)

    @property
    def enabled_signals(self) -> dict[int, EmsSignal]:
        """The signals that are enabled (the ones the integration reads)."""
        return {uid: sig for uid, sig in self.signals.items() if sig.enable}


@dataclass(frozen=True, slots=True)
class RealtimePlan:
    """How a poll reads the wanted signals: ``uids`` chunks, or ``pages`` of the whole map."""

    wanted: frozenset[int]
    #: The wanted UIDs as the reply's keys (decimal text).
    keys: frozenset[str]
    #: Comma lists for filtered requests (empty when the pages are read).
    chunks: tuple[str, ...]
    #: Pages of the unfiltered map to read (0 when the chunks are used).
    pages: int
    #: How many signals the unfiltered map lists (discovery's enabled signals), if known.
    known: int | None

    @property
    def requests(self) -> int:
        """Requests one read costs (unless a filter is refused or the map grew)."""
        return self.pages or len(self.chunks)


# -- parsing -------------------------------------------------------------------------------


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            return None
    return None


def _str(value: Any) -> str | None:
    if value is None or isinstance(value, (dict, list)):
        return None
    return str(value)


def _bool(value: Any, default: bool = True) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return value != 0
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return default


def parse_value(value: Any) -> float | str | None:
    """A sample value: numbers (also as text) become floats, other text is kept raw.

    Numbers no float holds (NaN, infinities, ``1e400``, a 400-digit integer) are None.
    """
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return finite_float(value)
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        try:
            float(text)
        except ValueError:
            return text
        return finite_float(text)
    return None


def to_seconds(value: Any) -> float | None:
    """A Unix time in seconds or milliseconds (the gateway uses both) as seconds.

    None for anything that is no positive time a datetime holds (e.g. microseconds).
    """
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return None
    seconds = timestamp_seconds(value, ms_threshold=_MS_THRESHOLD)
    if seconds is None or seconds <= 0:
        return None
    return seconds


def _map_entries(data: Any, key: str) -> dict[int, dict[str, Any]]:
    """The entries of a ``{key: {"<uid>": {...}}}`` reply, keyed by int UID.

    Entries that are not objects or whose UID is not a number are skipped.
    """
    entries: dict[int, dict[str, Any]] = {}
    for raw_uid, entry in _raw_map(data, key).items():
        uid = _int(raw_uid)
        if uid is None and isinstance(entry, dict):
            uid = _int(entry.get("uid"))
        if uid is None or not isinstance(entry, dict):
            _LOGGER.debug("Skipping a malformed %s entry %s", key, redact(repr(raw_uid))[:100])
            continue
        entries[uid] = entry
    return entries


def _raw_map(data: Any, key: str) -> dict[str, Any]:
    """The ``{key: {"<uid>": {...}}}`` map of a reply as it is (keys are UID text).

    A list of objects carrying their own uid is tolerated (keyed by it).
    """
    body = expect_dict(data, key)
    items = body.get(key)
    if items is None:
        return {}
    if isinstance(items, list):
        items = {str(item.get("uid")): item for item in items if isinstance(item, dict)}
    return expect_dict(items, key)


type RealtimeRead = tuple[dict[str, Any], dict[str, float | str | None]]


def realtime_page(body: Any, oldest_ms: float | None) -> RealtimeRead:
    """A realtime page's entries (keyed by UID text) and the value each shows.

    Run where the page's JSON is parsed (:meth:`EmsClient.get`'s ``then``): off the event
    loop for a large page. ``oldest_ms`` None: the values are not wanted (none are read).
    """
    entries = _raw_map(body, "realtime")
    if oldest_ms is None:
        return entries, {}
    return entries, {key: sample_value(entry, oldest_ms) for key, entry in entries.items()}


def sample_value(raw: Any, oldest_ms: float) -> float | str | None:
    """The value a realtime entry shows: None when missing, not valid or older than ``oldest_ms``.

    The per-poll fast path (no sample object): status ``s`` must be 1 (the document's
    example) or absent, the sample time ``t`` (ms or s) not before ``oldest_ms``, and the
    value a finite number or text.
    """
    if type(raw) is not dict:
        return None
    s = raw.get("s")
    if s is not None and s != VALID_STATUS and _int(s) != VALID_STATUS:
        return None
    t = raw.get("t")
    if type(t) is int and _MS_THRESHOLD <= t < _MAX_MS:
        if t < oldest_ms:
            return None
    elif t is not None:
        seconds = to_seconds(t)
        if seconds is not None and seconds * 1000 < oldest_ms:
            return None
    v = raw.get("v")
    if type(v) is float or type(v) is int:
        return float(v) if -_FINITE < v < _FINITE else None
    return parse_value(v)


def parse_samples(
    entries: Mapping[str, Any], wanted: Collection[int] | None = None
) -> dict[int, EmsSample]:
    """Realtime entries (keyed by UID text) as samples; only ``wanted`` ones if given."""
    samples: dict[int, EmsSample] = {}
    for raw_uid, entry in entries.items():
        uid = _int(raw_uid)
        if uid is None and isinstance(entry, dict):
            uid = _int(entry.get("uid"))
        if uid is None or not isinstance(entry, dict):
            _LOGGER.debug("Skipping a malformed realtime entry %r", raw_uid)
            continue
        if wanted is None or uid in wanted:
            samples[uid] = parse_sample(uid, entry)
    return samples


def parse_device(uid: int, raw: Mapping[str, Any]) -> EmsDevice:
    """A device entry."""
    return EmsDevice(
        uid=uid,
        label=_str(raw.get("label")) or f"Device {uid}",
        part_number=_str(raw.get("partNumber")),
        system=_str(raw.get("system")),
    )


def load_protocol(raw: Mapping[str, Any]) -> str | None:
    """The protocol of a load: its non-empty protocol block, else its only block."""
    present = [p for p in PROTOCOLS if isinstance(raw.get(p), dict)]
    filled = [p for p in present if raw[p]]
    if len(filled) == 1:
        return filled[0]
    if len(present) == 1:
        return present[0]
    return None


def parse_load(uid: int, raw: Mapping[str, Any]) -> EmsLoad:
    """A load entry."""
    protocol = load_protocol(raw)
    block = raw.get(protocol) if protocol is not None else None
    return EmsLoad(
        uid=uid,
        label=_str(raw.get("label")) or f"Load {uid}",
        enable=_bool(raw.get("enable")),
        did=_int(raw.get("did")),
        protocol=protocol,
        index=_int(raw.get("index")),
        main=isinstance(block, dict) and _bool(block.get("main"), default=False),
    )


def parse_signal(uid: int, raw: Mapping[str, Any]) -> EmsSignal:
    """A signal entry."""
    return EmsSignal(
        uid=uid,
        si=_int(raw.get("si")),
        sir=_int(raw.get("sir")),
        enable=_bool(raw.get("enable")),
        lid=_int(raw.get("lid")),
        did=_int(raw.get("did")),
    )


def parse_sample(uid: int, raw: Mapping[str, Any]) -> EmsSample:
    """A realtime sample (a fast path for the usual number fields, else the tolerant one)."""
    v = raw.get("v")
    t = raw.get("t")
    s = raw.get("s")
    r = raw.get("r")
    si = raw.get("si")
    value: float | str | None
    if type(v) is float or type(v) is int:
        value = float(v) if -_FINITE < v < _FINITE else None
    else:
        value = parse_value(v)
    time_ms: int | None
    if type(t) is int and _MS_THRESHOLD <= t < _MAX_MS:
        time_ms = t
    else:
        seconds = to_seconds(t)
        time_ms = None if seconds is None else round(seconds * 1000)
    return EmsSample(
        uid,
        si if type(si) is int else _int(si),
        value,
        time_ms,
        s if type(s) is int else _int(s),
        r if type(r) is int else _int(r),
    )


def parse_history_sample(uid: int, raw: Mapping[str, Any]) -> EmsHistorySample:
    """A history sample."""
    return EmsHistorySample(
        uid=_int(raw.get("uid")) or uid,
        time=to_seconds(raw.get("t")),
        period=to_seconds(raw.get("p")),
        value=parse_value(raw.get("v")),
        d=raw.get("d"),
        max=parse_value(raw.get("max")),
        min=parse_value(raw.get("min")),
    )


def _error_text(resp: HttpResponse) -> str:
    """The gateway's own error text, if the body carries one."""
    try:
        body = resp.json()
    except EnergyHubResponseError:
        return resp.text.strip()[:200]
    if isinstance(body, dict):
        for key in ("error", "message", "detail", "msg"):
            if isinstance(body.get(key), str):
                return str(body[key])[:500]
    return resp.text.strip()[:200]


# -- client --------------------------------------------------------------------------------


class EmsClient(LoginClient):
    """Talks to one EMS gateway."""

    default_scheme = "https"
    token_lifetime = TOKEN_LIFETIME
    default_timeout = 15.0
    _page_limit = MAX_LIMIT

    @property
    def page_limit(self) -> int:
        """Entries asked for per page (1 to ``MAX_LIMIT``)."""
        return self._page_limit

    @page_limit.setter
    def page_limit(self, value: int) -> None:
        self._page_limit = max(1, min(MAX_LIMIT, value))

    # -- public endpoints --------------------------------------------------------------

    async def api_version(self) -> int:
        """``GET /ver``: the API version; EmsNotGatewayError if this is no EMS gateway."""
        resp = await self.request("GET", "/ver")
        if resp.status != 200:
            raise EmsNotGatewayError(f"/ver answered HTTP {resp.status}", status=resp.status)
        try:
            body = resp.json()
        except EnergyHubResponseError as err:
            raise EmsNotGatewayError("/ver is not JSON", status=resp.status) from err
        version = _int(body.get("api_ver")) if isinstance(body, dict) else None
        if version is None:
            raise EmsNotGatewayError("/ver has no api_ver", status=resp.status)
        return version

    async def _login(self) -> str:
        resp = await self.request(
            "POST",
            "/v1/auth/login",
            json_body={"username": self._username, "password": self._password},
        )
        if resp.status in (401, 403):
            raise EnergyHubAuthError("The gateway refused the username or password")
        if resp.status != 200:
            raise EnergyHubResponseError(f"login: HTTP {resp.status}", status=resp.status)
        token = expect_dict(resp.json(), "login").get("token")
        if not isinstance(token, str) or not token:
            raise EnergyHubResponseError("login: the reply has no token")
        return token

    async def login(self) -> None:
        """Log in now (the connection test); later calls reuse the token."""
        await self.tokens.token()

    # -- authorised requests -----------------------------------------------------------

    async def get(
        self,
        path: str,
        params: Mapping[str, str] | None = None,
        *,
        query_string: str | None = None,
        then: Callable[[Any], Any] | None = None,
    ) -> Any:
        """GET a protected endpoint and return its JSON; one re-login on a 401.

        ``query_string`` is sent verbatim before ``params`` (a ``uids`` list keeps its
        commas unencoded, a third of the length of ``%2C``). ``then``: what is returned is
        ``then(json)``, computed where the JSON is parsed (the executor for a large body).
        """
        token = await self.tokens.token()
        resp = await self._get(path, params, token, query_string)
        if resp.status == 401:
            token = await self.tokens.refresh_after_401(token)
            resp = await self._get(path, params, token, query_string)
            if resp.status == 401:
                raise EnergyHubAuthError(f"{path}: the gateway refused a fresh token")
        if resp.status == 404:
            raise EmsNotFoundError(
                f"{path}: not found", status=404, detail=self.redact(_error_text(resp))
            )
        if resp.status in (400, 422):
            raise EnergyHubRequestError(
                f"{path}: the gateway refused the request (HTTP {resp.status})",
                status=resp.status,
                detail=self.redact(_error_text(resp)),
            )
        if resp.status != 200:
            raise EnergyHubResponseError(f"{path}: HTTP {resp.status}", status=resp.status)
        return await resp.async_json(then)

    async def _get(
        self,
        path: str,
        params: Mapping[str, str] | None,
        token: str,
        query_string: str | None = None,
    ) -> HttpResponse:
        return await self.request(
            "GET",
            path,
            params=dict(params) if params else None,
            query_string=query_string,
            headers={"Authorization": f"Bearer {token}"},
        )

    async def _paged_map(
        self,
        path: str,
        key: str,
        params: Mapping[str, str] | None = None,
    ) -> dict[int, dict[str, Any]]:
        """Read every page of a listing.

        The reply says nothing about paging, so pages are read until one brings nothing
        new (empty, or a gateway ignoring ``page``). A short page does not end the
        listing: the gateway may have left an entry out. A page after a short page that
        the gateway refuses (400/404: "no such page") ends it too; any other failure
        fails the listing.
        """
        result: dict[int, dict[str, Any]] = {}
        limit = self.page_limit
        short = False
        for page in range(1, _MAX_PAGES + 1):
            query = {**(params or {}), "limit": str(limit), "page": str(page)}
            try:
                body = await self.get(path, query)
            except EnergyHubRequestError:
                if short:
                    break
                raise
            entries = _map_entries(body, key)
            new = entries.keys() - result.keys()
            result.update(entries)
            if not new:
                break
            short = len(entries) < limit
        return result

    async def _realtime_pages(
        self, keys: frozenset[str], pages: int, oldest_ms: float | None
    ) -> RealtimeRead:
        """The unfiltered realtime map, pages ``1..pages`` (more while wanted are missing).

        ``pages`` is what discovery says the map holds; every one of them is read unless
        every wanted signal already arrived. Only if wanted signals are still missing and
        the last page was full (the gateway lists more than discovery knew) do further
        pages follow, until one brings nothing new.
        """
        result: dict[str, Any] = {}
        values: dict[str, float | str | None] = {}
        limit = self.page_limit
        page = 0
        full = False
        while page < _MAX_PAGES:
            page += 1
            if page > pages and not full:
                break
            entries, shown = await self.get(
                "/v1/signals/realtime",
                {"limit": str(limit), "page": str(page)},
                then=partial(realtime_page, oldest_ms=oldest_ms),
            )
            before = len(result)
            result.update(entries)
            values.update(shown)
            if keys.issubset(result):
                break
            full = len(entries) >= limit and len(result) > before
        return result, values

    # -- system ------------------------------------------------------------------------

    async def system_info(self) -> EmsSystemInfo:
        """Serial number, MAC, firmware, part number and the gateway's date."""
        serial = expect_dict(await self.get("/v1/serial-number"), "serial-number").get("sn")
        if not isinstance(serial, (str, int)) or isinstance(serial, bool) or not str(serial):
            raise EnergyHubResponseError("/v1/serial-number has no sn")
        mac = await self._optional_field("/v1/mac", "mac")
        firmware = await self._optional_field("/v1/firmware", "fw")
        part_number = await self._optional_field("/v1/part-number", "pn")
        date_body = await self._optional_body("/v1/date")
        return EmsSystemInfo(
            serial=str(serial),
            mac=mac,
            firmware=firmware,
            part_number=part_number,
            date=_str(date_body.get("date")),
            timezone=_str(date_body.get("tz")),
        )

    async def _optional_body(self, path: str) -> dict[str, Any]:
        try:
            body = await self.get(path)
        except (EnergyHubRequestError, EnergyHubResponseError) as err:
            # a missing or odd optional endpoint must not stop the setup
            _LOGGER.debug("Ignoring %s: %s", path, err)
            return {}
        return body if isinstance(body, dict) else {}

    async def _optional_field(self, path: str, key: str) -> str | None:
        return _str((await self._optional_body(path)).get(key))

    # -- configuration -----------------------------------------------------------------

    @staticmethod
    def _filters(uids: Collection[int] | None, protocol: str | None) -> dict[str, str]:
        params: dict[str, str] = {}
        if uids:
            params["uids"] = ",".join(str(uid) for uid in sorted(uids))
        if protocol is not None:
            params["protocol"] = protocol
        return params

    async def devices(
        self, *, uids: Collection[int] | None = None, protocol: str | None = None
    ) -> dict[int, EmsDevice]:
        """``/v1/devices``: every device (optionally filtered)."""
        entries = await self._paged_map("/v1/devices", "devices", self._filters(uids, protocol))
        return {uid: parse_device(uid, raw) for uid, raw in entries.items()}

    async def loads(
        self, *, uids: Collection[int] | None = None, protocol: str | None = None
    ) -> dict[int, EmsLoad]:
        """``/v1/loads``: every load (optionally filtered)."""
        entries = await self._paged_map("/v1/loads", "loads", self._filters(uids, protocol))
        return {uid: parse_load(uid, raw) for uid, raw in entries.items()}

    async def signals(self, *, uids: Collection[int] | None = None) -> dict[int, EmsSignal]:
        """``/v1/signals``: every signal configuration (optionally filtered)."""
        entries = await self._paged_map("/v1/signals", "signals", self._filters(uids, None))
        return {uid: parse_signal(uid, raw) for uid, raw in entries.items()}

    async def discover(self) -> EmsConfiguration:
        """Devices, loads and signals: what the gateway is configured with now."""
        return EmsConfiguration(
            devices=await self.devices(),
            loads=await self.loads(),
            signals=await self.signals(),
        )

    # -- measurements ------------------------------------------------------------------

    def uid_chunks(self, uids: Collection[int]) -> list[str]:
        """``uids`` (sorted) as comma lists, each within :data:`MAX_UIDS_QUERY` and a page."""
        chunks: list[str] = []
        current: list[str] = []
        length = 0
        for uid in sorted(uids):
            text = str(uid)
            extra = len(text) + (1 if current else 0)
            if current and (length + extra > MAX_UIDS_QUERY or len(current) >= self.page_limit):
                chunks.append(",".join(current))
                current, length, extra = [], 0, len(text)
            current.append(text)
            length += extra
        if current:
            chunks.append(",".join(current))
        return chunks

    def realtime_plan(self, wanted: Collection[int], known: int | None = None) -> RealtimePlan:
        """How a poll of ``wanted`` is read: ``uids`` chunks, or pages of the whole map.

        ``known`` is how many signals the unfiltered map lists (discovery's enabled
        signals). The filtered read wins unless it needs more requests than the pages.
        Plans are meant to be kept while the wanted signals stay the same.
        """
        wanted_set = frozenset(wanted)
        chunks = self.uid_chunks(wanted_set)
        pages = 0
        if known:
            pages = math.ceil(known / self.page_limit)
            if pages >= len(chunks):
                pages = 0
        return RealtimePlan(
            wanted=wanted_set,
            keys=frozenset(str(uid) for uid in wanted_set),
            chunks=() if pages else tuple(chunks),
            pages=pages,
            known=known,
        )

    async def realtime_entries(self, plan: RealtimePlan) -> dict[str, Any]:
        """The raw realtime entries of a plan's signals, keyed by UID text."""
        return (await self.realtime_read(plan, None))[0]

    async def realtime_read(self, plan: RealtimePlan, oldest_ms: float | None) -> RealtimeRead:
        """The raw realtime entries of a plan's signals and the value each shows.

        Both keyed by UID text; a value is None where the entry is not valid or was taken
        before ``oldest_ms`` (:func:`sample_value`, computed where the JSON is parsed; no
        values at all when it is None). A
        signal missing from the reply is missing from the result; a failing request
        fails the read. A filter the gateway answers with 404 (a signal removed since
        discovery) falls back to the pages. Entries of other signals may be included.
        """
        if not plan.wanted:
            return {}, {}
        if plan.pages:
            return await self._realtime_pages(plan.keys, plan.pages, oldest_ms)
        entries: dict[str, Any] = {}
        values: dict[str, float | str | None] = {}
        try:
            for chunk in plan.chunks:
                page, shown = await self.get(
                    "/v1/signals/realtime",
                    {"limit": str(self.page_limit)},
                    query_string=f"uids={chunk}",
                    then=partial(realtime_page, oldest_ms=oldest_ms),
                )
                entries.update(page)
                values.update(shown)
        except EmsNotFoundError:
            # a wanted signal is gone since discovery: read the unfiltered map this time
            # (the next discovery drops the signal)
            _LOGGER.debug("A wanted signal is gone; reading every realtime page")
            pages = math.ceil((plan.known or len(plan.wanted)) / self.page_limit)
            return await self._realtime_pages(plan.keys, pages, oldest_ms)
        return entries, values

    async def realtime(
        self, wanted: Collection[int], known: int | None = None
    ) -> dict[int, EmsSample]:
        """The latest samples of the ``wanted`` signals (see :meth:`realtime_plan`)."""
        plan = self.realtime_plan(wanted, known)
        return parse_samples(await self.realtime_entries(plan), plan.wanted)

    async def history(
        self, uid: int, start_ms: int, end_ms: int, *, limit: int = MAX_LIMIT
    ) -> list[EmsHistorySample]:
        """Up to ``limit`` historical samples of one signal in ``[start_ms, end_ms]``."""
        samples: list[EmsHistorySample] = []
        page = 1
        page_limit = max(1, min(self.page_limit, limit))
        while len(samples) < limit and page <= _MAX_PAGES:
            body = await self.get(
                f"/v1/signals/{uid}/history",
                {
                    "start": str(start_ms),
                    "end": str(end_ms),
                    "limit": str(page_limit),
                    "page": str(page),
                },
            )
            if isinstance(body, dict):
                # tolerate the map shape of the many-signal endpoint
                inner = body.get("history")
                body = inner.get(str(uid), []) if isinstance(inner, dict) else inner
            rows = expect_list(body, "history")
            samples.extend(parse_history_sample(uid, row) for row in rows if isinstance(row, dict))
            if len(rows) < page_limit:
                break
            page += 1
        return samples[:limit]

    async def signals_history(
        self,
        start_ms: int,
        end_ms: int,
        *,
        uids: Collection[int] | None = None,
        device: int | None = None,
        load: int | None = None,
        limit: int = MAX_LIMIT,
    ) -> dict[int, list[EmsHistorySample]]:
        """Up to ``limit`` samples per signal: of ``uids``, of a device, or of a load.

        Reads ``/v1/signals/history``, ``/v1/devices/{uid}/signals/history`` or
        ``/v1/loads/{uid}/signals/history`` page by page; ``limit``/``page`` are taken to
        count samples per signal (assumption: the API document does not say).
        """
        if device is not None:
            path = f"/v1/devices/{device}/signals/history"
        elif load is not None:
            path = f"/v1/loads/{load}/signals/history"
        else:
            path = "/v1/signals/history"
        params = {"start": str(start_ms), "end": str(end_ms)}
        # the uids keep their commas unencoded (as in the realtime reads)
        query_string = f"uids={self._filters(uids, None)['uids']}" if uids else None
        page_limit = max(1, min(self.page_limit, limit))
        result: dict[int, list[EmsHistorySample]] = {}
        for page in range(1, _MAX_PAGES + 1):
            body = await self.get(
                path,
                {**params, "limit": str(page_limit), "page": str(page)},
                query_string=query_string,
            )
            history = expect_dict(expect_dict(body, "history").get("history", {}), "history")
            longest = 0
            for key, rows in history.items():
                uid = _int(key)
                if uid is None or not isinstance(rows, list):
                    _LOGGER.debug("Skipping malformed history of %r", key)
                    continue
                result.setdefault(uid, []).extend(
                    parse_history_sample(uid, row) for row in rows if isinstance(row, dict)
                )
                longest = max(longest, len(rows))
            if longest < page_limit or all(len(rows) >= limit for rows in result.values()):
                break
        return {uid: rows[:limit] for uid, rows in result.items()}

    def expected_realtime_requests(self, wanted: Collection[int], known: int | None = None) -> int:
        """How many requests a poll of ``wanted`` costs (``known``: see :meth:`realtime`)."""
        return self.realtime_plan(wanted, known).requests if wanted else 0
