"""The go-eCharger key catalogue: one row per entity, entities are generated from it.

A row (``GoeKey``) says which platform the entity lives on, where its value is in the status
object (``path``: the API key, then an index or field; ``alt_paths`` for the same value under
another firmware's key), its unit, classes, entity category, whether it is enabled by
default, the code table of an enum, the range of a number and how it is written. Adding a key
is one row here plus its name (``strings.en.json``, ``strings.de.json``) and its icon
(``icons.json``).

The row's ``key`` is the last part of the unique id (``goe_<serial>_<key>``): never change
the key of a row that shipped (the rows under "rows of earlier releases" keep the unique ids,
entity ids and history of the entities before the catalogue; tests/goe/test_catalogue.py
checks them).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from homeassistant.components.number import NumberDeviceClass, NumberMode
from homeassistant.components.sensor import SensorDeviceClass, SensorStateClass
from homeassistant.const import (
    PERCENTAGE,
    SIGNAL_STRENGTH_DECIBELS_MILLIWATT,
    EntityCategory,
    Platform,
    UnitOfElectricCurrent,
    UnitOfElectricPotential,
    UnitOfEnergy,
    UnitOfFrequency,
    UnitOfPower,
    UnitOfTemperature,
    UnitOfTime,
)

from ...api.values import finite_float
from .const import (
    CABLE_LOCK_MODES,
    CAR_STATES,
    ERRORS,
    FORCE_STATES,
    LOGIC_MODES,
    MODEL_STATUS,
    PHASE_MODES,
)

#: Where a value is: the API key, then list indexes and object fields.
Path = tuple[str | int, ...]
Data = Mapping[str, Any]

_CONFIG = EntityCategory.CONFIG
_DIAG = EntityCategory.DIAGNOSTIC
_W = UnitOfPower.WATT
_V = UnitOfElectricPotential.VOLT
_A = UnitOfElectricCurrent.AMPERE
_S = UnitOfTime.SECONDS
_KWH = UnitOfEnergy.KILO_WATT_HOUR
#: milliseconds (the charger's unit of durations) shown in seconds
_MS = 0.001
#: Wh shown in kWh
_KILO = 0.001


@dataclass(frozen=True, kw_only=True)
class GoeKey:
    """One entity of the charger, described as data."""

    #: Last part of the unique id; also the translation key unless ``name`` is given.
    key: str
    platform: Platform
    path: Path
    #: The same value under other firmware (e.g. ``cards`` before firmware 60).
    alt_paths: tuple[Path, ...] = ()
    #: Translation key (default: ``key``) and its placeholders.
    name: str | None = None
    placeholders: Mapping[str, str] | None = None
    unit: str | None = None
    device_class: str | None = None
    state_class: SensorStateClass | None = None
    category: EntityCategory | None = None
    enabled: bool = False
    #: Enum sensors and selects: code -> state (translation) name.
    options: Mapping[Any, str] | None = None
    #: Numbers: range and step in Home Assistant's unit.
    minimum: float | None = None
    maximum: float | None = None
    step: float | None = None
    mode: NumberMode = NumberMode.BOX
    #: The maximum the charger allows right now (e.g. ``ama`` for ``amp``), from its data.
    max_fn: Callable[[Data], float] | None = None
    #: Home Assistant value = charger value x scale (ms -> s, Wh -> kWh, s -> h).
    scale: float = 1.0
    #: Numbers: the charger's ``null`` is shown as 0 and 0 is written as ``null``.
    zero_is_null: bool = False
    #: Switches and binary sensors: the charger values meaning on and off.
    on_value: Any = True
    off_value: Any = False
    #: Buttons: what is written to ``path[0]``.
    press_value: Any = None
    precision: int | None = None
    #: Further keys the entity needs (attributes, limits).
    extra_keys: tuple[str, ...] = ()
    #: Extra state attributes: name -> paths (first found wins).
    attributes: Mapping[str, tuple[Path, ...]] = field(default_factory=dict)
    #: Read the value differently (raw charger data -> value); None = follow ``path``.
    value_fn: Callable[[Data], Any] | None = None

    @property
    def translation_key(self) -> str:
        """The name's translation key."""
        return self.name or self.key

    @property
    def paths(self) -> tuple[Path, ...]:
        """Every path, this firmware's first."""
        return (self.path, *self.alt_paths)

    @property
    def api_keys(self) -> frozenset[str]:
        """The status keys this entity needs in the poll's filter (none for commands)."""
        if self.platform is Platform.BUTTON:
            return frozenset()
        keys = {str(p[0]) for p in self.paths}
        keys.update(str(p[0]) for paths in self.attributes.values() for p in paths)
        keys.update(self.extra_keys)
        return frozenset(keys)

    @property
    def writable(self) -> bool:
        """True for the platforms that write."""
        return self.platform in WRITING_PLATFORMS


