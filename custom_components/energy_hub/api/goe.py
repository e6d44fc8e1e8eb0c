"""Client of the go-eCharger HTTP API v2: the go-e cloud and the charger's local API.

No Home Assistant imports. Both modes share the same keys:

* cloud: ``https://<serial>.api.v3.go-e.io/api/status`` and ``/api/set``; the token travels in
  the ``Authorization: Bearer`` header only (never in the URL, so it cannot reach a log);
* local: ``http://<host>/api/status`` and ``/api/set``, no token.

A status read is ONE request with ``filter=`` listing the keys wanted (and ``age=`` for the
cloud). A key the charger does not know is simply missing from the answer; CORE/PRO chargers
also answer HTTP 400 then (with the keys they know in the body). ``GoeKeySupport`` learns
those keys from the answers so the next polls leave them out. A set is one request with every
value JSON-encoded (strings quoted, numbers bare, ``null`` for none) and URL-encoded. At most
one request per second reaches a charger.

PV surplus data (``ids``, :meth:`GoeClient.send_pv_data`) goes out as a *background* request:
it waits until no status read or user write is waiting, so it never queues ahead of a poll.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
import contextlib
from dataclasses import dataclass
import json
import logging
import re
import time
from typing import Any, Final
from urllib.parse import quote

import aiohttp

from .errors import (
    EnergyHubAuthError,
    EnergyHubConnectionError,
    EnergyHubRequestError,
    EnergyHubResponseError,
    EnergyHubUnavailableError,
)
from .http import HttpClient, HttpResponse, expect_dict, normalize_base_url

_LOGGER = logging.getLogger(__name__)

#: The cloud front of one charger; ``{serial}`` is its 6-digit serial number.
CLOUD_URL_TEMPLATE: Final = "https://{serial}.api.v3.go-e.io"
#: The charger's logic runs once a second: asking faster gains nothing.
MIN_REQUEST_INTERVAL: Final = 1.0
#: The cloud's default maximum age of a status (seconds).
DEFAULT_CLOUD_AGE: Final = 30

#: Reasons of EnergyHubUnavailableError (translation keys ``unavailable_<reason>``).
REASON_OFFLINE: Final = "goe_offline"
REASON_NO_DATA: Final = "goe_no_data"

_SERIAL_RE = re.compile(r"^\d{6}$")


def normalize_serial(value: str) -> str | None:
    """The 6-digit serial (leading zeros kept) from user input, or None when invalid."""
    serial = value.strip().replace(" ", "")
    return serial if _SERIAL_RE.match(serial) else None


def encode_value(value: Any) -> str:
    """A value as ``/api/set`` wants it: JSON (strings quoted), then URL-encoded."""
    return quote(json.dumps(value, separators=(",", ":"), ensure_ascii=False), safe="")


def encode_set_query(values: Mapping[str, Any]) -> str:
    """The query string of an ``/api/set`` request."""
    return "&".join(f"{quote(key, safe='')}={encode_value(v)}" for key, v in values.items())


def pv_surplus_ids(
    grid: float, pv: float | None = None, battery: float | None = None
) -> dict[str, float]:
    """The ``ids`` object: ``pGrid`` always, ``pPv``/``pAkku`` when known (W, 0.1 W steps)."""
    ids = {"pGrid": round(float(grid), 1)}
    if pv is not None:
        ids["pPv"] = round(float(pv), 1)
    if battery is not None:
        ids["pAkku"] = round(float(battery), 1)
    return ids


class GoeRejectedError(EnergyHubRequestError):
    """The charger (or the cloud) rejected some keys of a set; ``keys`` names them."""

    def __init__(self, message: str, *, keys: tuple[str, ...], status: int, detail: str) -> None:
        """Keep the rejected keys besides status and the device's text."""
        super().__init__(message, status=status, detail=detail)
        self.keys = keys


