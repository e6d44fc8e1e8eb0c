"""Import/export split and hourly energy from a net counter's stored rows (no Home Assistant).

A net counter (an eGauge power register, an EMS energy signal) goes up while energy is
imported and down while it is exported. Given the counter's stored values at successive
times (the meter's 1 s rows, or coarser where that is all it holds), the energy imported is
the sum of the positive differences and the energy exported the sum of the negative ones.
Both only ever grow, and ``imported - exported`` is the net change.

``CounterSplit`` keeps, per counter, the last row counted (time and value) and the running
totals, so that a restart continues exactly where it stopped: rows at or before the last
counted time are ignored, the first newer row is differenced against the stored value.
It also collects the differences per clock hour (``HourBucket``) for long-term statistics.

Bad history never makes a negative or absurd figure: a difference larger than
``max_rate`` counts per second of its interval (a counter reset, a moved epoch, a
database gap bridged by one row) is skipped, and reported through ``skipped``. A counter
that only counts up (an EMS energy counter: ``monotonic``) has no export: a step back is a
reset or bad history, and is skipped too.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

HOUR = 3600


@dataclass(slots=True)
class HourBucket:
    """What a counter did in one clock hour (counts)."""

    imported: int = 0
    exported: int = 0

    @property
    def net(self) -> int:
        """Imported minus exported."""
        return self.imported - self.exported


@dataclass(slots=True)
class CounterSplit:
    """Running import/export totals of one net counter, continuing across restarts."""

    #: time of the last row counted (Unix seconds), None before the first row
    ts: float | None = None
    #: the counter's value at ``ts``
    value: int | None = None
    imported: int = 0
    exported: int = 0
    #: hours not yet handed out (hour start -> bucket)
    hours: dict[int, HourBucket] = field(default_factory=dict)
    #: differences skipped as implausible (reset, gap, epoch moved)
    skipped: int = 0

    def feed(
        self,
        rows: Iterable[tuple[float, int]],
        *,
        max_rate: float,
        sign: int = 1,
        monotonic: bool = False,
    ) -> int:
        """Count rows ``(time, value)`` (any order); returns how many differences were added.

        ``sign=-1`` swaps the meaning of the two directions (a register measured the
        other way round); ``monotonic``: a step back is skipped (the counter was reset or
        its history is bad), not counted as export. Rows at or before ``ts`` are ignored.
        """
        added = 0
        for t, value in sorted(rows):
            if self.ts is not None and t <= self.ts:
                continue
            if self.ts is None or self.value is None:
                self.ts, self.value = t, value
                continue
            diff = (value - self.value) * sign
            span = t - self.ts
            if abs(diff) > max_rate * max(span, 1.0) or (monotonic and diff < 0):
                self.skipped += 1
            else:
                self._add(self.ts, t, diff)
                added += 1
            self.ts, self.value = t, value
        return added

    def _add(self, start: float, stop: float, diff: int) -> None:
        if diff >= 0:
            self.imported += diff
        else:
            self.exported -= diff
        hour = int(start // HOUR) * HOUR
        if stop <= hour + HOUR:  # the usual case: the interval lies in one hour
            bucket = self.hours.get(hour)
            if bucket is None:
                bucket = self.hours[hour] = HourBucket()
            if diff >= 0:
                bucket.imported += diff
            else:
                bucket.exported -= diff
            return
        for hour, share in _hour_shares(start, stop, diff):
            bucket = self.hours.setdefault(hour, HourBucket())
            if share >= 0:
                bucket.imported += share
            else:
                bucket.exported -= share

    def complete_hours(self) -> list[tuple[int, HourBucket]]:
        """Remove and return the hours that ended at or before ``ts`` (oldest first)."""
        if self.ts is None:
            return []
        done = sorted(h for h in self.hours if h + HOUR <= self.ts)
        return [(h, self.hours.pop(h)) for h in done]

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly state (for a store)."""
        return {
            "ts": self.ts,
            "value": self.value,
            "imported": self.imported,
            "exported": self.exported,
            "hours": {str(h): [b.imported, b.exported] for h, b in self.hours.items()},
        }

    @classmethod
    def from_dict(cls, data: Any) -> CounterSplit:
        """Restore ``as_dict`` output; anything malformed gives a fresh state."""
        if not isinstance(data, dict):
            return cls()
        try:
            ts = data.get("ts")
            value = data.get("value")
            hours = {
                int(h): HourBucket(int(b[0]), int(b[1]))
                for h, b in dict(data.get("hours") or {}).items()
            }
            return cls(
                ts=float(ts) if ts is not None else None,
                value=int(value) if value is not None else None,
                imported=max(0, int(data.get("imported", 0))),
                exported=max(0, int(data.get("exported", 0))),
                hours=hours,
            )
        except TypeError, ValueError, IndexError:
            return cls()


def _hour_shares(start: float, stop: float, diff: int) -> list[tuple[int, int]]:
    """Split a difference over the clock hours of ``[start, stop)`` in proportion to time."""
    first = int(start // HOUR) * HOUR
    if stop <= first + HOUR:
        return [(first, diff)]
    shares: list[tuple[int, int]] = []
    span = stop - start
    given = 0
    hour = first
    while hour < stop:
        overlap = min(stop, hour + HOUR) - max(start, hour)
        share = round(diff * overlap / span) if hour + HOUR < stop else diff - given
        given += share
        shares.append((hour, share))
        hour += HOUR
    return shares


def hourly_from_rows(
    rows: Iterable[tuple[float, int]], *, max_rate: float, sign: int = 1
) -> tuple[list[tuple[int, HourBucket]], CounterSplit]:
    """Hourly buckets of a finished stretch of history (and the split left afterwards).

    Every hour touched is returned, including a last incomplete one, oldest first.
    """
    split = CounterSplit()
    split.feed(rows, max_rate=max_rate, sign=sign)
    hours = sorted(split.hours.items())
    split.hours = {}
    return hours, split