WRITING_PLATFORMS: Final = frozenset(
    {Platform.NUMBER, Platform.SELECT, Platform.SWITCH, Platform.BUTTON, Platform.TEXT}
)


# -- code tables (state names are translation keys) ------------------------------------------

#: bac, sdp: when the charger's button may change current or force state
BUTTON_LOCKS: Final = {
    0: "always_locked",
    1: "locked_when_connected",
    2: "locked_when_charging",
    3: "never_locked",
}
#: loty: load balancing type
LOAD_BALANCING_TYPES: Final = {0: "static", 1: "dynamic"}
#: tds: daylight saving time rule
DST_MODES: Final = {0: "none", 1: "european", 2: "us"}
#: frm: rounding mode of the PV surplus logic
ROUNDING_MODES: Final = {0: "prefer_from_grid", 1: "default", 2: "prefer_to_grid"}
#: awc: flexible tariff (aWATTar) country
TARIFF_COUNTRIES: Final = {0: "austria", 1: "germany"}
#: sch_*.control: scheduler
SCHEDULER_CONTROLS: Final = {0: "disabled", 1: "inside", 2: "outside"}
#: cus: cable unlock status
CABLE_UNLOCK_STATES: Final = {
    0: "unknown",
    1: "unlocked",
    2: "unlock_failed",
    3: "locked",
    4: "lock_failed",
    5: "power_outage_unlock",
}
#: ffb: lock feedback
LOCK_FEEDBACK: Final = {0: "no_problem", 1: "problem_lock", 2: "problem_unlock"}
#: lck: effective lock setting
EFFECTIVE_LOCKS: Final = {0: "normal", 1: "auto_unlock", 2: "always_lock", 3: "force_unlock"}
#: pwm: phase wish of the PV logic
PHASE_WISHES: Final = {0: "force_3", 1: "wish_1", 2: "wish_3"}
#: wst: Wi-Fi station status
WIFI_STATES: Final = {
    0: "idle",
    1: "no_ssid",
    2: "scan_completed",
    3: "connected",
    4: "connect_failed",
    5: "connection_lost",
    6: "disconnected",
    8: "connecting",
    9: "disconnecting",
    10: "no_shield",
}
#: tsss: time server sync status
TIME_SYNC_STATES: Final = {0: "reset", 1: "completed", 2: "in_progress"}
#: trx: transaction (null none, 0 without card, n = card n)
TRANSACTIONS: Final[dict[int | None, str]] = {
    None: "none",
    0: "without_card",
    **{n: f"card_{n}" for n in range(1, 11)},
}
#: modelStatus when no car is connected: the charger's reason says nothing then
NO_CAR: Final = "no_car"
REASONS: Final = {
    **MODEL_STATUS,
    # codes of the firmware 60.4 key export
    36: "floor_detected",
    37: "ocpp_inoperable",
    38: "undervoltage_control",
    39: "zero_setpoint",
    40: "initializing",
    41: "failsafe_limit",
    -1: NO_CAR,
}


def _no_car_reason(data: Data) -> Any:
    """modelStatus, or -1 (no car) while no car is connected (car = 1)."""
    return -1 if data.get("car") == 1 else data.get("modelStatus")


def charging_duration(data: Data) -> float | None:
    """cdi: type 1 = a duration in ms; type 0 = counting since ``value`` (ms since boot)."""
    cdi = data.get("cdi")
    if not isinstance(cdi, dict):
        return None
    value, rbt = _num(cdi.get("value")), _num(data.get("rbt"))
    if value is None:
        return None
    if cdi.get("type") == 1:
        return round(value / 1000, 1)
    if cdi.get("type") == 0 and rbt is not None:
        # finite_float: the difference of two huge times may overflow
        return finite_float(round(max(0.0, rbt - value) / 1000, 1))
    return None


def _num(value: Any) -> float | None:
    """A JSON number as a finite float, else None (NaN, infinities, 10**400 too)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return finite_float(value)


def _variant_max(data: Data) -> float:
    """What the variant can deliver: 16 A (11 kW) or 32 A (22 kW)."""
    return 16 if data.get("var") == 11 else 32


def _current_max(data: Data) -> float:
    """The charger's own maximum ``ama``, else what its variant can deliver."""
    ama = _num(data.get("ama"))
    return ama if ama is not None and ama >= 6 else _variant_max(data)