@dataclass(frozen=True, slots=True)
class GoeStatus:
    """One status answer: the values, the HTTP status and the keys asked for but not sent."""

    values: dict[str, Any]
    http_status: int
    missing: frozenset[str]


#: Why a key is left out of the filter (diagnostics show it).
UNSUPPORTED_MISSING: Final = "not reported by the charger"
UNSUPPORTED_REFUSED: Final = "refused by the charger (HTTP 400)"
#: Seconds after which keys found unsupported are asked for again (a firmware update may
#: bring them; asking costs at most one HTTP 400 answer that still carries every other key).
REPROBE_AFTER: Final = 6 * 3600.0


class GoeKeySupport:
    """Which keys one charger does not know, learnt from its status answers.

    A key asked for but missing from the answer is unsupported by this model or firmware
    (firmware 60 renamed ``cards`` to ``c0n``...``c9i``; CORE/PRO lack ``cbl``, ``ust``...).
    It is left out of later filters so the poll stays a clean HTTP 200 and the other keys are
    unaffected. The set is forgotten when the firmware version changes and every
    ``REPROBE_AFTER`` seconds, so a key that appears later is found again.
    """

    def __init__(
        self, *, reprobe_after: float = REPROBE_AFTER, clock: Callable[[], float] | None = None
    ) -> None:
        """Nothing is known to be unsupported yet."""
        self.reprobe_after = reprobe_after
        self._clock = clock or time.monotonic
        #: key -> reason it is left out
        self.unsupported: dict[str, str] = {}
        self.firmware: str | None = None
        self._since: float | None = None

    def keys_to_ask(self, wanted: Iterable[str]) -> frozenset[str]:
        """``wanted`` without the keys the charger is known not to have."""
        if self._since is not None and self._clock() - self._since >= self.reprobe_after:
            self.forget()
        return frozenset(k for k in wanted if k not in self.unsupported)

    def learn(self, status: GoeStatus) -> None:
        """Take note of the keys missing from ``status`` (and of a firmware change)."""
        firmware = status.values.get("fwv")
        if firmware is not None and self.firmware is not None and str(firmware) != self.firmware:
            self.forget()
        if firmware is not None:
            self.firmware = str(firmware)
        if not status.missing:
            return
        reason = UNSUPPORTED_REFUSED if status.http_status == 400 else UNSUPPORTED_MISSING
        for key in status.missing:
            self.unsupported.setdefault(key, reason)
        if self._since is None:
            self._since = self._clock()
        _LOGGER.debug("The charger does not report %s", ", ".join(sorted(status.missing)))

    def forget(self) -> None:
        """Ask for every key again from the next poll on."""
        self.unsupported.clear()
        self._since = None

    def as_dict(self) -> dict[str, str]:
        """For diagnostics: key -> reason, sorted."""
        return dict(sorted(self.unsupported.items()))


