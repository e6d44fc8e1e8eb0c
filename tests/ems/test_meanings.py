"""The HA-free meaning book: table meanings only while plausible, user choices win."""

from __future__ import annotations

from pathlib import Path

from custom_components.energy_hub.api.ems_signals import (
    ACCEPTED,
    BAD_VALUE,
    CHOICES,
    GENERIC,
    GENERIC_TEXT,
    REJECTED,
    STRIKES,
    MeaningBook,
    check_values,
    choice_key,
    parse_choice,
    signal_type,
    table_meanings,
)
import simulators.ems
from simulators.ems import EXTRA_SI, MEANINGS, THREE_PHASE_SI, EmsSimulator

NOW = 1_767_225_600.0


def _simulated(codes: tuple[int, ...], signals: int = 6) -> dict[int, dict[int, float]]:
    """Values of the simulator's own table: ``signals`` signals per code."""
    return {
        si: {
            100 + si * 10 + n: EmsSimulator.value(100 + si * 10 + n, si, NOW)
            for n in range(signals)
        }
        for si in codes
    }


def test_a_gateway_whose_codes_differ_is_caught() -> None:
    """The simulator's codes 10, 33 and 44 mean something else than our table assumes."""
    book = MeaningBook()
    changed = book.assess(_simulated((*THREE_PHASE_SI, 10, *EXTRA_SI)))
    assert set(book.rejections) == {10, 33, 44}
    assert book.rejections[10].reason == "out_of_range"  # an energy counter is no current
    assert book.rejections[33].reason == "out_of_range"  # 2,000+ is no voltage
    assert book.rejections[44].reason == "counter_negative"  # a signed power is no counter
    assert book.rejections[10].assumed == "current_a"
    assert book.rejections[10].source == "assumed"
    assert all(v > 630 for v in book.rejections[10].samples)
    assert book.rejections[10].signals
    for si in (10, 33, 44):
        assert book.meaning(si) is GENERIC
        assert si in changed
    # code 29 (documented) is a voltage; 4 is a power factor in per cent here
    assert book.meaning(29).source == "documented"
    assert book.meaning(29).unit == "V"
    assert book.meaning(4).unit == "%"
    assert book.meaning(1).source == "assumed"
    assert book.meaning(1).unit == "W"
    # codes the table does not know stay generic numbers
    assert book.meaning(777) is GENERIC
    assert book.meaning(None) is GENERIC
    # no sensor of any plausible code has a unit its values contradict
    for si, (kind, _unit) in MEANINGS.items():
        meaning = book.meaning(si)
        if meaning.device_class == "voltage":
            assert kind == "voltage", si
        if meaning.device_class == "current":
            assert kind == "current", si


def test_counters_running_backwards_and_ranges_at_a_poll() -> None:
    book = MeaningBook()
    assert book.assess({40: {1: 100.0}, 11: {2: 5.0}}) == set()
    assert book.meaning(40).counter
    assert book.observe(40, 1, 100.5, 100.0) == ACCEPTED
    assert book.observe(40, 1, 100.495, 100.5) == ACCEPTED  # rounding: within tolerance
    # a glitch is only that value unknown
    assert book.observe(40, 1, 99.0, 100.5) == BAD_VALUE
    assert book.observe(40, 1, -1.0, 100.5) == BAD_VALUE
    assert book.meaning(40).unit == "kWh"
    # values that keep contradicting the meaning reject it
    assert book.observe(40, 7, 98.0, 100.5) == REJECTED
    assert book.rejections[40].reason == "counter_backwards"
    assert 98.0 in book.rejections[40].samples
    assert book.rejections[40].signals == (1, 7)
    assert book.meaning(40) is GENERIC
    assert book.observe(40, 1, 1.0, 99.0) == ACCEPTED  # generic: nothing more to reject
    for _ in range(STRIKES - 1):
        assert book.observe(11, 2, 1488.0, None) == BAD_VALUE
    assert book.observe(11, 2, 1488.0, None) == REJECTED
    assert book.rejections[11].reason == "out_of_range"
    # a rejection holds even if later values look right
    assert book.assess({11: {2: 5.0}}) == set()
    assert book.meaning(11) is GENERIC


def test_assess_odd_values() -> None:
    book = MeaningBook()
    assert book.assess({29: {1: None}}) == set()  # no value: the table's meaning stays
    assert book.meaning(29).unit == "V"
    assert book.assess({29: {1: "on"}}) == {29}
    assert book.rejections[29].reason == "not_numeric"
    assert book.assess({777: {1: "on", 2: 1.0}}) == {777}
    assert book.meaning(777) is GENERIC_TEXT
    assert book.meaning(777).state_class is None
    assert book.assess({901: {1: 1.0}}) == set()
    assert book.meaning(901) is GENERIC
    assert book.assess({5: {1: 0.0, 2: 50.0}}) == set()
    assert book.assess({5: {1: 12.0}}) == {5}  # 0 < f < 40: no frequency
    assert check_values(book.meaning(1), [None, 5.0]) is None


def test_confirmed_meanings_win() -> None:
    book = MeaningBook({10: "active_energy_kwh", 33: "number_none", 29: "bogus_v", 1: "voltage_kv"})
    meaning = book.meaning(10)
    assert (meaning.source, meaning.unit, meaning.device_class) == ("confirmed", "kWh", "energy")
    assert meaning.name_key == "ems_q_active_energy"
    assert meaning.choice == "active_energy_kwh"
    assert book.meaning(33).unit is None
    assert book.meaning(33).source == "confirmed"
    # unknown choices are ignored: the table applies
    assert book.meaning(29).source == "documented"
    assert book.meaning(1).source == "assumed"
    # confirmed codes are not judged
    assert book.assess({10: {1: 1e9}}) == set()
    assert book.observe(10, 1, 1.0, 5.0) == ACCEPTED
    assert book.rejections == {}


def test_choices() -> None:
    assert choice_key("voltage", "V") in CHOICES
    assert choice_key("power_factor", None) == "power_factor_none"
    assert choice_key("gas", "m³") == "gas_m3"
    assert parse_choice("power_factor_percent") is not None
    assert parse_choice("voltage") is None
    assert parse_choice("voltage_a") is None
    assert all(c.replace("_", "").isalnum() and c.islower() for c in CHOICES)
    assert len(set(CHOICES)) == len(CHOICES)
    row = signal_type(4)
    assert row is not None
    assert [m.unit for m in table_meanings(row)] == [None, "%"]


def test_simulator_table_is_its_own() -> None:
    """The simulator does not read the integration's table, and differs from it on purpose."""
    source = Path(simulators.ems.__file__).read_text(encoding="utf-8")
    assert "custom_components" not in source
    assert MEANINGS[29] == ("voltage", "V")  # the API document's one pinned code
    differing = [
        si
        for si, (kind, _unit) in MEANINGS.items()
        if (row := signal_type(si)) is None or row.device_class not in (kind, None)
    ]
    assert len(differing) >= 4