# -- row helpers ---------------------------------------------------------------------------


def _sensor(key: str, path: Path, **kw: Any) -> GoeKey:
    return GoeKey(key=key, platform=Platform.SENSOR, path=path, **kw)


def _measure(key: str, path: Path, dc: SensorDeviceClass, unit: str, **kw: Any) -> GoeKey:
    kw.setdefault("state_class", SensorStateClass.MEASUREMENT)
    return _sensor(key, path, device_class=dc, unit=unit, **kw)


def _enum(key: str, path: Path, options: Mapping[Any, str], **kw: Any) -> GoeKey:
    return _sensor(key, path, device_class=SensorDeviceClass.ENUM, options=options, **kw)


def _binary(key: str, path: Path, **kw: Any) -> GoeKey:
    return GoeKey(key=key, platform=Platform.BINARY_SENSOR, path=path, **kw)


def _number(key: str, path: Path, lo: float, hi: float, step: float, **kw: Any) -> GoeKey:
    kw.setdefault("category", _CONFIG)
    return GoeKey(
        key=key, platform=Platform.NUMBER, path=path, minimum=lo, maximum=hi, step=step, **kw
    )


def _watts(key: str, lo: float = 0, hi: float = 22_000, **kw: Any) -> GoeKey:
    return _number(key, (key,), lo, hi, 10, unit=_W, device_class=NumberDeviceClass.POWER, **kw)


def _millis(key: str, hi: float, **kw: Any) -> GoeKey:
    """A duration the charger keeps in ms, set in seconds."""
    return _number(
        key, (key,), 0, hi, 1, unit=_S, device_class=NumberDeviceClass.DURATION, scale=_MS, **kw
    )


def _seconds(key: str, **kw: Any) -> GoeKey:
    return _number(
        key, (key,), 0, 86_400, 1, unit=_S, device_class=NumberDeviceClass.DURATION, **kw
    )


def _select(key: str, path: Path, options: Mapping[Any, str], **kw: Any) -> GoeKey:
    kw.setdefault("category", _CONFIG)
    return GoeKey(key=key, platform=Platform.SELECT, path=path, options=options, **kw)


def _switch(key: str, **kw: Any) -> GoeKey:
    kw.setdefault("category", _CONFIG)
    return GoeKey(key=key, platform=Platform.SWITCH, path=(key,), **kw)


def _nrg(
    key: str,
    index: int,
    name: str,
    dc: SensorDeviceClass,
    unit: str,
    *,
    phase: str | None = None,
    enabled: bool = True,
) -> GoeKey:
    return _measure(
        key,
        ("nrg", index),
        dc,
        unit,
        name=name,
        placeholders={"phase": phase} if phase else None,
        enabled=enabled,
    )


def _card(index: int) -> GoeKey:
    """Energy charged with RFID card ``index`` (0-9), shown as card 1-10."""
    return _sensor(
        f"card_{index + 1}_energy",
        (f"c{index}e",),
        alt_paths=(("cards", index, "energy"),),
        name="card_energy",
        placeholders={"card": str(index + 1)},
        device_class=SensorDeviceClass.ENERGY,
        state_class=SensorStateClass.TOTAL_INCREASING,
        unit=_KWH,
        scale=_KILO,
        precision=2,
        attributes={
            "card_name": ((f"c{index}n",), ("cards", index, "name")),
            "card_id_learnt": ((f"c{index}i",), ("cards", index, "cardId")),
        },
    )


_POWER = SensorDeviceClass.POWER
_VOLT = SensorDeviceClass.VOLTAGE
_CURRENT = SensorDeviceClass.CURRENT
_PF = SensorDeviceClass.POWER_FACTOR

