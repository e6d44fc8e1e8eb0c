"""The simulator harness: a small base on aiohttp's web server shared by every vendor simulator.

A simulator is a real HTTP server on loopback. Tests (and ``scripts/develop``) switch faults
on and off, read the request log to count what a poll cost, and revoke tokens.

Fault switches (``Simulator.faults``):

* ``latency``: seconds added before every answer
* ``status``: answer every request with this HTTP status (and a short JSON body)
* ``malformed_json``: cut every JSON body in half
* ``close_connection``: drop the connection without an answer
* ``offline``: the device is offline; each vendor decides what that looks like
* ``non_utf8``: put a Latin-1 byte inside the first string of every body (HTTP 200 stays)
* ``out_of_range``: a JSON number token (``1e400``, ``Infinity``, ``NaN``, 400 digits, a
  time in microseconds) written in place of every number, and of every numeric string, in
  JSON bodies; ``out_of_range_keys`` limits that to the values under these keys
* ``replace``: ``{key: value}``: every member of that name in a JSON body gets that value
  (wrong types: ``{"conditions": 5}``)
* ``deep_nesting``: answer a JSON array nested this many levels deep
* ``redirect``: answer ``307`` pointing at this base URL (another host) plus the request's
  path and query
* ``rate_limited``: answer ``429``; ``retry_after`` is its ``Retry-After`` header (seconds or
  an HTTP date; none when unset)
* ``bad_http``: answer bytes that are not HTTP (a broken status line): the client library's
  error then quotes the request URL
* ``body``: answer these bytes (``application/json``, the ``status`` fault or 200)
  instead of the device's reply: the property-based tests feed generated replies this way
* ``paths``: restrict the faults above to paths starting with one of these prefixes
* ``remaining``: apply the faults to this many requests only, then switch them off

The same switches are reachable over HTTP at ``/_sim/faults`` (GET to read, POST a JSON
object to change) so a running development instance can be broken on purpose. Requests to
``/_sim/`` are not logged.

HTTPS: ``use_self_signed_certificate()`` before ``start`` serves HTTPS with a fresh
self-signed certificate (like most local devices); ``change_certificate()`` restarts the
running server on the same address with another one (a replaced or impostor certificate).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
import contextlib
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime, timedelta
import hashlib
import ipaddress
import json
from pathlib import Path
import secrets
import socket
import ssl
import tempfile
import time
from typing import Any

from aiohttp import web
import jwt

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

CONTROL_PREFIX = "/_sim/"


@dataclass
class Faults:
    """The fault switches of a simulator (see the module docstring)."""

    latency: float = 0.0
    status: int | None = None
    malformed_json: bool = False
    close_connection: bool = False
    offline: bool = False
    non_utf8: bool = False
    out_of_range: str | None = None
    out_of_range_keys: tuple[str, ...] | None = None
    replace: dict[str, Any] | None = None
    deep_nesting: int | None = None
    redirect: str | None = None
    rate_limited: bool = False
    retry_after: str | None = None
    body: bytes | None = None
    bad_http: bool = False
    paths: tuple[str, ...] | None = None
    remaining: int | None = None

    def reset(self) -> None:
        """Switch every fault off."""
        for f in fields(self):
            setattr(self, f.name, f.default)

    def applies_to(self, path: str) -> bool:
        """True when the faults apply to a request for ``path``."""
        if self.remaining is not None and self.remaining <= 0:
            return False
        return self.paths is None or any(path.startswith(p) for p in self.paths)

    @property
    def any_active(self) -> bool:
        """True when at least one fault is switched on."""
        return bool(
            self.latency
            or self.status is not None
            or self.malformed_json
            or self.close_connection
            or self.offline
            or self.non_utf8
            or self.out_of_range is not None
            or bool(self.replace)
            or self.deep_nesting is not None
            or self.redirect is not None
            or self.rate_limited
            or self.body is not None
            or self.bad_http
        )


_MARK = "__simulated_out_of_range__"


def _numeric_text(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return bool(value.strip())


def _walk(value: Any, faults: Faults, inside: bool) -> Any:
    keys, token, replace = faults.out_of_range_keys, faults.out_of_range, faults.replace or {}
    if isinstance(value, dict):
        return {
            k: replace[k]
            if k in replace
            else _walk(v, faults, inside or (keys is not None and k in keys))
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_walk(item, faults, inside) for item in value]
    if token is None or not inside:
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _MARK
    if isinstance(value, str) and _numeric_text(value):
        return token
    return value


def transform_json(raw: bytes, faults: Faults) -> bytes:
    """A JSON body with the ``out_of_range`` and ``replace`` faults applied."""
    try:
        data = json.loads(raw)
    except ValueError:
        return raw
    data = _walk(data, faults, faults.out_of_range_keys is None)
    text = json.dumps(data).replace(f'"{_MARK}"', faults.out_of_range or "null")
    return text.encode()


@dataclass(frozen=True, slots=True)
class RequestRecord:
    """One request the simulator received (``query_string`` is raw, as sent)."""

    method: str
    path: str
    query_string: str
    headers: dict[str, str]
    body: str
    time: float

    @property
    def query(self) -> dict[str, str]:
        """The query parameters, decoded (last value wins)."""
        from urllib.parse import parse_qsl  # noqa: PLC0415

        return dict(parse_qsl(self.query_string, keep_blank_values=True))


@dataclass
class TokenStore:
    """HS256 JWTs issued by a simulated device, with expiry and revoke-all."""

    lifetime: float = 600.0
    secret: str = field(default_factory=lambda: secrets.token_hex(16))
    active: set[str] = field(default_factory=set)
    issued: int = 0

    def issue(self, subject: str, *, lifetime: float | None = None) -> str:
        """Issue a token for ``subject`` expiring after ``lifetime`` seconds."""
        now = time.time()
        jti = secrets.token_hex(8)
        self.active.add(jti)
        self.issued += 1
        claims = {
            "sub": subject,
            "iat": int(now),
            "exp": int(now + (self.lifetime if lifetime is None else lifetime)),
            "jti": jti,
        }
        return jwt.encode(claims, self.secret, algorithm="HS256")

    def check(self, token: str) -> dict[str, Any] | None:
        """Return the claims of a valid, unexpired, unrevoked token, else None."""
        try:
            claims: dict[str, Any] = jwt.decode(token, self.secret, algorithms=["HS256"])
        except jwt.PyJWTError:
            return None
        if claims.get("jti") not in self.active:
            return None
        return claims

    def revoke_all(self) -> None:
        """Revoke every token issued so far (what a reboot does)."""
        self.active.clear()


def bearer_token(request: web.Request) -> str | None:
    """The token of an ``Authorization: Bearer`` header, if any."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def self_signed_certificate(common_name: str) -> tuple[bytes, bytes]:
    """A throw-away self-signed certificate and its key (PEM), for loopback and the name."""
    from cryptography import x509  # noqa: PLC0415 - only needed for HTTPS
    from cryptography.hazmat.primitives import hashes, serialization  # noqa: PLC0415
    from cryptography.hazmat.primitives.asymmetric import ec  # noqa: PLC0415
    from cryptography.x509.oid import NameOID  # noqa: PLC0415

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=3650))
        .add_extension(
            x509.SubjectAlternativeName(
                [
                    x509.DNSName(common_name),
                    x509.DNSName("localhost"),
                    x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                    x509.IPAddress(ipaddress.ip_address("::1")),
                ]
            ),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return cert.public_bytes(serialization.Encoding.PEM), key_pem


def server_context(cert_pem: bytes, key_pem: bytes) -> ssl.SSLContext:
    """A server TLS context presenting ``cert_pem``."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    with tempfile.TemporaryDirectory() as tmp:
        cert_path, key_path = Path(tmp, "cert.pem"), Path(tmp, "key.pem")
        cert_path.write_bytes(cert_pem)
        key_path.write_bytes(key_pem)
        context.load_cert_chain(cert_path, key_path)
    return context


class Simulator:
    """Base of the vendor simulators.

    Subclasses add their routes in ``setup_routes`` and may override ``offline_response``.
    """

    #: Name used on the command line (``python -m simulators <name>``).
    name = "base"

    def __init__(self) -> None:
        """Create the app; call ``start`` to serve it."""
        self.faults = Faults()
        self.log: list[RequestRecord] = []
        self.app = web.Application(middlewares=[self._middleware])
        self.app.router.add_get("/_sim/faults", self._get_faults)
        self.app.router.add_post("/_sim/faults", self._post_faults)
        self.app.router.add_get("/_sim/log", self._get_log)
        self.setup_routes(self.app.router)
        self._runner: web.AppRunner | None = None
        self._stopping = asyncio.Event()
        self.host = "127.0.0.1"
        self.port = 0
        #: HTTPS: the server context and the certificate it presents (PEM); None = HTTP
        self.ssl_context: ssl.SSLContext | None = None
        self.certificate_pem: bytes | None = None

    # -- to override -------------------------------------------------------------------

    def setup_routes(self, router: web.UrlDispatcher) -> None:
        """Add the vendor's routes."""

    async def offline_response(self, request: web.Request) -> web.StreamResponse:
        """What the device answers while offline (default: nothing; the connection drops)."""
        return await self._drop(request)

    def describe(self) -> dict[str, Any]:
        """Credentials and facts to print at start (``python -m simulators``)."""
        return {}

    def dev_environment(self) -> dict[str, str]:
        """Environment variables that point a development Home Assistant at this simulator.

        Only for vendors whose real API lives at fixed cloud addresses (the integration
        reads these variables at start; users never set them).
        """
        return {}

    # -- life cycle --------------------------------------------------------------------

    @property
    def url(self) -> str:
        """Base URL of the running server (https with a certificate)."""
        scheme = "https" if self.ssl_context is not None else "http"
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{scheme}://{host}:{self.port}"

    # -- HTTPS -------------------------------------------------------------------------

    def use_self_signed_certificate(self, common_name: str | None = None) -> None:
        """Serve HTTPS with a fresh self-signed certificate (call before ``start``)."""
        cert_pem, key_pem = self_signed_certificate(common_name or f"{self.name}.local")
        self.ssl_context = server_context(cert_pem, key_pem)
        self.certificate_pem = cert_pem

    @property
    def certificate_sha256(self) -> str | None:
        """SHA-256 of the presented certificate (DER), 64 lower-case hex digits."""
        if self.certificate_pem is None:
            return None
        der = ssl.PEM_cert_to_DER_cert(self.certificate_pem.decode("ascii"))
        return hashlib.sha256(der).hexdigest()

    async def change_certificate(self) -> None:
        """Present another self-signed certificate: restart on the same address with it.

        Open connections are dropped, as by a device restarting with a new certificate
        (or an impostor taking its address).
        """
        running = self._runner is not None
        if running:
            await self.stop()
        self.use_self_signed_certificate()
        if running:
            await self.start(self.host, self.port)

    # -- life cycle, continued -----------------------------------------------------------

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Serve on ``host``:``port`` (0 = a free port) and return the base URL."""
        self._stopping.clear()
        self._runner = web.AppRunner(
            self.app, access_log=None, handle_signals=False, shutdown_timeout=0.1
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port, ssl_context=self.ssl_context)
        await site.start()
        server = site._server  # noqa: SLF001 - aiohttp exposes the bound port only here
        assert server is not None
        sockets = getattr(server, "sockets", None) or []
        self.host = host
        self.port = int(sockets[0].getsockname()[1]) if sockets else port
        return self.url

    async def sleep(self, seconds: float) -> None:
        """Sleep inside a handler; cut short when the simulator stops."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), seconds)

    async def stop(self) -> None:
        """Stop serving."""
        self._stopping.set()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        # let cancelled request handlers (e.g. ones sleeping for latency) finish
        for _ in range(3):
            await asyncio.sleep(0)

    # -- request log -------------------------------------------------------------------

    def requests(self, path: str | None = None, method: str | None = None) -> list[RequestRecord]:
        """Logged requests, optionally only those for ``path`` (exact) and ``method``."""
        return [
            r
            for r in self.log
            if (path is None or r.path == path) and (method is None or r.method == method)
        ]

    def clear_log(self) -> None:
        """Forget the logged requests."""
        self.log.clear()

    # -- internals ---------------------------------------------------------------------

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path.startswith(CONTROL_PREFIX):
            return await handler(request)
        body = await request.text() if request.can_read_body else ""
        self.log.append(
            RequestRecord(
                method=request.method,
                path=request.path,
                query_string=request.rel_url.raw_query_string,
                headers=dict(request.headers),
                body=body,
                time=time.time(),
            )
        )
        faults = self.faults
        if not faults.any_active or not faults.applies_to(request.path):
            return await handler(request)
        if faults.remaining is not None:
            faults.remaining -= 1
        if faults.latency:
            await self.sleep(faults.latency)
        if faults.close_connection:
            return await self._drop(request)
        if faults.offline:
            return await self.offline_response(request)
        if faults.bad_http:
            transport = request.transport
            if transport is not None:
                transport.write(b"NOT-HTTP garbage\r\n\r\n")
            return await self._drop(request)
        if faults.redirect is not None:
            return web.Response(
                status=307, headers={"Location": f"{faults.redirect.rstrip('/')}{request.path_qs}"}
            )
        if faults.rate_limited:
            headers = {"Retry-After": faults.retry_after} if faults.retry_after else {}
            return web.json_response({"error": "too many requests"}, status=429, headers=headers)
        if faults.body is not None:
            return web.Response(
                body=faults.body,
                status=faults.status or 200,
                headers={"Content-Type": "application/json"},
            )
        if faults.deep_nesting is not None:
            depth = faults.deep_nesting
            return web.Response(
                text="[" * depth + "]" * depth, content_type="application/json", charset="utf-8"
            )
        if faults.status is not None:
            response: web.StreamResponse = web.json_response(
                {"error": f"simulated HTTP {faults.status}"}, status=faults.status
            )
        else:
            response = await handler(request)
        if not isinstance(response, web.Response) or not response.body:
            return response
        raw = bytes(response.body)  # type: ignore[arg-type]
        if faults.out_of_range is not None or faults.replace:
            raw = transform_json(raw, faults)
        if faults.non_utf8:
            quote = raw.find(b'"')
            raw = raw[: quote + 1] + b"\xe9" + raw[quote + 1 :] if quote >= 0 else raw + b"\xff"
        if faults.malformed_json:
            raw = raw[: max(1, len(raw) // 2)]
        if raw == response.body:
            return response
        headers = {
            k: v
            for k, v in response.headers.items()
            if k.lower() not in ("content-length", "content-type")
        }
        return web.Response(
            body=raw,
            status=response.status,
            headers=headers,
            content_type=response.content_type or "application/json",
            charset=response.charset or "utf-8",
        )

    @staticmethod
    async def _drop(request: web.Request) -> web.StreamResponse:
        transport = request.transport
        if transport is not None:
            transport.abort()
        # The answer below never reaches the client: the connection is gone.
        return web.Response(status=500)

    async def _get_faults(self, request: web.Request) -> web.Response:
        data = asdict(self.faults)
        if isinstance(self.faults.body, bytes):
            data["body"] = self.faults.body.decode("latin-1")
        return web.json_response(data)

    async def _post_faults(self, request: web.Request) -> web.Response:
        try:
            changes = await request.json()
        except json.JSONDecodeError:
            return web.json_response({"error": "not JSON"}, status=400)
        if not isinstance(changes, dict):
            return web.json_response({"error": "expected an object"}, status=400)
        if changes.get("reset"):
            self.faults.reset()
        names = {f.name for f in fields(Faults)}
        for key, value in changes.items():
            if key not in names:
                continue
            new: Any = value
            if key in ("paths", "out_of_range_keys") and value:
                new = tuple(value)
            elif key == "body" and isinstance(value, str):
                new = value.encode("latin-1")
            setattr(self.faults, key, new)
        return await self._get_faults(request)

    async def _get_log(self, request: web.Request) -> web.Response:
        return web.json_response(
            [
                {"method": r.method, "path": r.path, "query": r.query_string, "time": r.time}
                for r in self.log
            ]
        )
