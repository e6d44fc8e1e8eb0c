"""Constants of the Energy Hub integration."""

from __future__ import annotations

import logging
from typing import Final

DOMAIN: Final = "energy_hub"
LOGGER = logging.getLogger(__package__)

#: Config-entry data key naming the vendor (a key of ``vendors.VENDORS``).
CONF_VENDOR: Final = "vendor"
#: Config-entry data key: verify the device's TLS certificate (False for self-signed ones).
CONF_VERIFY_SSL: Final = "verify_ssl"

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