CATALOGUE: Final[tuple[GoeKey, ...]] = (
    # ---- rows of earlier releases (unique ids unchanged) ---------------------------------
    _nrg("power", 11, "charging_power", _POWER, _W),
    *(
        _nrg(f"power_l{n}", 6 + n, "charging_power_phase", _POWER, _W, phase=f"L{n}")
        for n in (1, 2, 3)
    ),
    *(_nrg(f"voltage_l{n}", n - 1, "voltage_phase", _VOLT, _V, phase=f"L{n}") for n in (1, 2, 3)),
    *(
        _nrg(f"current_l{n}", 3 + n, "current_phase", _CURRENT, _A, phase=f"L{n}")
        for n in (1, 2, 3)
    ),
    *(
        _nrg(
            f"power_factor_l{n}",
            11 + n,
            "power_factor_phase",
            _PF,
            PERCENTAGE,
            phase=f"L{n}",
            enabled=False,
        )
        for n in (1, 2, 3)
    ),
    _sensor(
        "wh",
        ("wh",),
        name="session_energy",
        device_class=SensorDeviceClass.ENERGY,
        state_class=SensorStateClass.TOTAL_INCREASING,
        unit=_KWH,
        scale=_KILO,
        precision=2,
        enabled=True,
    ),
    _sensor(
        "eto",
        ("eto",),
        name="total_energy",
        device_class=SensorDeviceClass.ENERGY,
        state_class=SensorStateClass.TOTAL_INCREASING,
        unit=_KWH,
        scale=_KILO,
        precision=1,
        enabled=True,
    ),
    _enum("car", ("car",), CAR_STATES, name="car_state", enabled=True),
    _enum(
        "err",
        ("err",),
        {**ERRORS, 18: "cp_invalid", **dict.fromkeys(range(20, 25), "reserved")},
        name="charger_error",
        enabled=True,
    ),
    _enum(
        "modelStatus",
        ("modelStatus",),
        REASONS,
        name="charging_reason",
        enabled=True,
        extra_keys=("car",),
        value_fn=_no_car_reason,
    ),
    _measure(
        "tma",
        ("tma", 0),
        SensorDeviceClass.TEMPERATURE,
        UnitOfTemperature.CELSIUS,
        name="temperature",
        enabled=True,
    ),
    _measure("acu", ("acu",), _CURRENT, _A, name="allowed_current", enabled=True),
    _sensor("fwv", ("fwv",), name="firmware", category=_DIAG, enabled=True),
    _measure(
        "rssi",
        ("rssi",),
        SensorDeviceClass.SIGNAL_STRENGTH,
        SIGNAL_STRENGTH_DECIBELS_MILLIWATT,
        name="wifi_signal",
        category=_DIAG,
    ),
    _number(
        "amp",
        ("amp",),
        6,
        32,
        1,
        name="charging_current",
        unit=_A,
        device_class=NumberDeviceClass.CURRENT,
        max_fn=_current_max,
        extra_keys=("ama", "var"),
        category=None,
        enabled=True,
    ),
    _number(
        "dwo",
        ("dwo",),
        0,
        200,
        0.1,
        name="session_energy_limit",
        unit=_KWH,
        device_class=NumberDeviceClass.ENERGY,
        scale=_KILO,
        zero_is_null=True,
        category=None,
        enabled=True,
    ),
    _select("frc", ("frc",), FORCE_STATES, name="force_state", category=None, enabled=True),
    _select("psm", ("psm",), PHASE_MODES, name="phase_mode", category=None, enabled=True),
    _select("lmo", ("lmo",), LOGIC_MODES, name="logic_mode", category=None, enabled=True),
    _select("ust", ("ust",), CABLE_LOCK_MODES, name="cable_lock", enabled=True),
    _switch("acs", name="access_control", on_value=1, off_value=0, category=None, enabled=True),
    # ---- measurements and state -------------------------------------------------------------
    _nrg("voltage_n", 3, "voltage_neutral", _VOLT, _V, enabled=False),
    _nrg("power_n", 10, "power_neutral", _POWER, _W, enabled=False),
    _nrg("power_factor_n", 15, "power_factor_neutral", _PF, PERCENTAGE, enabled=False),
    _measure("tpa", ("tpa",), _POWER, _W, name="power_average"),
    _measure("mmp", ("mmp",), _POWER, _W, name="max_measured_power", category=_DIAG),
    _sensor(
        "pnp",
        ("pnp",),
        name="phases_in_use",
        state_class=SensorStateClass.MEASUREMENT,
        enabled=True,
    ),
    _measure(
        "tma_1",
        ("tma", 1),
        SensorDeviceClass.TEMPERATURE,
        UnitOfTemperature.CELSIUS,
        name="temperature_2",
        category=_DIAG,
    ),
    _measure("amt", ("amt",), _CURRENT, _A, name="temperature_current_limit", category=_DIAG),
    _measure("cbl", ("cbl",), _CURRENT, _A, name="cable_current_limit", category=_DIAG),
    _measure("loa", ("loa",), _CURRENT, _A, name="load_balancing_current"),
    _measure(
        "fhz",
        ("fhz",),
        SensorDeviceClass.FREQUENCY,
        UnitOfFrequency.HERTZ,
        name="grid_frequency",
        category=_DIAG,
    ),
    _sensor(
        "cdi",
        ("cdi",),
        name="charging_duration",
        device_class=SensorDeviceClass.DURATION,
        unit=_S,
        extra_keys=("rbt",),
        value_fn=charging_duration,
    ),
    _enum("trx", ("trx",), TRANSACTIONS, name="transaction"),
    _enum("cus", ("cus",), CABLE_UNLOCK_STATES, name="cable_unlock_status", category=_DIAG),
    _enum("ffb", ("ffb",), LOCK_FEEDBACK, name="lock_feedback", category=_DIAG),
    _enum("lck", ("lck",), EFFECTIVE_LOCKS, name="effective_lock", category=_DIAG),
    _enum("pwm", ("pwm",), PHASE_WISHES, name="phase_wish", category=_DIAG),
    _binary("alw", ("alw",), name="charging_allowed", enabled=True),
    _binary("adi", ("adi",), name="adapter_16a", category=_DIAG),
    _binary("fsp", ("fsp",), name="single_phase_forced", category=_DIAG),
    _binary("ocppc", ("ocppc",), name="ocpp_connected", category=_DIAG),
    # ---- solar surplus read-back ------------------------------------------------------------
    _measure("pgrid", ("pgrid",), _POWER, _W, name="grid_power"),
    _measure("ppv", ("ppv",), _POWER, _W, name="pv_power"),
    _measure("pakku", ("pakku",), _POWER, _W, name="battery_power"),
    _measure(
        "pvopt_averagePGrid",
        ("pvopt_averagePGrid",),
        _POWER,
        _W,
        name="grid_power_average",
        category=_DIAG,
    ),
    _measure(
        "pvopt_averagePPv",
        ("pvopt_averagePPv",),
        _POWER,
        _W,
        name="pv_power_average",
        category=_DIAG,
    ),
    _measure(
        "pvopt_averagePAkku",
        ("pvopt_averagePAkku",),
        _POWER,
        _W,
        name="battery_power_average",
        category=_DIAG,
    ),
    _sensor(
        "inva",
        ("inva",),
        name="inverter_data_age",
        device_class=SensorDeviceClass.DURATION,
        unit=_S,
        scale=_MS,
        category=_DIAG,
    ),
    # ---- RFID cards (firmware 60: c<i>e/n/i; before: the cards array) -----------------------
    *(_card(i) for i in range(10)),
    # ---- device -----------------------------------------------------------------------------
    _sensor(
        "rbc",
        ("rbc",),
        name="reboot_count",
        state_class=SensorStateClass.TOTAL_INCREASING,
        category=_DIAG,
    ),
    _sensor(
        "rbt",
        ("rbt",),
        name="uptime",
        device_class=SensorDeviceClass.DURATION,
        unit=_S,
        scale=_MS,
        precision=0,
        category=_DIAG,
    ),
    _enum("wst", ("wst",), WIFI_STATES, name="wifi_status", category=_DIAG),
    _enum("tsss", ("tsss",), TIME_SYNC_STATES, name="time_sync", category=_DIAG),
    _sensor("rfb", ("rfb",), name="relay_feedback", category=_DIAG),
    GoeKey(
        key="rst",
        platform=Platform.BUTTON,
        path=("rst",),
        name="reboot",
        press_value=1,
        category=_CONFIG,
        enabled=True,
    ),
    # ---- charging controls ------------------------------------------------------------------
    _number(
        "ama",
        ("ama",),
        6,
        32,
        1,
        name="max_current",
        unit=_A,
        device_class=NumberDeviceClass.CURRENT,
        max_fn=_variant_max,
        extra_keys=("var",),
        enabled=True,
    ),
    GoeKey(
        key="clp",
        platform=Platform.SELECT,
        path=("clp",),
        name="current_preset",
        extra_keys=("amp",),
        enabled=True,
    ),
    _number(
        "mca",
        ("mca",),
        6,
        32,
        1,
        name="min_current",
        unit=_A,
        device_class=NumberDeviceClass.CURRENT,
    ),
    _switch("acp", name="allow_charge_pause"),
    _millis("fmt", 3_600, name="min_charge_time"),
    _millis("mci", 86_400, name="min_charging_interval"),
    _millis("mcpd", 86_400, name="min_pause_duration"),
    _switch("su", name="simulate_unplugging"),
    _switch("sua", name="simulate_unplugging_always"),
    _millis("sumd", 60, name="simulate_unplugging_duration"),
    _switch("nmo", name="norway_mode"),
    _switch("upo", name="unlock_on_power_outage"),
    _select("bac", ("bac",), BUTTON_LOCKS, name="button_current_lock"),
    _select("sdp", ("sdp",), BUTTON_LOCKS, name="button_force_lock"),
    _number("lbr", ("lbr",), 0, 255, 1, name="led_brightness"),
    _switch("lse", name="led_save_energy"),
    GoeKey(key="ct", platform=Platform.TEXT, path=("ct",), name="car_type", category=_CONFIG),
    # ---- flexible tariff and next trip ------------------------------------------------------
    _switch("awe", name="flexible_tariff"),
    _number("awp", ("awp",), -100, 100, 0.1, name="max_price", unit="ct/kWh"),
    _select("awc", ("awc",), TARIFF_COUNTRIES, name="tariff_country"),
    _switch("ara", name="next_trip_remain_in_eco"),
    _number(
        "ate",
        ("ate",),
        0,
        200,
        0.5,
        name="next_trip_energy",
        unit=_KWH,
        device_class=NumberDeviceClass.ENERGY,
        scale=_KILO,
    ),
    _number(
        "att",
        ("att",),
        0,
        23.75,
        0.25,
        name="next_trip_time",
        unit=UnitOfTime.HOURS,
        scale=1 / 3600,
    ),
    # ---- solar surplus ----------------------------------------------------------------------
    _switch("fup", name="pv_surplus", category=None, enabled=True),
    _switch("fzf", name="zero_feed_in"),
    _watts("pgt", -10_000, 10_000, name="grid_target"),
    _watts("fst", name="starting_power"),
    _watts("sh", name="stop_hysteresis"),
    _watts("psh", name="phase_switch_hysteresis"),
    _watts("po", -10_000, 10_000, name="priority_offset"),
    _watts("zfo", -10_000, 10_000, name="zero_feed_in_offset"),
    _watts("spl3", name="three_phase_switch_level"),
    _millis("psmd", 86_400, name="single_phase_duration"),
    _millis("mptwt", 86_400, name="phase_toggle_wait_time"),
    _millis("mpwst", 86_400, name="phase_wish_switch_time"),
    _select("frm", ("frm",), ROUNDING_MODES, name="rounding_mode"),
    # ---- load balancing ---------------------------------------------------------------------
    _switch("loe", name="load_balancing"),
    _select("loty", ("loty",), LOAD_BALANCING_TYPES, name="load_balancing_type"),
    _number(
        "lot",
        ("lot",),
        0,
        1000,
        1,
        name="load_balancing_total_current",
        unit=_A,
        device_class=NumberDeviceClass.CURRENT,
    ),
    _number(
        "lof",
        ("lof",),
        0,
        32,
        1,
        name="load_balancing_fallback_current",
        unit=_A,
        device_class=NumberDeviceClass.CURRENT,
    ),
    _number("lop", ("lop",), 0, 65_535, 1, name="load_balancing_priority"),
    # ---- random delays ------------------------------------------------------------------------
    _seconds("rdbs", name="random_delay_scheduled_start"),
    _seconds("rdes", name="random_delay_scheduled_stop"),
    _seconds("rdbf", name="random_delay_tariff_start"),
    _seconds("rdef", name="random_delay_tariff_stop"),
    _seconds("rdre", name="random_delay_reconnection"),
    _seconds("rdpl", name="random_delay_plug_in"),
    # ---- schedulers, time, services ------------------------------------------------------
    _select("sch_week", ("sch_week", "control"), SCHEDULER_CONTROLS, name="scheduler_weekdays"),
    _select("sch_satur", ("sch_satur", "control"), SCHEDULER_CONTROLS, name="scheduler_saturday"),
    _select("sch_sund", ("sch_sund", "control"), SCHEDULER_CONTROLS, name="scheduler_sunday"),
    _select("tds", ("tds",), DST_MODES, name="daylight_saving"),
    _number("tof", ("tof",), -720, 840, 15, name="timezone_offset", unit=UnitOfTime.MINUTES),
    _switch("tse", name="time_server"),
    _switch("cwe", name="cloud_websocket"),
    _switch("ocppe", name="ocpp"),
)

BY_KEY: Final[Mapping[str, GoeKey]] = {row.key: row for row in CATALOGUE}
