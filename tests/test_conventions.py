"""Conventions every vendor's entities follow (README "Entities in general")."""

from __future__ import annotations

from homeassistant.components.sensor import SensorDeviceClass
from homeassistant.const import PERCENTAGE

from custom_components.energy_hub.vendors.egauge.descriptions import RATE_SENSORS, TOTAL_SENSORS
from custom_components.energy_hub.vendors.ekm.descriptions import SENSORS as EKM_SENSORS
from custom_components.energy_hub.vendors.goe.descriptions import CATALOGUE as GOE_KEYS


def test_power_factor_is_a_percentage() -> None:
    """One power-factor convention: device class power_factor, unit %, 0-100 (100 = unity)."""
    units = {
        **{
            f"ekm {d.key}": d.native_unit_of_measurement
            for d in (*EKM_SENSORS, *RATE_SENSORS.values(), *TOTAL_SENSORS.values())
            if d.device_class is SensorDeviceClass.POWER_FACTOR
        },
        **{
            f"goe {k.key}": k.unit
            for k in GOE_KEYS
            if k.device_class == SensorDeviceClass.POWER_FACTOR
        },
    }
    assert any(k.startswith("ekm") for k in units)
    assert any(k.startswith("goe") for k in units)
    assert {key: unit for key, unit in units.items() if unit != PERCENTAGE} == {}
