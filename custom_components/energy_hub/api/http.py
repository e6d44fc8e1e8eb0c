"""A small HTTP helper shared by the vendor clients (no Home Assistant imports).

Every request has a bounded timeout, counts towards ``request_count`` and maps
transport failures to :class:`EnergyHubConnectionError`. Credentials are never
part of an error message.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
import json
import logging
from typing import Any
from urllib.parse import quote, urlencode

import aiohttp
from yarl import URL

from .errors import EnergyHubConnectionError, EnergyHubResponseError

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
        # True = aiohttp's default certificate checks; False accepts self-signed ones
        self._ssl = verify_ssl
        self.request_count = 0

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
            raise EnergyHubConnectionError(
                f"Cannot talk to {self._base_url.host}: {type(err).__name__}"
            ) from err