class RateLimiter:
    """Space requests at least ``interval`` seconds apart, one at a time, in two priorities.

    ``async with limiter:`` is a foreground request (status reads, writes a user asked for):
    FIFO among themselves. ``async with limiter.background():`` is a background request (PV
    surplus data sent every few seconds): it starts only when no foreground request is waiting
    or running and the interval since the last request has passed, so a poll never waits
    behind a queued background request; at most behind one already on the wire.

    Time is the event loop's clock, the same one ``asyncio.sleep`` waits on.
    """

    def __init__(self, interval: float, *, clock: Callable[[], float] | None = None) -> None:
        """Nothing was sent yet."""
        self.interval = interval
        self._clock = clock
        self._lock = asyncio.Lock()
        self._last: float | None = None
        #: Foreground requests waiting or running; background ones wait for zero.
        self._foreground = 0
        self._no_foreground = asyncio.Event()
        self._no_foreground.set()

    def _now(self) -> float:
        return self._clock() if self._clock else asyncio.get_running_loop().time()

    def _remaining(self) -> float:
        """Seconds until the next request may start (0 when it may start now)."""
        if self._last is None:
            return 0.0
        return max(0.0, min(self._last + self.interval - self._now(), self.interval))

    def _foreground_done(self) -> None:
        self._foreground -= 1
        if not self._foreground:
            self._no_foreground.set()

    async def __aenter__(self) -> None:
        """Wait for the lock and for the interval since the last request to pass."""
        self._foreground += 1
        self._no_foreground.clear()
        try:
            await self._lock.acquire()
        except BaseException:
            self._foreground_done()
            raise
        try:
            wait = self._remaining()
            if wait > 0:
                await asyncio.sleep(wait)
        except BaseException:
            self._lock.release()
            self._foreground_done()
            raise

    async def __aexit__(self, *exc: object) -> None:
        """Remember when the request ended and let the next one in."""
        self._last = self._now()
        self._lock.release()
        self._foreground_done()

    @contextlib.asynccontextmanager
    async def background(self) -> AsyncIterator[None]:
        """A background request: after every waiting foreground one, paced like them."""
        while True:
            await self._no_foreground.wait()
            await self._lock.acquire()
            wait = self._remaining()
            if not self._foreground and wait <= 0:
                break
            self._lock.release()
            if wait > 0:
                await asyncio.sleep(wait)
        try:
            yield
        finally:
            self._last = self._now()
            self._lock.release()


