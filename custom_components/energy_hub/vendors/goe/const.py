"""Constants of the go-eCharger vendor: config keys, modes and the code tables of API v2."""

from __future__ import annotations

from typing import Final

#: Config-entry data: the cloud charger's serial (shared label with the other vendors).
VENDOR_KEY: Final = "goe"
CONF_SERIAL: Final = "serial"
#: Config-entry data: how Home Assistant reaches the charger.
CONF_MODE: Final = "goe_mode"
MODE_CLOUD: Final = "cloud"
MODE_LOCAL: Final = "local"

#: Option: how old (seconds) a status from the go-e cloud may be.
CONF_AGE: Final = "goe_age"
DEFAULT_AGE: Final = 30

DEFAULT_SCAN_CLOUD: Final = 30
DEFAULT_SCAN_LOCAL: Final = 10

#: Seconds to wait after a write before reading again (the charger's logic runs every second).
REFRESH_AFTER_WRITE: Final = 2.0

#: Keys read once at setup for the device entry.
DEVICE_KEYS: Final = ("sse", "typ", "var", "fwv", "fna", "oem")

MANUFACTURER: Final = "go-e"

#: car: carState
CAR_STATES: Final[dict[int, str]] = {
    0: "unknown_error",
    1: "idle",
    2: "charging",
    3: "wait_car",
    4: "complete",
    5: "error",
    6: "initializing",
}

#: err: error codes (numbering of apikeys-en.md)
ERRORS: Final[dict[int, str]] = {
    0: "none",
    1: "fi_ac",
    2: "fi_dc",
    3: "phase",
    4: "overvolt",
    5: "overamp",
    6: "diode",
    7: "pp_invalid",
    8: "gnd_invalid",
    9: "contactor_stuck",
    10: "contactor_miss",
    11: "fi_unknown",
    12: "other",
    13: "overtemp",
    14: "no_comm",
    15: "lock_stuck_open",
    16: "lock_stuck_locked",
}

#: modelStatus: why the charger charges or not
MODEL_STATUS: Final[dict[int, str]] = {
    0: "no_charge_ctrl_data",
    1: "overtemperature",
    2: "access_control_wait",
    3: "force_state_on",
    4: "force_state_off",
    5: "scheduler",
    6: "energy_limit",
    7: "awattar_price_low",
    8: "automatic_stop_test_charge",
    9: "automatic_stop_not_enough_time",
    10: "automatic_stop",
    11: "automatic_stop_no_clock",
    12: "pv_surplus",
    13: "fallback_goe_default",
    14: "fallback_goe_scheduler",
    15: "fallback_default",
    16: "fallback_goe_awattar",
    17: "fallback_awattar",
    18: "fallback_automatic_stop",
    19: "car_compatibility_keep_alive",
    20: "charge_pause_not_allowed",
    22: "simulate_unplugging",
    23: "phase_switch",
    24: "min_pause_duration",
    26: "error",
    27: "load_management",
    28: "ocpp",
    29: "reconnect_delay",
    30: "adapter_blocking",
    31: "underfrequency_control",
    32: "unbalanced_load",
    33: "discharging_pv_battery",
    34: "grid_monitoring",
    35: "ocpp_fallback",
}

#: frc: forceState
FORCE_STATES: Final[dict[int, str]] = {0: "neutral", 1: "off", 2: "on"}
#: psm: phaseSwitchMode
PHASE_MODES: Final[dict[int, str]] = {0: "auto", 1: "force_1", 2: "force_3"}
#: lmo: logic mode
LOGIC_MODES: Final[dict[int, str]] = {3: "default", 4: "eco", 5: "next_trip"}
#: ust: cable unlock setting
CABLE_LOCK_MODES: Final[dict[int, str]] = {0: "normal", 1: "auto_unlock", 2: "always_locked"}

# -- solar surplus charging (options step ``goe_pv_surplus``) ------------------------------

#: The options step and its options: the entities Energy Hub sends to the charger as ``ids``.
STEP_PV_SURPLUS: Final = "goe_pv_surplus"
CONF_PV_GRID: Final = "goe_pv_grid"
CONF_PV_GRID_SIGN: Final = "goe_pv_grid_sign"
CONF_PV_PV: Final = "goe_pv_pv"
CONF_PV_BATTERY: Final = "goe_pv_battery"
CONF_PV_BATTERY_SIGN: Final = "goe_pv_battery_sign"
CONF_PV_INTERVAL: Final = "goe_pv_interval"
CONF_PV_PRIORITY: Final = "goe_pv_priority"
PV_OPTION_KEYS: Final = (
    CONF_PV_GRID,
    CONF_PV_GRID_SIGN,
    CONF_PV_PV,
    CONF_PV_BATTERY,
    CONF_PV_BATTERY_SIGN,
    CONF_PV_INTERVAL,
    CONF_PV_PRIORITY,
)
#: Seconds between two sends (the charger forgets ``ids`` after about 10 s).
DEFAULT_PV_INTERVAL: Final = 5
MIN_PV_INTERVAL: Final = 2
MAX_PV_INTERVAL: Final = 10
MAX_PV_PRIORITY: Final = 10
#: A chosen entity that has not reported for this long (seconds) is stale: nothing is sent.
PV_SOURCE_STALE_AFTER: Final = 120
#: A source problem that lasts this long (seconds) raises a repair issue.
PV_REPAIR_AFTER: Final = 60
#: Repair issues (translation keys) naming the entity.
ISSUE_PV_SOURCE_UNAVAILABLE: Final = "goe_pv_source_unavailable"
ISSUE_PV_SOURCE_STALE: Final = "goe_pv_source_stale"
#: ``lmo`` values in which ``fup`` (use PV surplus) makes the charger use ``ids``: eco.
PV_LOGIC_MODES: Final = frozenset({4})
#: Keys the sender needs from every poll: the mode and what the charger draws.
PV_MODE_KEYS: Final = ("fup", "lmo", "nrg")
