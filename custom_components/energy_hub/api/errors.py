"""Errors raised by the Energy Hub vendor clients.

This package has no Home Assistant imports: the Home Assistant glue maps these
errors onto config-flow errors, ``ConfigEntryAuthFailed`` and ``UpdateFailed``.
"""

from __future__ import annotations


class EnergyHubApiError(Exception):
    """Base class of every error a vendor client raises."""


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
        self.detail = detail


class EnergyHubUnavailableError(EnergyHubApiError):
    """The device answered that it has no data for now (e.g. a charger that is offline).

    ``reason`` is a short machine-readable key the integration translates.
    """

    def __init__(self, message: str, *, reason: str) -> None:
        """Keep the machine-readable reason."""
        super().__init__(message)
        self.reason = reason
