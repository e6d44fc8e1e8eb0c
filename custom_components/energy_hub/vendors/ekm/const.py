"""Constants of the EKM vendor."""

from __future__ import annotations

from datetime import timedelta
from typing import Final

VENDOR_KEY: Final = "ekm"

#: Config-entry data: the gateway (Push3 MAC) the entry manages, the meters read,
#: and what the flow learned about each meter (protocol, gateway).
CONF_GATEWAY: Final = "ekm_gateway"
CONF_METERS: Final = "ekm_meters"
CONF_METER_INFO: Final = "ekm_meter_info"

#: Name prefix of the one-shot triggers the relay switches create (and clean up).
RELAY_TRIGGER_PREFIX: Final = "energy_hub relay command"

#: How long a relay command may take before the switch stops assuming its state.
RELAY_CONFIRM_TIMEOUT: Final = timedelta(seconds=120)

MANUFACTURER: Final = "EKM Metering"
