"""Vendor HTTP clients for Energy Hub.

Nothing in this package imports Home Assistant: each client takes an aiohttp session
and could be published as a library of its own.
"""

from .errors import (
    EnergyHubApiError,
    EnergyHubAuthError,
    EnergyHubCertificateChangedError,
    EnergyHubCertificateError,
    EnergyHubConnectionError,
    EnergyHubRateLimitError,
    EnergyHubRedirectError,
    EnergyHubRequestError,
    EnergyHubResponseError,
    EnergyHubUnavailableError,
)

__all__ = [
    "EnergyHubApiError",
    "EnergyHubAuthError",
    "EnergyHubCertificateChangedError",
    "EnergyHubCertificateError",
    "EnergyHubConnectionError",
    "EnergyHubRateLimitError",
    "EnergyHubRedirectError",
    "EnergyHubRequestError",
    "EnergyHubResponseError",
    "EnergyHubUnavailableError",
]
