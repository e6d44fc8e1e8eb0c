"""PV surplus for go-eChargers: sign conventions and one surplus shared by several chargers.

No Home Assistant imports; pure functions on numbers.

The charger wants ``pGrid`` positive while power comes *from* the grid and negative while
power is fed *into* it (``pAkku`` positive while the home battery discharges). Meters differ,
so the user says which way their entities count and :func:`grid_import` /
:func:`battery_discharge` turn the readings round where needed.

**Several chargers on one grid connection** (the same grid entity) share its surplus by
priority. Each charger regulates so that the grid power it is told reaches its target, so
telling every charger the measured grid power makes them all chase the same surplus as if
each were alone. Instead, charger *k* in the order is told the measured grid power minus
what every charger *after* it draws right now (:func:`shared_grid_power`):

* the first charger sees the surplus as if the others drew nothing, and takes what it can;
* the next sees what the first left over (and what it itself draws), and so on;
* the last one is told the measured grid power.

A charger that starts drawing more therefore takes power from the ones after it (they see
the grid go up and back off), never from the ones before it. The order is the priority the
user gave each charger (1 first), then the serial number. Only chargers currently following
the surplus take part; one charging at a fixed current is part of the house load.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

#: Grid sign conventions of the user's entity.
GRID_IMPORT_POSITIVE: Final = "import_positive"
GRID_EXPORT_POSITIVE: Final = "export_positive"
GRID_CONVENTIONS: Final = (GRID_IMPORT_POSITIVE, GRID_EXPORT_POSITIVE)

#: Battery sign conventions of the user's entity.
BATTERY_DISCHARGE_POSITIVE: Final = "discharge_positive"
BATTERY_CHARGE_POSITIVE: Final = "charge_positive"
BATTERY_CONVENTIONS: Final = (BATTERY_DISCHARGE_POSITIVE, BATTERY_CHARGE_POSITIVE)


def grid_import(value: float, convention: str) -> float:
    """Grid power with the charger's sign: positive while importing."""
    return -value if convention == GRID_EXPORT_POSITIVE else value


def battery_discharge(value: float, convention: str) -> float:
    """Battery power with the charger's sign: positive while discharging."""
    return -value if convention == BATTERY_CHARGE_POSITIVE else value


@dataclass(frozen=True, slots=True)
class ChargerDraw:
    """One charger following the surplus of a grid connection."""

    #: Identifies the charger (the config entry id).
    key: str
    #: 1 is served first; ties go by ``serial``.
    priority: int
    #: The serial number, the tie-breaker.
    serial: str
    #: What the charger draws now, in W (0 when not known).
    power: float


def charging_order(chargers: Iterable[ChargerDraw]) -> list[ChargerDraw]:
    """The chargers in the order they are served: priority, then serial, then key."""
    return sorted(chargers, key=lambda c: (c.priority, c.serial, c.key))


def shared_grid_power(grid: float, key: str, chargers: Iterable[ChargerDraw]) -> float:
    """The grid power to tell the charger ``key``: ``grid`` minus the draw of those after it.

    ``grid`` is the measured grid power (positive = import). ``chargers`` are all chargers
    following the surplus of this grid connection, ``key`` among them; when ``key`` is not
    among them, the measured value is returned.
    """
    order = charging_order(chargers)
    keys = [c.key for c in order]
    if key not in keys:
        return grid
    after = order[keys.index(key) + 1 :]
    return grid - sum(max(0.0, c.power) for c in after)