class GoeClient(HttpClient):
    """One go-eCharger, through the cloud (with a token) or its local API (without)."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        base_url: str,
        *,
        token: str | None = None,
        age: int | None = None,
        timeout: float = 10.0,
        min_interval: float = MIN_REQUEST_INTERVAL,
    ) -> None:
        """``token`` set means the cloud API; ``age`` only applies to the cloud."""
        super().__init__(session, base_url, timeout=timeout, secrets=(token,))
        self._token = token
        self.age = age
        self.limiter = RateLimiter(min_interval)

    @classmethod
    def cloud(
        cls,
        session: aiohttp.ClientSession,
        serial: str,
        token: str,
        *,
        url_template: str = CLOUD_URL_TEMPLATE,
        age: int | None = None,
    ) -> GoeClient:
        """A client of the go-e cloud for the charger with this serial."""
        return cls(session, url_template.format(serial=serial), token=token, age=age)

    @classmethod
    def local(cls, session: aiohttp.ClientSession, host: str) -> GoeClient:
        """A client of the charger's local API (``host`` with or without ``http://``)."""
        return cls(session, normalize_base_url(host))

    @property
    def is_cloud(self) -> bool:
        """True for the cloud API."""
        return self._token is not None

    def __repr__(self) -> str:
        """Never show the token."""
        mode = "cloud" if self.is_cloud else "local"
        return f"<GoeClient {mode} {self.base_url.host}>"

    async def _get(self, path: str, query: str, *, background: bool = False) -> HttpResponse:
        headers = {"Authorization": f"Bearer {self._token}"} if self._token else None
        slot = self.limiter.background() if background else self.limiter
        async with slot:
            try:
                return await self.request("GET", path, query_string=query, headers=headers)
            except EnergyHubConnectionError as err:
                if not self.is_cloud:
                    raise
                # the cloud host name holds the serial: keep it out of messages and logs
                cause = type(err.__cause__).__name__ if err.__cause__ else "error"
                raise EnergyHubConnectionError(f"Cannot reach the go-e cloud ({cause})") from err

    def _check_cloud(self, resp: HttpResponse, what: str) -> None:
        if resp.status == 401:
            raise EnergyHubAuthError(f"The go-e cloud refused the token ({what})")
        if resp.status == 403:
            raise EnergyHubUnavailableError(
                f"{what}: the charger is offline or its cloud API is disabled (HTTP 403)",
                reason=REASON_OFFLINE,
            )
        if resp.status == 404:
            raise EnergyHubUnavailableError(
                f"{what}: the charger sent no recent data to the cloud (HTTP 404)",
                reason=REASON_NO_DATA,
            )

    async def status(self, keys: Iterable[str] | None = None) -> dict[str, Any]:
        """Read the status object: ONE request, only ``keys`` (all keys when None)."""
        return (await self.read(keys)).values

    async def read(self, keys: Iterable[str] | None = None) -> GoeStatus:
        """Like ``status``, also telling which of ``keys`` the charger did not send."""
        params: list[str] = []
        asked = frozenset(keys) if keys is not None else None
        if asked is not None:
            params.append("filter=" + quote(",".join(sorted(asked)), safe=","))
        if self.is_cloud and self.age is not None:
            params.append(f"age={int(self.age)}")
        resp = await self._get("/api/status", "&".join(params))
        if self.is_cloud:
            self._check_cloud(resp, "status")
        # CORE/PRO chargers answer 400 but still send the keys they know
        if resp.status not in (200, 400) or (resp.status == 400 and self.is_cloud):
            raise EnergyHubResponseError(f"status: HTTP {resp.status}", status=resp.status)
        data = expect_dict(resp.json(), "the status")
        if resp.status == 400 and not data:
            raise EnergyHubResponseError("status: HTTP 400", status=400)
        missing = asked - data.keys() if asked is not None else frozenset()
        return GoeStatus(values=data, http_status=resp.status, missing=frozenset(missing))

    async def send_pv_data(
        self, grid: float, pv: float | None = None, battery: float | None = None
    ) -> None:
        """Send PV surplus data (``ids``) in one background request.

        ``grid`` in W, positive = import (``pGrid`` < 0 means feeding the grid); ``pv`` in W,
        positive = production; ``battery`` in W, positive = discharging. The charger needs
        them every few seconds (it forgets them after about 10 s).
        """
        await self.set({"ids": pv_surplus_ids(grid, pv, battery)}, background=True)

    async def set(self, values: Mapping[str, Any], *, background: bool = False) -> None:
        """Write ``values`` in one request; EnergyHubRequestError names the rejected keys.

        ``background`` requests wait until no foreground request (poll, user write) waits.
        """
        if not values:
            return
        resp = await self._get("/api/set", encode_set_query(values), background=background)
        if self.is_cloud:
            self._check_cloud(resp, "set")
            if resp.status == 422:
                raise _rejected(values.keys(), self._cloud_failures(resp), status=422)
            if resp.status not in (200, 202):
                raise EnergyHubResponseError(f"set: HTTP {resp.status}", status=resp.status)
            failed = self._cloud_failures(resp)
            if failed:
                raise _rejected(failed.keys(), failed, status=resp.status)
            return
        if resp.status not in (200, 400, 500):
            raise EnergyHubResponseError(f"set: HTTP {resp.status}", status=resp.status)
        answer = expect_dict(resp.json(), "the set answer")
        failed = {
            key: self.redact(answer.get(key, "no answer"))[:200]
            for key in values
            if answer.get(key) is not True
        }
        if failed:
            raise _rejected(failed.keys(), failed, status=resp.status)

    def _cloud_failures(self, resp: HttpResponse) -> dict[str, str]:
        """Rejected keys of a cloud set answer (``{"failed": [{key: reason}, ...]}``).

        The reasons are the cloud's own texts, redacted.
        """
        try:
            body = resp.json()
        except EnergyHubResponseError:
            return {}
        failed: dict[str, str] = {}
        items = body.get("failed") if isinstance(body, dict) else None
        for item in items if isinstance(items, list) else []:
            if isinstance(item, dict):
                failed.update({str(k)[:100]: self.redact(v)[:200] for k, v in item.items()})
        return failed


def _rejected(keys: Iterable[str], reasons: Mapping[str, str], *, status: int) -> GoeRejectedError:
    names = tuple(keys)
    detail = "; ".join(reasons.values()) or f"HTTP {status}"
    return GoeRejectedError(
        f"The charger rejected {', '.join(names)}: {detail}",
        keys=names,
        status=status,
        detail=detail,
    )
