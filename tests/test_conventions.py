"""Conventions every vendor's entities follow (README "Entities in general")."""

from __future__ import annotations

from homeassistant.components.sensor import SensorDeviceClass, SensorEntityDescription
from homeassistant.const import PERCENTAGE

from custom_components.energy_hub.vendors.egauge.descriptions import RATE_SENSORS, TOTAL_SENSORS
from custom_components.energy_hub.vendors.ekm.descriptions import SENSORS as EKM_SENSORS
from custom_components.energy_hub.vendors.goe.descriptions import SENSORS as GOE_SENSORS

DESCRIPTIONS: list[SensorEntityDescription] = [
    *EKM_SENSORS,
    *GOE_SENSORS,
    *RATE_SENSORS.values(),
    *TOTAL_SENSORS.values(),
]


def test_power_factor_is_a_percentage() -> None:
    """One power-factor convention: device class power_factor, unit %, 0-100 (100 = unity)."""
    power_factors = [d for d in DESCRIPTIONS if d.device_class is SensorDeviceClass.POWER_FACTOR]
    assert len(power_factors) >= 2  # EKM and go-e have them
    for description in power_factors:
        assert description.native_unit_of_measurement == PERCENTAGE, description.key
