"""Entity descriptions of the EMS vendor: one per signal (from the ``si`` table) and the button."""

from __future__ import annotations

from homeassistant.components.button import ButtonEntityDescription
from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import EntityCategory

from ...api.ems_signals import GENERIC_NAME_KEY, SignalType

REDISCOVER = ButtonEntityDescription(
    key="rediscover",
    translation_key="ems_rediscover",
    entity_category=EntityCategory.CONFIG,
)


def describe(uid: int, row: SignalType | None) -> SensorEntityDescription:
    """The entity description of a signal with table row ``row`` (None: unknown code)."""
    if row is None:
        return SensorEntityDescription(key=f"signal_{uid}", translation_key=GENERIC_NAME_KEY)
    return SensorEntityDescription(
        key=f"signal_{uid}",
        translation_key=row.name_key,
        device_class=SensorDeviceClass(row.device_class) if row.device_class else None,
        native_unit_of_measurement=row.unit,
        state_class=SensorStateClass(row.state_class) if row.state_class else None,
    )
