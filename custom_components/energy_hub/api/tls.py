"""Trusting one device's certificate: read it, show it, pin it (no Home Assistant imports).

Local devices often serve HTTPS with a certificate of their own that no authority signed.
Instead of switching verification off, Energy Hub pins such a device's certificate: its
SHA-256 fingerprint (of the DER encoding) is stored in the entry, and later connections
accept exactly that certificate (aiohttp's ``Fingerprint``) and refuse any other.

:func:`async_fetch_certificate` reads a server's certificate without verifying it, so the
user can be shown what they are asked to trust.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
import hashlib
import logging
import re
import ssl

import aiohttp
from yarl import URL

from .errors import EnergyHubConnectionError

_LOGGER = logging.getLogger(__name__)

#: A SHA-256 fingerprint as stored: 64 lower-case hex digits, no separators.
_FINGERPRINT = re.compile(r"^[0-9a-f]{64}$")

FETCH_TIMEOUT = 10.0


@dataclass(frozen=True, slots=True)
class PeerCertificate:
    """A server certificate as read from a TLS handshake."""

    der: bytes
    #: SHA-256 of ``der``, 64 lower-case hex digits (the stored pin)
    sha256: str
    #: the subject and issuer as ``CN=..., O=...`` (empty when they cannot be read)
    subject: str = ""
    issuer: str = ""
    #: the end of validity, ISO 8601 in UTC (empty when it cannot be read)
    not_after: str = ""

    @property
    def display_fingerprint(self) -> str:
        """The fingerprint as browsers show it: ``AB:CD:...``."""
        return format_fingerprint(self.sha256)


def sha256_fingerprint(der: bytes) -> str:
    """The pin of a DER certificate: its SHA-256 as 64 lower-case hex digits."""
    return hashlib.sha256(der).hexdigest()


def normalize_fingerprint(text: str) -> str:
    """A fingerprint typed or stored in any usual form (``AB:CD``, spaces) as 64 hex digits.

    Raises ValueError when it is not a SHA-256 fingerprint.
    """
    cleaned = re.sub(r"[\s:]", "", text).lower()
    if not _FINGERPRINT.match(cleaned):
        raise ValueError("not a SHA-256 fingerprint")
    return cleaned


def format_fingerprint(fingerprint: str) -> str:
    """``AB:CD:...`` of a stored fingerprint."""
    cleaned = normalize_fingerprint(fingerprint).upper()
    return ":".join(cleaned[i : i + 2] for i in range(0, len(cleaned), 2))


def ssl_option(*, verify: bool, pin: str | None) -> bool | aiohttp.Fingerprint:
    """The ``ssl=`` option of aiohttp for a device: its pinned certificate, else verification on or off.

    A pin wins: exactly that certificate is accepted, whoever signed it.
    """
    if pin:
        return aiohttp.Fingerprint(bytes.fromhex(normalize_fingerprint(pin)))
    return verify


def _describe(der: bytes) -> tuple[str, str, str]:
    """Subject, issuer and end of validity of a DER certificate (empty when unreadable)."""
    try:
        from cryptography import x509  # noqa: PLC0415 - optional, only for display

        cert = x509.load_der_x509_certificate(der)
        return (
            cert.subject.rfc4514_string(),
            cert.issuer.rfc4514_string(),
            cert.not_valid_after_utc.isoformat(),
        )
    except Exception:  # any certificate we cannot describe is still pinnable
        _LOGGER.debug("Could not describe the certificate", exc_info=True)
        return "", "", ""


def describe_certificate(der: bytes) -> PeerCertificate:
    """Fingerprint, subject, issuer and expiry of a DER certificate."""
    subject, issuer, not_after = _describe(der)
    return PeerCertificate(
        der=der,
        sha256=sha256_fingerprint(der),
        subject=subject,
        issuer=issuer,
        not_after=not_after,
    )


def _unverified_context() -> ssl.SSLContext:
    """A client context that completes any handshake (we only look at the certificate)."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


async def async_fetch_certificate(
    base_url: str | URL, *, seconds: float = FETCH_TIMEOUT
) -> PeerCertificate:
    """Read the certificate the server at ``base_url`` (https) presents, without trusting it.

    Nothing is sent but the TLS handshake. Raises EnergyHubConnectionError when the
    server cannot be reached or presents no certificate.
    """
    url = URL(str(base_url))
    host = url.host
    if url.scheme != "https" or not host:
        raise EnergyHubConnectionError("Only an https address has a certificate")
    port = url.port or 443
    writer: asyncio.StreamWriter | None = None
    try:
        async with asyncio.timeout(seconds):
            _reader, writer = await asyncio.open_connection(
                host, port, ssl=_unverified_context(), server_hostname=host
            )
            ssl_object = writer.get_extra_info("ssl_object")
            der = ssl_object.getpeercert(binary_form=True) if ssl_object is not None else None
    except TimeoutError as err:
        raise EnergyHubConnectionError(f"Timeout reading the certificate of {host}") from err
    except (OSError, ssl.SSLError) as err:
        raise EnergyHubConnectionError(
            f"Cannot read the certificate of {host}: {type(err).__name__}"
        ) from err
    finally:
        if writer is not None:
            writer.close()
            with contextlib.suppress(OSError, TimeoutError):
                async with asyncio.timeout(seconds):
                    await writer.wait_closed()
    if not der:
        raise EnergyHubConnectionError(f"{host} presented no certificate")
    return describe_certificate(der)
