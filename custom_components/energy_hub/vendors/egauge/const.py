"""Constants of the eGauge vendor."""

from __future__ import annotations

from typing import Final

VENDOR_KEY: Final = "egauge"
#: The user name the connection form suggests (an eGauge meter's default account).
DEFAULT_USERNAME: Final = "owner"
