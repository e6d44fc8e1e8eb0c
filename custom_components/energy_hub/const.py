"""Constants of the Energy Hub integration."""

from __future__ import annotations

import logging
from typing import Final

DOMAIN: Final = "energy_hub"
LOGGER = logging.getLogger(__package__)

#: Config-entry data key naming the vendor (a key of ``vendors.VENDORS``).
CONF_VENDOR: Final = "vendor"
#: Config-entry data key: verify the device's TLS certificate with the usual authorities.
#: False with a pinned certificate (``CONF_CERTIFICATE_SHA256``): exactly that one is accepted.
#: False without a pin only in entries from before version 1.2 (the pin is learned at the
#: next successful connection). A missing flag means True.
CONF_VERIFY_SSL: Final = "verify_ssl"
#: Config-entry data key: the SHA-256 fingerprint (64 hex digits) of the device's own
#: certificate the user chose to trust.
CONF_CERTIFICATE_SHA256: Final = "certificate_sha256"

#: Config-entry version this code writes (``ConfigFlow.VERSION``/``MINOR_VERSION``).
#: Older entries are migrated by ``async_migrate_entry`` (and ``Vendor.async_migrate_entry``).
#: 1.2: ``verify_ssl`` always stored for vendors with TLS pinning.
#: 1.3: EKM meter unique ids and devices scoped to the gateway.
CONFIG_VERSION: Final = 1
CONFIG_MINOR_VERSION: Final = 3

#: Keys that are always redacted from diagnostics.
TO_REDACT: Final = frozenset(
    {
        "password",
        "token",
        "api_token",
        "api_key",
        "key",
        "jwt",
        "access_token",
        "serial",
        "serial_number",
        "serialNumber",
        "mac",
        "unique_id",
        "username",
        "email",
        "title",
    }
)
