"""Constants of the EMS gateway vendor."""

from __future__ import annotations

from typing import Final

VENDOR_KEY: Final = "ems"
#: A bare host means HTTPS: the Webapi is served over TLS (seed 002).
DEFAULT_SCHEME: Final = "https"
MANUFACTURER: Final = "Carlo Gavazzi"
#: Option key of the meanings the user confirmed: ``{"<si>": "<choice key>"}``.
CONF_MEANINGS: Final = "ems_meanings"
#: Option: days of the gateway's history to import as statistics when the entry starts.
CONF_HISTORY_DAYS: Final = "ems_history_days"
