"""The eGauge coordinator: one ``/api/register`` request per poll."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from homeassistant.core import HomeAssistant

from ...api.egauge import REASON_NONCE_EXPIRED, EgaugeClient, MeterInfo, RegisterData
from ...contract import EnergyHubConfigEntry, EnergyHubRuntimeData
from ...coordinator import EnergyHubCoordinator


class EgaugeCoordinator(EnergyHubCoordinator[RegisterData]):
    """Polls every register of one meter."""

    #: a meter declaring every fresh login nonce expired has a clock problem only the user
    #: can fix (on the meter): a repair issue says so while it lasts
    repair_reasons = frozenset({REASON_NONCE_EXPIRED})

    def __init__(
        self,
        hass: HomeAssistant,
        entry: EnergyHubConfigEntry,
        client: EgaugeClient,
        meter: MeterInfo,
        update_interval: timedelta,
    ) -> None:
        """Poll at the entry's interval."""
        super().__init__(
            hass, entry, name=f"eGauge {meter.serial}", update_interval=update_interval
        )
        self.client = client
        self.meter = meter

    async def _async_fetch(self) -> RegisterData:
        return await self.client.async_get_registers()


@dataclass(kw_only=True)
class EgaugeRuntimeData(EnergyHubRuntimeData):
    """Runtime data of an eGauge entry: also the meter's identity."""

    meter: MeterInfo
