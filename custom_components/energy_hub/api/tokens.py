"""JWT bearer-token keeping shared by the eGauge and EMS clients (no Home Assistant imports).

``LoginClient`` is their common base: user name and password traded for a token.

The client cannot verify a device's signature, so the token is only decoded to read its
``exp``; it is reused until shortly before that, refreshed once on a 401, and never logged.
"""

from __future__ import annotations

from abc import abstractmethod
import asyncio
from collections.abc import Awaitable, Callable
import logging
import time
from typing import ClassVar

import aiohttp
import jwt

from .http import HttpClient, normalize_base_url

_LOGGER = logging.getLogger(__name__)

#: Refresh this many seconds before ``exp`` (or before the fallback lifetime ends).
DEFAULT_MARGIN = 60.0


def token_expiry(token: str) -> float | None:
    """Return the ``exp`` claim of a JWT as a Unix time, or None when there is none."""
    try:
        claims = jwt.decode(
            token,
            options={"verify_signature": False, "verify_exp": False},
            algorithms=["HS256", "HS384", "HS512", "RS256", "ES256", "none"],
        )
    except jwt.PyJWTError:
        return None
    exp = claims.get("exp")
    if isinstance(exp, (int, float)) and not isinstance(exp, bool):
        return float(exp)
    return None


class TokenManager:
    """Keep one bearer token, logging in only when it is missing or about to expire.

    ``login`` is the client's coroutine that performs a login and returns the token.
    Concurrent callers share a single login.
    """

    def __init__(
        self,
        login: Callable[[], Awaitable[str]],
        *,
        margin: float = DEFAULT_MARGIN,
        fallback_lifetime: float = 600.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """Create the manager; no login happens until a token is needed."""
        self._login = login
        self._margin = margin
        self._fallback_lifetime = fallback_lifetime
        self._clock = clock
        self._token: str | None = None
        self._expires_at = 0.0
        self._lock = asyncio.Lock()
        self.login_count = 0

    def __repr__(self) -> str:
        """Never show the token itself."""
        state = "set" if self._token else "empty"
        return f"<TokenManager token={state} expires_at={self._expires_at:.0f}>"

    @property
    def expires_at(self) -> float:
        """Unix time the current token expires (0 when there is none)."""
        return self._expires_at

    def _valid(self) -> bool:
        return self._token is not None and self._clock() < self._expires_at - self._margin

    async def token(self) -> str:
        """Return a token valid for at least ``margin`` seconds, logging in if needed."""
        token = self._token
        if token is not None and self._valid():
            return token
        async with self._lock:
            token = self._token
            if token is None or not self._valid():
                token = await self._refresh()
            return token

    async def refresh_after_401(self, rejected: str | None) -> str:
        """Log in again after the device refused ``rejected``; share the result with others."""
        async with self._lock:
            token = self._token
            if token is None or token == rejected or not self._valid():
                token = await self._refresh()
            return token

    def invalidate(self) -> None:
        """Forget the token (e.g. after a reboot command)."""
        self._token = None
        self._expires_at = 0.0

    async def _refresh(self) -> str:
        self._token = None
        token = await self._login()
        self.login_count += 1
        expiry = token_expiry(token)
        if expiry is None:
            expiry = self._clock() + self._fallback_lifetime
        self._token = token
        self._expires_at = expiry
        _LOGGER.debug("Obtained a new token valid until %s", expiry)
        return token


class LoginClient(HttpClient):
    """A device that trades a user name and password for a bearer token (eGauge, EMS).

    Subclasses log in with ``_login`` (one login; returns the token) and say which scheme a
    bare host gets (``default_scheme``), how long a token lives when it does not say
    (``token_lifetime``) and how long a request may take (``default_timeout``).
    """

    default_scheme: ClassVar[str] = "http"
    token_lifetime: ClassVar[float] = 600.0
    default_timeout: ClassVar[float] = 10.0

    def __init__(
        self,
        session: aiohttp.ClientSession,
        host: str,
        username: str,
        password: str,
        *,
        verify_ssl: bool = True,
        timeout: float | None = None,
    ) -> None:
        """Use the injected session; nothing is sent until a method is called."""
        super().__init__(
            session,
            normalize_base_url(host, default_scheme=self.default_scheme),
            timeout=self.default_timeout if timeout is None else timeout,
            verify_ssl=verify_ssl,
            secrets=(password,),
        )
        self._username = username
        self._password = password
        self.tokens = TokenManager(
            self._login,
            fallback_lifetime=self.token_lifetime,
            # looked up at each call, so the clock follows time.time wherever it is (tests)
            clock=lambda: time.time(),  # noqa: PLW0108
        )

    def __repr__(self) -> str:
        """Never show credentials."""
        return f"<{type(self).__name__} {self.base_url}>"

    @abstractmethod
    async def _login(self) -> str:
        """Log in once; return the token."""
