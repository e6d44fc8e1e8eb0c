"""What an EMS signal means: the ``si`` table, the plausibility checks and user choices.

The EMS gateway (Carlo Gavazzi's EMS Webapi 1.0.0) identifies each signal's quantity by a
numeric code ``si``. The vendor's table of codes is not public: the API document's own
example pins only ``si`` 29 (a voltage, 230.4 V). Every other row below is OUR ASSUMPTION,
marked ``source="assumption"``; when the vendor's table becomes known, edit this table.

A meaning from the table is never applied blindly (:class:`MeaningBook`): a code's meaning
is used only while the values of its signals are plausible for it (:func:`check_values`:
a voltage within a low-voltage grid's range, a current a meter channel can carry, a power
factor within -1..1 or its percentage, a counter that never runs backwards, ...). A code
whose values contradict its meaning is rejected: its signals become generic numeric
sensors (no unit, no device class) and the rejection, with sample values and the reason,
is kept for the diagnostics. The user may confirm or correct the meaning of any code
(:data:`QUANTITIES`); a confirmed meaning wins over the table and is not second-guessed.

Codes missing from the table are not dropped: they become generic sensors named after the
load and the code, showing the raw value without a device class.

Plain strings are used (not Home Assistant enums) so that this module stays free of Home
Assistant imports; they are the values of ``SensorDeviceClass``, ``SensorStateClass`` and
the unit constants.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
import math
from typing import Final, Literal

Source = Literal["seed", "assumption"]


@dataclass(frozen=True, slots=True)
class SignalType:
    """What one ``si`` code means."""

    si: int
    #: Translation key of the sensor name (``entity.sensor.<name_key>.name``).
    name_key: str
    #: ``SensorDeviceClass`` value, or None.
    device_class: str | None
    #: Native unit of measurement, or None.
    unit: str | None
    #: ``SensorStateClass`` value: "measurement", "total" or "total_increasing".
    state_class: str | None
    #: Where the row comes from: the API document ("seed") or our assumption.
    source: Source

    @property
    def is_counter(self) -> bool:
        """True for accumulating counters (energy, gas): never negative."""
        return self.state_class in ("total", "total_increasing")


def _row(
    si: int,
    name_key: str,
    device_class: str | None,
    unit: str | None,
    state_class: str | None,
    *,
    source: Source = "assumption",
) -> SignalType:
    return SignalType(si, name_key, device_class, unit, state_class, source)


#: The table. Keep it sorted by code. Energy counters use state class "total" (the issue's
#: rule for the Energy dashboard); they are reported unknown, never negative or 0, when
#: the gateway has no valid value.
SIGNAL_TYPES: Final[tuple[SignalType, ...]] = (
    _row(1, "ems_active_power", "power", "W", "measurement"),
    _row(2, "ems_reactive_power", "reactive_power", "var", "measurement"),
    _row(3, "ems_apparent_power", "apparent_power", "VA", "measurement"),
    _row(4, "ems_power_factor", "power_factor", None, "measurement"),
    _row(5, "ems_frequency", "frequency", "Hz", "measurement"),
    _row(10, "ems_current", "current", "A", "measurement"),
    _row(11, "ems_current_l1", "current", "A", "measurement"),
    _row(12, "ems_current_l2", "current", "A", "measurement"),
    _row(13, "ems_current_l3", "current", "A", "measurement"),
    _row(21, "ems_active_power_l1", "power", "W", "measurement"),
    _row(22, "ems_active_power_l2", "power", "W", "measurement"),
    _row(23, "ems_active_power_l3", "power", "W", "measurement"),
    _row(29, "ems_voltage", "voltage", "V", "measurement", source="seed"),
    _row(31, "ems_voltage_l1", "voltage", "V", "measurement"),
    _row(32, "ems_voltage_l2", "voltage", "V", "measurement"),
    _row(33, "ems_voltage_l3", "voltage", "V", "measurement"),
    _row(40, "ems_energy_import", "energy", "kWh", "total"),
    _row(41, "ems_energy_export", "energy", "kWh", "total"),
    _row(42, "ems_energy_import_l1", "energy", "kWh", "total"),
    _row(43, "ems_energy_import_l2", "energy", "kWh", "total"),
    _row(44, "ems_energy_import_l3", "energy", "kWh", "total"),
    _row(45, "ems_reactive_energy_import", "reactive_energy", "kvarh", "total"),
    _row(46, "ems_reactive_energy_export", "reactive_energy", "kvarh", "total"),
    _row(50, "ems_gas_volume", "gas", "m³", "total"),
)

#: Lookup by code.
SIGNALS: Final[dict[int, SignalType]] = {row.si: row for row in SIGNAL_TYPES}

#: Translation key of signals whose code is not in the table.
GENERIC_NAME_KEY: Final = "ems_signal"


def signal_type(si: int | None) -> SignalType | None:
    """The table row of ``si``, or None for an unknown code."""
    if si is None:
        return None
    return SIGNALS.get(si)


# -- quantities a meter measures (the choices of the options step) -------------------------

#: Where a code's meaning in use comes from.
MeaningSource = Literal["documented", "assumed", "confirmed", "none"]


@dataclass(frozen=True, slots=True)
class Quantity:
    """A quantity meters measure, with the units it may come in and its sane range."""

    key: str
    device_class: str | None
    units: tuple[str | None, ...]
    state_class: str
    #: Plausible range per unit (inclusive); None: any number.
    ranges: Mapping[str | None, tuple[float, float]] = field(default_factory=dict)
    #: A counter: never negative, never running backwards beyond :data:`COUNTER_TOLERANCE`.
    counter: bool = False


_INF = math.inf

#: What meters measure. The ranges are sanity limits for low-voltage installations (the
#: EMS's domain), wide enough for any real value, tight enough to catch another quantity:
#: voltages up to 700 V (690 V is the highest common low-voltage system), currents a meter
#: channel can carry (630 A), powers up to 1 MW per channel, frequency 0 (no voltage) or
#: 40-70 Hz. A user with a larger installation confirms the meaning in the options.
QUANTITIES: Final[tuple[Quantity, ...]] = (
    Quantity("voltage", "voltage", ("V",), "measurement", {"V": (0.0, 700.0)}),
    Quantity(
        "current",
        "current",
        ("A", "mA"),
        "measurement",
        {"A": (-630.0, 630.0), "mA": (-630e3, 630e3)},
    ),
    Quantity(
        "active_power", "power", ("W", "kW"), "measurement", {"W": (-1e6, 1e6), "kW": (-1e3, 1e3)}
    ),
    Quantity(
        "reactive_power",
        "reactive_power",
        ("var", "kvar"),
        "measurement",
        {"var": (-1e6, 1e6), "kvar": (-1e3, 1e3)},
    ),
    Quantity(
        "apparent_power",
        "apparent_power",
        ("VA", "kVA"),
        "measurement",
        {"VA": (0.0, 1e6), "kVA": (0.0, 1e3)},
    ),
    Quantity(
        "power_factor",
        "power_factor",
        (None, "%"),
        "measurement",
        {None: (-1.0, 1.0), "%": (-100.0, 100.0)},
    ),
    Quantity("frequency", "frequency", ("Hz",), "measurement", {"Hz": (0.0, 70.0)}),
    Quantity("active_energy", "energy", ("Wh", "kWh", "MWh"), "total", counter=True),
    Quantity("reactive_energy", "reactive_energy", ("varh", "kvarh"), "total", counter=True),
    Quantity("gas", "gas", ("m³",), "total", counter=True),
    Quantity("water", "water", ("m³", "L"), "total", counter=True),
    Quantity("temperature", "temperature", ("°C",), "measurement", {"°C": (-50.0, 150.0)}),
    Quantity("duration", "duration", ("h",), "total_increasing", counter=True),
    Quantity("number", None, (None,), "measurement"),
)

#: Lookup by key.
QUANTITY_BY_KEY: Final[dict[str, Quantity]] = {q.key: q for q in QUANTITIES}
#: The quantity of each table row's device class.
_QUANTITY_OF_DEVICE_CLASS: Final[dict[str | None, str]] = {
    "voltage": "voltage",
    "current": "current",
    "power": "active_power",
    "reactive_power": "reactive_power",
    "apparent_power": "apparent_power",
    "power_factor": "power_factor",
    "frequency": "frequency",
    "energy": "active_energy",
    "reactive_energy": "reactive_energy",
    "gas": "gas",
}
#: A counter may step back this much (absolute, in its unit) without being rejected, or by
#: this fraction of its value, whichever is larger (rounding in the gateway).
COUNTER_TOLERANCE: Final = 0.01
COUNTER_TOLERANCE_RATIO: Final = 1e-6
#: Frequencies between 0 and this are implausible (0 itself means "no voltage").
_MIN_FREQUENCY: Final = 40.0


#: Units as they appear in choice keys (translation keys must be lower-case slugs).
_UNIT_SLUGS: Final[dict[str | None, str]] = {
    None: "none",
    "%": "percent",
    "m³": "m3",
    "°C": "c",
}


def choice_key(quantity: str, unit: str | None) -> str:
    """The options-step value of a quantity and unit, e.g. ``voltage_v`` or ``number_none``."""
    slug = _UNIT_SLUGS.get(unit) or str(unit).lower()
    return f"{quantity}_{slug}"


#: Choice key -> (quantity, unit).
_CHOICE_MAP: Final[dict[str, tuple[Quantity, str | None]]] = {
    choice_key(q.key, unit): (q, unit) for q in QUANTITIES for unit in q.units
}


def parse_choice(value: str) -> tuple[Quantity, str | None] | None:
    """The quantity and unit of a :func:`choice_key` value (None if unknown)."""
    return _CHOICE_MAP.get(value)


#: Every choice of the options step, in the order shown.
CHOICES: Final[tuple[str, ...]] = tuple(_CHOICE_MAP)


@dataclass(frozen=True, slots=True)
class Meaning:
    """The meaning in use for one code: what a sensor of it shows."""

    quantity: str
    unit: str | None
    device_class: str | None
    state_class: str | None
    source: MeaningSource
    #: Translation key of the sensor name.
    name_key: str
    low: float = -_INF
    high: float = _INF
    counter: bool = False

    @property
    def choice(self) -> str:
        """The options-step value of this meaning."""
        return choice_key(self.quantity, self.unit)

    def check(self, value: float, previous: float | None = None) -> str | None:
        """Why ``value`` (after ``previous``) contradicts this meaning; None if it does not."""
        if self.counter:
            if value < 0:
                return "counter_negative"
            if previous is not None and previous - value > max(
                COUNTER_TOLERANCE, abs(previous) * COUNTER_TOLERANCE_RATIO
            ):
                return "counter_backwards"
            return None
        if not self.low <= value <= self.high:
            return "out_of_range"
        if self.quantity == "frequency" and 0 < value < _MIN_FREQUENCY:
            return "out_of_range"
        return None


def meaning_of(
    quantity: Quantity, unit: str | None, source: MeaningSource, name_key: str
) -> Meaning:
    """The meaning of ``quantity`` in ``unit``."""
    low, high = quantity.ranges.get(unit, (-_INF, _INF))
    return Meaning(
        quantity=quantity.key,
        unit=unit,
        device_class=quantity.device_class,
        state_class=quantity.state_class,
        source=source,
        name_key=name_key,
        low=low,
        high=high,
        counter=quantity.counter,
    )


#: The meaning of a code without one (or whose meaning was rejected).
GENERIC: Final[Meaning] = meaning_of(QUANTITY_BY_KEY["number"], None, "none", GENERIC_NAME_KEY)
#: The meaning of a code whose values are not numbers (no state class).
GENERIC_TEXT: Final[Meaning] = Meaning(
    quantity="text",
    unit=None,
    device_class=None,
    state_class=None,
    source="none",
    name_key=GENERIC_NAME_KEY,
)


def table_meanings(row: SignalType) -> tuple[Meaning, ...]:
    """The meanings a table row may take: its own, and for a power factor its percentage."""
    quantity = QUANTITY_BY_KEY[_QUANTITY_OF_DEVICE_CLASS[row.device_class]]
    source: MeaningSource = "documented" if row.source == "seed" else "assumed"
    own = meaning_of(quantity, row.unit, source, row.name_key)
    if quantity.key == "power_factor":
        return (own, meaning_of(quantity, "%", source, row.name_key))
    return (own,)


def check_values(meaning: Meaning, values: Iterable[float | str | None]) -> str | None:
    """Why ``values`` (one per signal, or a series) contradict ``meaning``; None if not."""
    for value in values:
        if value is None:
            continue
        if not isinstance(value, float):
            return "not_numeric"
        reason = meaning.check(value)
        if reason is not None:
            return reason
    return None


@dataclass(frozen=True, slots=True)
class Rejection:
    """Why a code's table meaning is not in use (for the diagnostics)."""

    si: int
    assumed: str
    source: MeaningSource
    reason: str
    samples: tuple[float | str, ...]
    signals: tuple[int, ...]


