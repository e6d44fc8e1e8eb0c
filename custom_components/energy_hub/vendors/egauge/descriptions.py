"""What each eGauge register type becomes in Home Assistant.

Every register gets a sensor of its current rate (power, voltage, temperature ...). Types
whose cumulative value means something (energy for power registers, kvarh, Ah, m³ ...) get a
second sensor with that total. eGauge counters are net counters that may run backwards (a
grid register while exporting, a solar register reading negative), so every total has
``state_class: total``: Home Assistant then accounts decreases correctly, which
``total_increasing`` cannot.

Power registers (physical and virtual) also get ``imported`` and ``exported`` energy: the
positive and the negative steps of the counter, added up separately from the meter's own
1 s rows, each ``total_increasing`` (what the Energy dashboard wants). A diagnostic sensor
shows how far the import of the meter's history into the statistics has got.
"""

from __future__ import annotations

from dataclasses import dataclass

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import (
    DEGREE,
    PERCENTAGE,
    UnitOfApparentPower,
    UnitOfElectricCurrent,
    UnitOfElectricPotential,
    UnitOfEnergy,
    UnitOfFrequency,
    UnitOfIrradiance,
    UnitOfMass,
    UnitOfPower,
    UnitOfPressure,
    UnitOfRatio,
    UnitOfReactiveEnergy,
    UnitOfReactivePower,
    UnitOfSpeed,
    UnitOfTemperature,
    UnitOfVolume,
    UnitOfVolumeFlowRate,
)

from ...statistics import history_import_description


@dataclass(frozen=True, kw_only=True)
class EgaugeSensorDescription(SensorEntityDescription):
    """A register sensor: ``total`` picks the cumulative value instead of the rate.

    A total's name adds a word to the register's name ("Grid energy"); when the register's
    name already ends with one of ``doubled_words`` ("Apparent", "Irradiance"), the name
    ``short_translation_key`` is used instead, so no word is doubled ("Apparent energy",
    not "Apparent apparent energy").
    """

    total: bool = False
    #: ``imported`` or ``exported``: that part of a power register's counter
    direction: str | None = None
    doubled_words: frozenset[str] = frozenset()
    short_translation_key: str | None = None


def _rate(
    key: str,
    device_class: SensorDeviceClass | None,
    unit: str | None,
    precision: int | None = None,
) -> EgaugeSensorDescription:
    return EgaugeSensorDescription(
        key=key,
        translation_key=f"egauge_{key}",
        device_class=device_class,
        native_unit_of_measurement=unit,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=precision,
    )


def _total(
    key: str,
    device_class: SensorDeviceClass | None,
    unit: str,
    *,
    enabled: bool = True,
    doubled: tuple[str, ...] = (),
) -> EgaugeSensorDescription:
    return EgaugeSensorDescription(
        key=key,
        translation_key=f"egauge_{key}",
        doubled_words=frozenset(doubled),
        short_translation_key=f"egauge_{key}_short" if doubled else None,
        device_class=device_class,
        native_unit_of_measurement=unit,
        state_class=SensorStateClass.TOTAL,
        suggested_display_precision=3,
        entity_registry_enabled_default=enabled,
        total=True,
    )


_POWER = _rate("power", SensorDeviceClass.POWER, UnitOfPower.WATT, 0)
_REACTIVE = _rate(
    "reactive_power", SensorDeviceClass.REACTIVE_POWER, UnitOfReactivePower.VOLT_AMPERE_REACTIVE, 0
)
_VOLTAGE = _rate("voltage", SensorDeviceClass.VOLTAGE, UnitOfElectricPotential.VOLT, 1)
_CURRENT = _rate("current", SensorDeviceClass.CURRENT, UnitOfElectricCurrent.AMPERE, 2)
_NUMBER = _rate("number", None, None)
_CHARGE_TOTAL = _total("charge", None, "Ah", enabled=False)

