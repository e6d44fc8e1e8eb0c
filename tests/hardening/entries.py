"""Energy Hub entries of every vendor, set up in Home Assistant against their simulators."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.energy_hub.const import CONF_VENDOR, CONF_VERIFY_SSL, DOMAIN
from custom_components.energy_hub.vendors.ekm import VENDOR as EKM
from custom_components.energy_hub.vendors.goe import VENDOR as GOE
from simulators.base import Simulator
from simulators.egauge import EgaugeSimulator
from simulators.ekm import GATEWAY, EkmSimulator
from simulators.ems import EmsSimulator
from simulators.goe import GoeSimulator

from ..conftest import StartSimulator

VENDORS = ("egauge", "ems", "ekm", "goe")
#: Distinctive secrets, so a leak cannot hide behind an ordinary word.
EGAUGE_PASSWORD = "Eg-pw-4f9Qz!x"
EMS_PASSWORD = "Ems-pw-8kR2m#"
EKM_KEY = "RUtNLWtleS1zZWNyZXQtOTE3"
EKM_TOKEN = "ekm-token-Zq7Xw2Lp9Vb"
GOE_TOKEN = "goe-token-Hn5Ty8Uc3Jd"
EKM_METERS = ["000300000001", "000300000002", "000000000099"]


@dataclass
class Setup:
    """A vendor's simulator, its set-up entry and the secrets of that entry."""

    vendor: str
    sim: Simulator
    entry: MockConfigEntry
    secrets: tuple[str, ...]
    #: the path the vendor polls
    poll_path: str

    @property
    def coordinator(self) -> Any:
        """The entry's coordinator."""
        return self.entry.runtime_data.coordinator


def start_args(vendor: str) -> tuple[Simulator, dict[str, Any], str, tuple[str, ...], str]:
    """Simulator, entry data, unique id, secrets and polled path of a vendor."""
    if vendor == "egauge":
        eg = EgaugeSimulator(password=EGAUGE_PASSWORD)
        data = {"host": "", "username": "owner", "password": EGAUGE_PASSWORD}
        return eg, data, eg.serial, (EGAUGE_PASSWORD,), "/api/register"
    if vendor == "ems":
        ems = EmsSimulator(password=EMS_PASSWORD)
        data = {"host": "", "username": "admin", "password": EMS_PASSWORD}
        return ems, data, ems.serial, (EMS_PASSWORD,), "/v1/signals/realtime"
    if vendor == "ekm":
        ekm = EkmSimulator(token=EKM_TOKEN, key=EKM_KEY)
        data = {
            "api_key": EKM_KEY,
            "api_token": EKM_TOKEN,
            "ekm_gateway": GATEWAY,
            "ekm_meters": list(EKM_METERS),
            "ekm_meter_info": {
                "000300000001": {"protocol": "v4", "gateway": GATEWAY},
                "000300000002": {"protocol": "v4", "gateway": GATEWAY},
                "000000000099": {"protocol": "v3", "gateway": GATEWAY},
            },
        }
        return ekm, data, GATEWAY, (EKM_KEY, EKM_TOKEN), "/readMeter"
    goe = GoeSimulator(token=GOE_TOKEN)
    data = {"goe_mode": "cloud", "serial": goe.serial, "api_token": GOE_TOKEN}
    return goe, data, f"goe_{goe.serial}", (GOE_TOKEN,), f"/cloud/{goe.serial}/api/status"


async def setup_vendor(hass: HomeAssistant, vendor: str, start: StartSimulator) -> Setup:
    """Start the vendor's simulator and set up an entry for it (hosts must point at it)."""
    sim, data, unique_id, secrets, path = start_args(vendor)
    await start(sim)
    if "host" in data:
        data["host"] = sim.url
        data[CONF_VERIFY_SSL] = False
    if vendor in ("ekm", "goe"):
        EKM.api_url = EKM.push_url = sim.url
        GOE.cloud_url_template = f"{sim.url}/cloud/{{serial}}"
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=f"{vendor} device",
        unique_id=unique_id,
        data={CONF_VENDOR: vendor, **data},
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return Setup(vendor, sim, entry, secrets, path)