#: Sample values a rejection keeps.
REJECTION_SAMPLES: Final = 5
#: Contradicting values (at polls, over all signals of a code) that reject its meaning.
STRIKES: Final = 3
#: Verdicts of :meth:`MeaningBook.observe`.
ACCEPTED: Final = 0
BAD_VALUE: Final = 1
REJECTED: Final = 2


class MeaningBook:
    """The meaning of every code of one gateway.

    ``confirmed`` maps codes to :func:`choice_key` values the user picked; they win. Codes
    of the table are judged by :meth:`assess` (the values of all their signals at
    discovery: one contradicting value rejects the code) and by :meth:`observe` (a
    signal's new value at a poll: a glitch is only that value unknown, :data:`STRIKES`
    contradicting values reject the code); a rejection holds until the book is rebuilt
    (a restart or a new confirmation).
    """

    def __init__(self, confirmed: Mapping[int, str] | None = None) -> None:
        """A book with the user's confirmed choices."""
        self.confirmed: dict[int, Meaning] = {}
        for si, value in (confirmed or {}).items():
            parsed = parse_choice(value)
            if parsed is not None:
                quantity, unit = parsed
                name_key = GENERIC_NAME_KEY if quantity.key == "number" else f"ems_q_{quantity.key}"
                self.confirmed[si] = meaning_of(quantity, unit, "confirmed", name_key)
        self.rejections: dict[int, Rejection] = {}
        self._decided: dict[int, Meaning] = {}
        self._strikes: dict[int, int] = {}
        self._strike_samples: dict[int, dict[int, float]] = {}

    def meaning(self, si: int | None) -> Meaning:
        """The meaning in use for code ``si``."""
        if si is None:
            return GENERIC
        confirmed = self.confirmed.get(si)
        if confirmed is not None:
            return confirmed
        if si in self.rejections:
            return GENERIC
        decided = self._decided.get(si)
        if decided is not None:
            return decided
        row = signal_type(si)
        return GENERIC if row is None else table_meanings(row)[0]

    def assess(self, samples_by_code: Mapping[int, Mapping[int, float | str | None]]) -> set[int]:
        """Judge every code by its signals' values (``{si: {uid: value}}``).

        Returns the codes whose meaning changed. A code without any value keeps its
        previous decision (or the table's meaning until values arrive).
        """
        changed: set[int] = set()
        for si, by_uid in samples_by_code.items():
            before = self.meaning(si)
            values = [v for v in by_uid.values() if v is not None]
            if si in self.confirmed or si in self.rejections or not values:
                continue
            row = signal_type(si)
            if row is None:
                decided = GENERIC_TEXT if any(not isinstance(v, float) for v in values) else GENERIC
                self._decided[si] = decided
            else:
                reason: str | None = None
                for candidate in table_meanings(row):
                    reason = check_values(candidate, values)
                    if reason is None:
                        self._decided[si] = candidate
                        break
                else:
                    self._reject(si, row, reason or "out_of_range", by_uid)
            if self.meaning(si) != before:
                changed.add(si)
        return changed

    def observe(self, si: int, uid: int, value: float, previous: float | None) -> int:
        """Check one new value of signal ``uid`` (after its last accepted ``previous``).

        Returns :data:`ACCEPTED`, :data:`BAD_VALUE` (this value contradicts the meaning:
        show it as unknown) or :data:`REJECTED` (the code's meaning was just rejected
        after :data:`STRIKES` contradicting values: show its signals as plain numbers).
        A single glitch makes only that value unknown; a code whose values keep
        contradicting its meaning loses it.
        """
        meaning = self.meaning(si)
        if meaning.source not in ("documented", "assumed"):
            return ACCEPTED
        reason = meaning.check(value, previous)
        if reason is None:
            return ACCEPTED
        strikes = self._strikes.get(si, 0) + 1
        self._strikes[si] = strikes
        samples = self._strike_samples.setdefault(si, {})
        if previous is not None and len(samples) < REJECTION_SAMPLES:
            samples.setdefault(-uid, previous)
        samples[uid] = value
        if strikes < STRIKES:
            return BAD_VALUE
        row = signal_type(si)
        if row is None:  # pragma: no cover - a table meaning always has a row
            return BAD_VALUE
        self._reject(si, row, reason, samples)
        return REJECTED

    def _reject(
        self, si: int, row: SignalType, reason: str, by_uid: Mapping[int, float | str | None]
    ) -> None:
        source: MeaningSource = "documented" if row.source == "seed" else "assumed"
        samples = tuple(v for v in by_uid.values() if v is not None)[:REJECTION_SAMPLES]
        self.rejections[si] = Rejection(
            si=si,
            assumed=choice_key(_QUANTITY_OF_DEVICE_CLASS[row.device_class], row.unit),
            source=source,
            reason=reason,
            samples=samples,
            signals=tuple(sorted({abs(uid) for uid in by_uid}))[:REJECTION_SAMPLES],
        )
        self._decided.pop(si, None)