#: Type code -> the rate sensor.
RATE_SENSORS: dict[str, EgaugeSensorDescription] = {
    "P": _POWER,
    "S": _rate(
        "apparent_power", SensorDeviceClass.APPARENT_POWER, UnitOfApparentPower.VOLT_AMPERE, 0
    ),
    "var": _REACTIVE,
    "PQ": _REACTIVE,
    "V": _VOLTAGE,
    "Vdc": _VOLTAGE,
    "I": _CURRENT,
    "Idc": _CURRENT,
    "F": _rate("frequency", SensorDeviceClass.FREQUENCY, UnitOfFrequency.HERTZ, 2),
    "T": _rate("temperature", SensorDeviceClass.TEMPERATURE, UnitOfTemperature.CELSIUS, 1),
    "dT": _rate("temperature_difference", None, UnitOfTemperature.CELSIUS, 1),
    "h": _rate("humidity", SensorDeviceClass.HUMIDITY, PERCENTAGE, 1),
    "%": _rate("percentage", None, PERCENTAGE, 1),
    "THD": _rate("thd", None, PERCENTAGE, 1),
    "Ee": _rate(
        "irradiance", SensorDeviceClass.IRRADIANCE, UnitOfIrradiance.WATTS_PER_SQUARE_METER, 0
    ),
    "Pa": _rate("pressure", SensorDeviceClass.PRESSURE, UnitOfPressure.PA, 0),
    "ppm": _rate("ppm", None, UnitOfRatio.PARTS_PER_MILLION, 0),
    "v": _rate("speed", SensorDeviceClass.SPEED, UnitOfSpeed.METERS_PER_SECOND, 1),
    "a": _rate("angle", None, DEGREE, 1),
    "m": _rate("mass", SensorDeviceClass.WEIGHT, UnitOfMass.GRAMS, 1),
    "Q": _rate("mass_flow", None, "g/s", 1),
    "Qe": _rate("charge_rate", None, "Ah", 3),
    "Qv": _rate(
        "volume_flow",
        SensorDeviceClass.VOLUME_FLOW_RATE,
        UnitOfVolumeFlowRate.CUBIC_METERS_PER_SECOND,
        6,
    ),
    "R": _rate("resistance", None, "Ω", 1),
    "aq": _rate("air_quality", SensorDeviceClass.AQI, None, 0),
    "$": _rate("cost_rate", None, None, 6),
    "#": _NUMBER,
    "#3": _NUMBER,
    "d": _NUMBER,
}

#: Type code -> the sensor of its cumulative value (only where that means something).
TOTAL_SENSORS: dict[str, EgaugeSensorDescription] = {
    "P": _total("energy", SensorDeviceClass.ENERGY, UnitOfEnergy.KILO_WATT_HOUR),
    "var": _total(
        "reactive_energy",
        SensorDeviceClass.REACTIVE_ENERGY,
        UnitOfReactiveEnergy.KILO_VOLT_AMPERE_REACTIVE_HOUR,
        enabled=False,
        doubled=("reactive", "blind", "blindleistung", "blindenergie"),
    ),
    "PQ": _total(
        "reactive_energy",
        SensorDeviceClass.REACTIVE_ENERGY,
        UnitOfReactiveEnergy.KILO_VOLT_AMPERE_REACTIVE_HOUR,
        enabled=False,
        doubled=("reactive", "blind", "blindleistung", "blindenergie"),
    ),
    "S": _total(
        "apparent_energy",
        None,
        "kVAh",
        enabled=False,
        doubled=("apparent", "schein", "scheinleistung", "scheinenergie"),
    ),
    "Ee": _total(
        "irradiation",
        None,
        "kWh/m²",
        enabled=False,
        doubled=("irradiance", "irradiation", "einstrahlung", "strahlung"),
    ),
    "I": _CHARGE_TOTAL,
    "Idc": _CHARGE_TOTAL,
    "Qv": _total("volume", SensorDeviceClass.VOLUME, UnitOfVolume.CUBIC_METERS),
}


def descriptions_for(type_code: str) -> list[EgaugeSensorDescription]:
    """The sensors of a register type (none for a type code this integration does not know)."""
    return [d for d in (RATE_SENSORS.get(type_code), TOTAL_SENSORS.get(type_code)) if d]


#: Imported and exported energy of a power register (only ever increase).
SPLIT_SENSORS: tuple[EgaugeSensorDescription, ...] = tuple(
    EgaugeSensorDescription(
        key=f"energy_{direction}",
        translation_key=f"egauge_energy_{direction}",
        device_class=SensorDeviceClass.ENERGY,
        native_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
        state_class=SensorStateClass.TOTAL_INCREASING,
        suggested_display_precision=3,
        direction=direction,
    )
    for direction in ("imported", "exported")
)

#: Progress of the history import (percent).
HISTORY_IMPORT = history_import_description("egauge_history_import")
