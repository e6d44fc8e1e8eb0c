"""Constants of the eGauge vendor."""

from __future__ import annotations

from datetime import timedelta
from typing import Final

VENDOR_KEY: Final = "egauge"
#: The user name the connection form suggests (an eGauge meter's default account).
DEFAULT_USERNAME: Final = "owner"
#: Option: days of the meter's history to import as statistics when the entry starts.
CONF_HISTORY_DAYS: Final = "egauge_history_days"
DEFAULT_HISTORY_DAYS: Final = 30
#: Option: keys of the power registers whose sign is flipped (imported <-> exported).
CONF_INVERTED: Final = "egauge_inverted"
#: The options step choosing them.
STEP_SIGNS: Final = "egauge_signs"
#: After our own reboot command the meter is unreachable for a while: failed polls in
#: this time are expected (logged at info level, not as errors).
REBOOT_GRACE: Final = timedelta(minutes=3)
