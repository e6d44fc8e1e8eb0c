"""Errors raised by the Energy Hub vendor clients.

This package has no Home Assistant imports: the Home Assistant glue maps these
errors onto config-flow errors, ``ConfigEntryAuthFailed`` and ``UpdateFailed``.
"""

from __future__ import annotations

from .redact import redact


class EnergyHubApiError(Exception):
    """Base class of every error a vendor client raises.

    The message passes through the redaction step (:func:`.redact.redact`): secret-looking
    query values, bearer tokens and JWTs never reach an error text. Clients remove their
    own secrets before building the message.
    """

    def __init__(self, message: str = "") -> None:
        """Keep the redacted message."""
        super().__init__(redact(message))


class EnergyHubConnectionError(EnergyHubApiError):
    """The device or cloud could not be reached, timed out, or closed the connection."""


class EnergyHubCertificateError(EnergyHubConnectionError):
    """The device's TLS certificate could not be verified (often a self-signed one)."""


class EnergyHubCertificateChangedError(EnergyHubCertificateError):
    """The device presented another certificate than the one pinned for it."""


class EnergyHubAuthError(EnergyHubApiError):
    """The credentials were refused (wrong password, revoked or unknown token)."""


class EnergyHubResponseError(EnergyHubApiError):
    """The device answered, but not with what the API document describes.

    Raised for unexpected HTTP status codes and for malformed or mistyped payloads.
    """

    def __init__(self, message: str, *, status: int | None = None) -> None:
        """Keep the HTTP status (when there is one) next to the message."""
        super().__init__(message)
        self.status = status


class EnergyHubRequestError(EnergyHubApiError):
    """The device refused a request as invalid (a 400 or 422 with the device's reason)."""

    def __init__(self, message: str, *, status: int | None = None, detail: str = "") -> None:
        """Keep the HTTP status and the device's own error text."""
        super().__init__(message)
        self.status = status
        self.detail = redact(detail)


class EnergyHubUnavailableError(EnergyHubApiError):
    """The device answered that it has no data for now (e.g. a charger that is offline).

    ``reason`` is a short machine-readable key the integration translates.
    """

    def __init__(self, message: str, *, reason: str) -> None:
        """Keep the machine-readable reason."""
        super().__init__(message)
        self.reason = reason


class EnergyHubRedirectError(EnergyHubResponseError):
    """The device answered with a redirect; no request of ours follows one.

    ``location`` is the target without its query string, user info or fragment.
    """

    def __init__(self, message: str, *, status: int, location: str) -> None:
        """Keep the (stripped) target of the redirect."""
        super().__init__(message, status=status)
        self.location = location


#: ``EnergyHubUnavailableError.reason`` of a rate-limited request (HTTP 429).
REASON_RATE_LIMITED = "rate_limited"


class EnergyHubRateLimitError(EnergyHubUnavailableError):
    """The device or cloud answered HTTP 429: too many requests.

    ``retry_after`` is how many seconds to wait before the next request (from the
    ``Retry-After`` header, or the client's default back-off when it had none).
    """

    def __init__(self, message: str, *, retry_after: float) -> None:
        """Keep the back-off in seconds."""
        super().__init__(message, reason=REASON_RATE_LIMITED)
        self.retry_after = retry_after
