"""A small HTTP helper shared by the vendor clients (no Home Assistant imports).

Every request has a bounded timeout, counts towards ``request_count`` and maps
transport failures to :class:`EnergyHubConnectionError`. Credentials are never
part of an error message: every text passes the client's :class:`.redact.Redactor`, and a
chained aiohttp exception whose text would carry a secret (its URL) is dropped.

No request follows a redirect (a 3xx is :class:`EnergyHubRedirectError`, naming the target
without its query). HTTP 429 is :class:`EnergyHubRateLimitError`; the client then sends
nothing until ``Retry-After`` has passed. A body that is not valid text, or JSON nested too
deeply, is a response error; NaN, infinities and numbers beyond the float range in JSON
become ``null``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
import ipaddress
import json
import logging
import math
import re
import ssl
import time
from typing import Any, Final
from urllib.parse import quote, urlencode

import aiohttp
import orjson
from yarl import URL

from .errors import (
    EnergyHubCertificateChangedError,
    EnergyHubCertificateError,
    EnergyHubConnectionError,
    EnergyHubRateLimitError,
    EnergyHubRedirectError,
    EnergyHubResponseError,
)
from .redact import Redactor
from .tls import ssl_option
from .values import finite_float

_LOGGER = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 10.0
#: Bodies of at least this many characters are parsed off the event loop.
EXECUTOR_PARSE_BYTES: Final = 64 * 1024
#: Back-off after a 429 without a usable ``Retry-After`` (seconds).
DEFAULT_RETRY_AFTER: Final = 60.0
#: The longest ``Retry-After`` honoured (seconds); a longer one is cut to this.
MAX_RETRY_AFTER: Final = 3600.0


def _json_float(text: str) -> float | None:
    """JSON hook: a number beyond the float range (``1e400``) becomes None."""
    return finite_float(float(text))


def _json_int(text: str) -> int | None:
    """JSON hook: an integer a float cannot hold (a 400-digit counter) becomes None."""
    number = int(text)
    return number if finite_float(number) is not None else None


def _json_constant(name: str) -> None:
    """JSON hook: ``NaN``, ``Infinity`` and ``-Infinity`` become None."""
    _LOGGER.debug("Treating %s in a reply as unknown", name)


#: Byte map for :func:`_overflow_risk` and :func:`_long_number`: digits become ``0``,
#: ``e``/``E`` ``e``, signs ``+``, everything else a space.
_NUMBER_SHAPE: Final = bytes(
    0x30 if 0x30 <= i <= 0x39 else 0x65 if i in b"eE" else 0x2B if i in b"+-" else 0x20
    for i in range(256)
)


def _overflow_risk(text: str | bytes) -> bool:
    """Whether a JSON number in ``text`` could leave the float range.

    Only a run of 200 digits (with an exponent below 100 a number needs 209 integer
    digits to overflow) or an exponent of three digits or more can; the check is a
    byte translation and three substring searches, no Python call per number.
    """
    shape = _number_shape(text)
    return b"0" * 200 in shape or b"0e000" in shape or b"0e+000" in shape


def _number_shape(text: str | bytes) -> bytes:
    """``text`` through :data:`_NUMBER_SHAPE` (as UTF-8 bytes)."""
    raw = text if isinstance(text, bytes) else text.encode("utf-8", "surrogatepass")
    return raw.translate(_NUMBER_SHAPE)


def _long_number(text: str | bytes) -> bool:
    """Whether ``text`` holds a run of 19 digits or more.

    orjson reads an integer beyond 64 bits as a float; every shorter one exactly, as
    ``json`` does. A byte translation and one substring search, no call per number.
    """
    return b"0" * 19 in _number_shape(text)


def loads(text: str | bytes) -> Any:
    """Parse JSON text safely: NaN, infinities and float-overflowing numbers become None.

    Raises ValueError for text that is not JSON and RecursionError for JSON nested
    too deeply (callers map both onto EnergyHubResponseError).

    Usual replies go to orjson (Home Assistant's own JSON library, a few times faster);
    it refuses NaN, the infinities, numbers beyond the float range and text Python's
    parser reads differently, and those, like text with a long number, go to
    :func:`careful_loads`: the same result as before orjson, in every case.
    """
    if not _long_number(text):
        try:
            return orjson.loads(text)
        except orjson.JSONDecodeError:
            pass  # one of the cases below (or no JSON: the careful parser says so)
    return careful_loads(text)


def careful_loads(text: str | bytes) -> Any:
    """:func:`loads` with Python's parser and hooks for the numbers a float cannot hold."""
    if not _overflow_risk(text):
        # no number here can leave the float range: the C parser alone (NaN and the
        # infinities still go through the hook)
        return json.loads(text, parse_constant=_json_constant)
    return json.loads(
        text, parse_float=_json_float, parse_int=_json_int, parse_constant=_json_constant
    )


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date).

    None when the header is missing or unreadable; never negative; at most
    ``MAX_RETRY_AFTER``.
    """
    if value is None or not value.strip():
        return None
    text = value.strip()
    seconds: float | None
    if text.isdigit():
        seconds = finite_float(text)
    else:
        try:
            when = parsedate_to_datetime(text)
        except TypeError, ValueError, IndexError, OverflowError:
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    if seconds is None or not math.isfinite(seconds):
        return None
    return min(max(seconds, 0.0), MAX_RETRY_AFTER)


def strip_location(location: str, base: URL) -> str:
    """A redirect target for a message: absolute, without query, fragment or user info."""
    try:
        url = URL(location)
        if not url.is_absolute():
            url = base.join(url)
        return str(url.with_user(None).with_query(None).with_fragment(None))
    except ValueError, TypeError:
        return "an unreadable address"


@dataclass(slots=True)
class HttpResponse:
    """What a request returned: status, headers and the body as text."""

    status: int
    headers: dict[str, str]
    text: str

    async def async_json(self, then: Callable[[Any], Any] | None = None) -> Any:
        """:meth:`json`, passed through ``then`` if given; a large body on the executor.

        Parsing a 2,500-signal EMS page (and collecting the garbage it leaves) would hold
        the event loop for milliseconds; below ``EXECUTOR_PARSE_BYTES`` handing the work
        to a thread costs more than it saves. ``then`` runs in the same job: reading the
        parsed reply (it must not touch the event loop's state).
        """
        job = self.json if then is None else lambda: then(self.json())
        if len(self.text) < EXECUTOR_PARSE_BYTES:
            return job()
        return await asyncio.get_running_loop().run_in_executor(None, job)

    def json(self) -> Any:
        """Parse the body as JSON, raising EnergyHubResponseError when it is not."""
        try:
            return loads(self.text)
        except ValueError:
            raise EnergyHubResponseError(
                f"Malformed JSON in the reply (HTTP {self.status})", status=self.status
            ) from None
        except RecursionError:
            raise EnergyHubResponseError(
                f"The JSON reply is nested too deeply (HTTP {self.status})", status=self.status
            ) from None


class InvalidHostError(ValueError):
    """What the user typed is not a host name or address (with optional scheme and port)."""


#: A DNS host name: labels of letters, digits, hyphens and underscores, dot-separated.
_HOST_NAME = re.compile(r"^(?=.{1,253}$)([A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?\.?)+$")
#: Paths a user may paste after the host; each means the device's root.
_ROOT_PATHS = frozenset({"", "/", "/api", "/api/"})


def normalize_base_url(text: str, *, default_scheme: str = "http") -> str:
    """The base URL of a device from what a user typed.

    Accepts a host name, an IPv4 address or an IPv6 literal (with or without
    brackets), an optional ``http://`` or ``https://`` scheme and an optional port;
    ``default_scheme`` applies when no scheme is given. A trailing ``/`` or ``/api``
    is dropped. Anything else (user info, other paths, queries, other schemes,
    whitespace or control characters, shell metacharacters) raises InvalidHostError.
    """
    text = text.strip()
    if not text or any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in text):
        raise InvalidHostError("empty or contains whitespace or control characters")
    scheme, sep, rest = text.partition("://")
    if not sep:
        scheme, rest = default_scheme, text
    scheme = scheme.lower()
    if scheme not in ("http", "https"):
        raise InvalidHostError("only http and https are supported")
    host_port, slash, path = rest.partition("/")
    if (slash + path) not in _ROOT_PATHS:
        raise InvalidHostError("a path, query or fragment is not allowed")
    if "@" in host_port:
        raise InvalidHostError("user information is not allowed")
    host, port = _split_host_port(host_port)
    return f"{scheme}://{host}{f':{port}' if port is not None else ''}"


def _split_host_port(text: str) -> tuple[str, int | None]:
    """``host``, ``host:port``, ``[v6]``, ``[v6]:port`` or a bare IPv6 literal."""
    port_text: str | None = None
    if text.startswith("["):
        inner, bracket, after = text[1:].partition("]")
        if not bracket or (after and not after.startswith(":")):
            raise InvalidHostError("malformed IPv6 literal")
        host = _ipv6(inner)
        port_text = after[1:] if after else None
    elif text.count(":") > 1:
        host = _ipv6(text)  # a bare IPv6 literal: no port possible
    else:
        name, colon, port_part = text.partition(":")
        port_text = port_part if colon else None
        try:
            host = str(ipaddress.IPv4Address(name))
        except ValueError:
            if not _HOST_NAME.match(name) or name.replace(".", "").isdigit():
                raise InvalidHostError("not a host name or address") from None
            host = name.lower()
    port: int | None = None
    if port_text is not None:
        if not port_text.isdigit() or not 0 < int(port_text) < 65536:
            raise InvalidHostError("the port must be a number from 1 to 65535")
        port = int(port_text)
    return host, port


def _ipv6(text: str) -> str:
    try:
        return f"[{ipaddress.IPv6Address(text).compressed}]"
    except ValueError:
        raise InvalidHostError("malformed IPv6 literal") from None


def is_certificate_error(err: BaseException) -> bool:
    """Whether a transport error means the peer's TLS certificate was not accepted."""
    seen: set[int] = set()
    cur: BaseException | None = err
    while cur is not None and id(cur) not in seen:
        seen.add(id(cur))
        if isinstance(
            cur,
            (
                EnergyHubCertificateError,
                ssl.SSLCertVerificationError,
                aiohttp.ServerFingerprintMismatch,
                aiohttp.ClientConnectorCertificateError,
            ),
        ):
            return True
        cur = cur.__cause__ or cur.__context__
    return False


def expect_dict(value: Any, what: str) -> dict[str, Any]:
    """Return ``value`` if it is a JSON object, else raise EnergyHubResponseError."""
    if not isinstance(value, dict):
        raise EnergyHubResponseError(f"Expected a JSON object for {what}")
    return value


def expect_list(value: Any, what: str) -> list[Any]:
    """Return ``value`` if it is a JSON array, else raise EnergyHubResponseError."""
    if not isinstance(value, list):
        raise EnergyHubResponseError(f"Expected a JSON array for {what}")
    return value


class HttpClient:
    """Base of the vendor clients: one aiohttp session, a base URL and a timeout."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        base_url: str | URL,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        verify_ssl: bool = True,
        secrets: Iterable[str | None] = (),
    ) -> None:
        """Use the given (injected) session; it is never closed here.

        ``secrets`` (password, token, key) are removed from every error text.
        """
        self._session = session
        self._base_url = URL(str(base_url).rstrip("/"))
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._verify_ssl = verify_ssl
        self._pin: str | None = None
        # True = aiohttp's certificate checks; a Fingerprint = exactly the pinned certificate
        self._ssl: bool | aiohttp.Fingerprint = verify_ssl
        self.request_count = 0
        #: the one redaction step of this client (its secrets, plus the generic patterns)
        self.redact = Redactor(secrets)
        #: time.monotonic() before which no request is sent (after a 429)
        self._blocked_until = 0.0

    @property
    def retry_after(self) -> float:
        """Seconds until the next request may be sent (0 unless rate limited)."""
        return max(0.0, self._blocked_until - time.monotonic())

    @property
    def certificate_pin(self) -> str | None:
        """The SHA-256 fingerprint of the one certificate accepted (None: not pinned)."""
        return self._pin

    def pin_certificate(self, fingerprint: str | None) -> None:
        """Accept exactly the certificate with this SHA-256 fingerprint from now on.

        None goes back to the ``verify_ssl`` given at construction.
        """
        self._pin = fingerprint or None
        self._ssl = ssl_option(verify=self._verify_ssl, pin=self._pin)

    @property
    def base_url(self) -> URL:
        """The base URL requests are made against."""
        return self._base_url

    def url(self, path: str) -> URL:
        """Join ``path`` (starting with /) onto the base URL, keeping its encoding."""
        return URL(f"{self._base_url}{path}", encoded=True)

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, str] | None = None,
        query_string: str | None = None,
        json_body: Any = None,
        headers: dict[str, str] | None = None,
    ) -> HttpResponse:
        """Make one request and return status, headers and text.

        ``query_string`` is sent verbatim (already encoded); ``params`` are percent-encoded
        and appended after it.
        Raises EnergyHubConnectionError on timeouts and transport errors,
        EnergyHubRedirectError for a 3xx, EnergyHubRateLimitError for a 429 (and, without
        sending anything, until its ``Retry-After`` has passed) and EnergyHubResponseError
        for a body that is not valid text.
        """
        waiting = self.retry_after
        if waiting > 0:
            raise EnergyHubRateLimitError(
                f"{self._base_url.host} asked to wait; next request in {math.ceil(waiting)} s",
                retry_after=waiting,
            )
        url = self.url(path)
        parts = [query_string] if query_string else []
        if params:
            parts.append(urlencode(params, quote_via=quote))
        if parts:
            # built by hand: yarl would re-encode a verbatim query (a literal + would be lost)
            url = URL(f"{url}?{'&'.join(parts)}", encoded=True)
        self.request_count += 1
        try:
            async with self._session.request(
                method,
                url,
                json=json_body,
                headers=headers,
                timeout=self._timeout,
                ssl=self._ssl,
                allow_redirects=False,
            ) as resp:
                self._check_status(resp.status, resp.headers)
                try:
                    text = await resp.text()
                except UnicodeDecodeError, LookupError:
                    # LookupError: a charset Python does not know
                    raise EnergyHubResponseError(
                        f"The reply of {self._base_url.host} is not valid text "
                        f"(HTTP {resp.status})",
                        status=resp.status,
                    ) from None
                return HttpResponse(resp.status, dict(resp.headers), text)
        except TimeoutError as err:
            error = EnergyHubConnectionError(f"Timeout talking to {self._base_url.host}")
            if self.redact.is_clean(err):
                raise error from err
        except (aiohttp.ClientError, asyncio.IncompleteReadError, OSError) as err:
            if is_certificate_error(err):
                error = (
                    EnergyHubCertificateChangedError(
                        f"{self._base_url.host} presented another certificate than the trusted one"
                    )
                    if self._pin is not None
                    else EnergyHubCertificateError(
                        f"The TLS certificate of {self._base_url.host} is not trusted"
                    )
                )
            else:
                error = EnergyHubConnectionError(
                    f"Cannot talk to {self._base_url.host}: {type(err).__name__}"
                )
            if self.redact.is_clean(err):
                raise error from err
            # the text of the aiohttp exception carries a secret (its URL)
            _LOGGER.debug("%s (%s)", error, self.redact(err))
        # raised outside the except block: neither cause nor context keeps the secret
        raise error

    def _check_status(self, status: int, headers: Any) -> None:
        """Redirects and rate limits are answered the same way for every client."""
        if status == 429:
            retry_after = parse_retry_after(headers.get("Retry-After"))
            wait = DEFAULT_RETRY_AFTER if retry_after is None else retry_after
            self._blocked_until = time.monotonic() + wait
            raise EnergyHubRateLimitError(
                f"{self._base_url.host} is rate limiting requests (HTTP 429); "
                f"next request in {math.ceil(wait)} s",
                retry_after=wait,
            )
        if 300 <= status < 400 and status != 304:
            location = headers.get("Location")
            target = strip_location(location, self._base_url) if location else "no address given"
            raise EnergyHubRedirectError(
                f"{self._base_url.host} redirected the request (HTTP {status}) to {target}; "
                "redirects are not followed",
                status=status,
                location=target,
            )
