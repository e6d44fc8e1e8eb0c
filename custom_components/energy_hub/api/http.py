"""A small HTTP helper shared by the vendor clients (no Home Assistant imports).

Every request has a bounded timeout, counts towards ``request_count`` and maps
transport failures to :class:`EnergyHubConnectionError`. Credentials are never
part of an error message.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
import ipaddress
import json
import logging
import re
import ssl
from typing import Any
from urllib.parse import quote, urlencode

import aiohttp
from yarl import URL

from .errors import (
    EnergyHubCertificateChangedError,
    EnergyHubCertificateError,
    EnergyHubConnectionError,
    EnergyHubResponseError,
)
from .tls import ssl_option

_LOGGER = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 10.0


@dataclass(slots=True)
class HttpResponse:
    """What a request returned: status, headers and the body as text."""

    status: int
    headers: dict[str, str]
    text: str

    def json(self) -> Any:
        """Parse the body as JSON, raising EnergyHubResponseError when it is not."""
        try:
            return json.loads(self.text)
        except ValueError as err:
            raise EnergyHubResponseError(
                f"Malformed JSON in the reply (HTTP {self.status})", status=self.status
            ) from err


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
    ) -> None:
        """Use the given (injected) session; it is never closed here."""
        self._session = session
        self._base_url = URL(str(base_url).rstrip("/"))
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._verify_ssl = verify_ssl
        self._pin: str | None = None
        # True = aiohttp's certificate checks; a Fingerprint = exactly the pinned certificate
        self._ssl: bool | aiohttp.Fingerprint = verify_ssl
        self.request_count = 0

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
        Raises EnergyHubConnectionError on timeouts and transport errors.
        """
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
            ) as resp:
                text = await resp.text()
                return HttpResponse(resp.status, dict(resp.headers), text)
        except TimeoutError as err:
            raise EnergyHubConnectionError(f"Timeout talking to {self._base_url.host}") from err
        except (aiohttp.ClientError, asyncio.IncompleteReadError, OSError) as err:
            if is_certificate_error(err):
                if self._pin is not None:
                    raise EnergyHubCertificateChangedError(
                        f"{self._base_url.host} presented another certificate than the trusted one"
                    ) from err
                raise EnergyHubCertificateError(
                    f"The TLS certificate of {self._base_url.host} is not trusted"
                ) from err
            raise EnergyHubConnectionError(
                f"Cannot talk to {self._base_url.host}: {type(err).__name__}"
            ) from err
