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

from bisect import bisect_left
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import accumulate
from operator import sub
from typing import Any, overload

HOUR = 3600

#: A counter's stored rows ``(time, value)``.
type Series = Sequence[tuple[float, int]]

_POSITIVE = (0).__lt__
_NEGATIVE = (0).__gt__


@dataclass(slots=True, eq=False)
class Rows(Sequence[tuple[float, int]]):
    """Rows at regular times, youngest first: row *i* is at ``start - i*step``.

    Kept as a meter's ``delta`` reply has them: ``deltas[0]`` is the youngest row's value,
    ``deltas[i]`` row *i*'s value minus row *i-1*'s. What one range of a reply holds; a
    :class:`Series` that :meth:`CounterSplit.feed` counts straight from the differences,
    without a tuple per row or the values summed up first.
    """

    start: float
    step: float
    deltas: list[int]

    @classmethod
    def of_values(cls, start: float, step: float, values: list[int]) -> Rows:
        """Rows holding ``values`` (youngest first)."""
        return cls(start, step, values[:1] + list(map(sub, values[1:], values, strict=False)))

    @property
    def values(self) -> list[int]:
        """The rows' values, youngest first."""
        return list(accumulate(self.deltas))

    def __eq__(self, other: object) -> bool:
        """Equal to any sequence of the same rows (a list of tuples included)."""
        if not isinstance(other, Sequence) or isinstance(other, str):
            return NotImplemented
        return len(self) == len(other) and list(self) == list(other)

    __hash__ = None  # type: ignore[assignment]  # compared by content, as a list is

    def __len__(self) -> int:
        """How many rows."""
        return len(self.deltas)

    @overload
    def __getitem__(self, index: int) -> tuple[float, int]: ...

    @overload
    def __getitem__(self, index: slice) -> list[tuple[float, int]]: ...

    def __getitem__(self, index: int | slice) -> tuple[float, int] | list[tuple[float, int]]:
        """Row ``index`` (youngest first), or a list of rows for a slice."""
        if isinstance(index, slice):
            return list(self)[index]
        value = self.values[index]  # raises IndexError as a list does
        return (self.start - (index % len(self.deltas)) * self.step, value)

    def __iter__(self) -> Iterator[tuple[float, int]]:
        """The rows ``(time, value)``, youngest first."""
        start, step = self.start, self.step
        times = (start - i * step for i in range(len(self.deltas)))
        return zip(times, accumulate(self.deltas), strict=True)


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
        rows: Iterable[tuple[float, int]] | Rows,
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
        if (
            type(rows) is Rows
            and (added := self._feed_rows(rows, max_rate, sign, monotonic)) is not None
        ):
            return added
        ordered = sorted(rows)
        if (added := self._feed_within_hour(ordered, max_rate, sign, monotonic)) is not None:
            return added
        # Everything stays in locals and the current hour's figures in two integers: this
        # runs once per stored second of every split register at every poll.
        ts, last = self.ts, self.value
        added = skipped = imported = exported = 0
        in_hour = False  # whether hour/hour_in/hour_out hold an hour not yet booked
        hour = hour_in = hour_out = 0
        for t, value in ordered:
            if ts is not None and t <= ts:
                continue
            if ts is None or last is None:
                ts, last = t, value
                continue
            diff = (value - last) * sign
            span = t - ts
            if abs(diff) > max_rate * max(1.0, span) or (monotonic and diff < 0):
                skipped += 1
                ts, last = t, value
                continue
            added += 1
            if diff >= 0:
                imported += diff
            else:
                exported -= diff
            if not (in_hour and hour <= ts and t <= hour + HOUR):
                if in_hour:
                    self._book(hour, hour_in, hour_out)
                hour = int(ts // HOUR) * HOUR
                hour_in = hour_out = 0
                in_hour = t <= hour + HOUR
                if not in_hour:
                    # the interval spans clock hours: shared out in proportion to time
                    for share_hour, share in _hour_shares(ts, t, diff):
                        if share >= 0:
                            self._book(share_hour, share, 0)
                        else:
                            self._book(share_hour, 0, -share)
                    ts, last = t, value
                    continue
            if diff >= 0:
                hour_in += diff
            else:
                hour_out -= diff
            ts, last = t, value
        if in_hour:
            self._book(hour, hour_in, hour_out)
        self.ts, self.value = ts, last
        self.imported += imported
        self.exported += exported
        self.skipped += skipped
        return added

    def _feed_rows(self, rows: Rows, max_rate: float, sign: int, monotonic: bool) -> int | None:
        """:meth:`_feed_within_hour` for regular rows, straight from their differences.

        The rows after ``ts`` are 0..k-1; going forward in time, row *i* follows row *i+1*
        by ``-deltas[i+1]`` and the oldest of them follows the stored value by ``link``.
        """
        ts, last = self.ts, self.value
        start, step, deltas = rows.start, rows.step, rows.deltas
        if ts is None or last is None or step <= 0:
            return None
        newer = len(deltas)
        while newer and start - (newer - 1) * step <= ts:
            newer -= 1  # the row at ts itself comes again with every read from ts on
        hour = int(ts // HOUR) * HOUR
        if not newer or start > hour + HOUR:
            return None
        # the differences between the rows counted, smallest first (one sort in C gives
        # the extremes and where the negative ones end)
        inner = sorted(deltas[1:newer])
        net = sum(inner)
        link = deltas[0] + net - last
        # every row counted is after ts (the loop above): the shortest interval is positive
        first_span = start - (newer - 1) * step - ts
        bound = max_rate * max(1.0, min(step, first_span) if inner else first_span)
        if inner and (inner[-1] > bound or -inner[0] > bound or (monotonic and inner[-1] > 0)):
            return None
        if abs(link) > bound or (monotonic and link < 0):
            return None
        # a row's difference is older minus younger: the negative ones are imports
        falls = sum(inner[: bisect_left(inner, 0)])
        up = max(link, 0) - falls
        down = max(-link, 0) + net - falls
        self._add_hour(hour, (up, down) if sign >= 0 else (down, up))
        self.ts, self.value = start, deltas[0]
        return newer

    def _feed_within_hour(
        self, ordered: list[tuple[float, int]], max_rate: float, sign: int, monotonic: bool
    ) -> int | None:
        """The usual poll in C code: rows after ``ts``, one a time, in ``ts``'s clock hour.

        Only if every difference is plausible even over the shortest interval; None (and
        nothing counted) otherwise, and the caller goes row by row. Returns how many
        differences were added.
        """
        ts, last = self.ts, self.value
        if ts is None or last is None:
            return None
        first = 0
        while first < len(ordered) and ordered[first][0] <= ts:
            first += 1  # the row at ts itself comes again with every read from ts on
        newer = ordered[first:]
        if not newer:
            return None
        hour = int(ts // HOUR) * HOUR
        if newer[-1][0] > hour + HOUR:
            return None
        new_times, new_values = zip(*newer, strict=True)
        times = [ts, *new_times]
        values = [last, *new_values]
        shortest = min(map(sub, times[1:], times[:-1], strict=True))
        if shortest <= 0:  # two rows of one time: the row-by-row reading decides
            return None
        diffs = list(map(sub, values[1:], values[:-1], strict=True))
        if max(map(abs, diffs)) > max_rate * max(1.0, shortest) or (monotonic and min(diffs) < 0):
            return None
        up = sum(filter(_POSITIVE, diffs))
        down = -sum(filter(_NEGATIVE, diffs))
        self._add_hour(hour, (up, down) if sign >= 0 else (down, up))
        self.ts, self.value = newer[-1]
        return len(newer)

    def _add_hour(self, hour: int, counts: tuple[int, int]) -> None:
        """Add ``(imported, exported)`` counted within ``hour`` to the totals and the hour."""
        imported, exported = counts
        self.imported += imported
        self.exported += exported
        self._book(hour, imported, exported)

    def _book(self, hour: int, imported: int, exported: int) -> None:
        bucket = self.hours.get(hour)
        if bucket is None:
            bucket = self.hours[hour] = HourBucket()
        bucket.imported += imported
        bucket.exported += exported

    def complete_hours(self) -> list[tuple[int, HourBucket]]:
        """Remove and return the hours that ended at or before ``ts`` (oldest first)."""
        ts = self.ts
        if ts is None:
            return []
        # an hour ends at one poll in a hundred or more: usually none is complete
        done = [h for h in self.hours if h + HOUR <= ts]
        if not done:
            return []
        done.sort()
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
