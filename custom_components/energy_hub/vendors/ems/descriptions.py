"""Entity descriptions of the EMS vendor: one per signal (from its code's meaning) and the button.

What is enabled by default is declared here: per load the quantities a user looks at
(active power, energy imported and exported), and on the main meter's load its voltages
and currents. Everything else is created disabled, so that a gateway with thousands of
signals does not enable thousands of entities.
"""

from __future__ import annotations

from typing import Final

from homeassistant.components.button import ButtonEntityDescription
from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import EntityCategory

from ...api.ems_signals import Meaning
from ...statistics import history_import_description

#: How far the import of the gateway's history into the statistics has got (percent).
HISTORY_IMPORT = history_import_description("ems_history_import")

REDISCOVER = ButtonEntityDescription(
    key="rediscover",
    translation_key="ems_rediscover",
    entity_category=EntityCategory.CONFIG,
)


#: Sensors enabled by default on every load: the quantities a user looks at.
DEFAULT_NAME_KEYS: Final = frozenset(
    {
        "ems_active_power",
        "ems_energy_import",
        "ems_energy_export",
        "ems_q_active_power",
        "ems_q_active_energy",
    }
)
#: Also enabled by default on the main meter's load: its voltages and currents.
MAIN_NAME_KEYS: Final = frozenset(
    {
        "ems_voltage",
        "ems_voltage_l1",
        "ems_voltage_l2",
        "ems_voltage_l3",
        "ems_current",
        "ems_current_l1",
        "ems_current_l2",
        "ems_current_l3",
        "ems_q_voltage",
        "ems_q_current",
    }
)


def enabled_by_default(meaning: Meaning, main: bool) -> bool:
    """Whether a signal's sensor is enabled when it is first created."""
    key = meaning.name_key
    return key in DEFAULT_NAME_KEYS or (main and key in MAIN_NAME_KEYS)


def describe(uid: int, meaning: Meaning, *, main: bool) -> SensorEntityDescription:
    """The entity description of signal ``uid`` with ``meaning`` (on the main load or not)."""
    return SensorEntityDescription(
        key=f"signal_{uid}",
        translation_key=meaning.name_key,
        device_class=SensorDeviceClass(meaning.device_class) if meaning.device_class else None,
        native_unit_of_measurement=meaning.unit,
        state_class=SensorStateClass(meaning.state_class) if meaning.state_class else None,
        entity_registry_enabled_default=enabled_by_default(meaning, main),
    )
