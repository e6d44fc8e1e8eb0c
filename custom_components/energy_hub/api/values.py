"""Safe conversions of device values shared by every client (no Home Assistant imports).

A device can send numbers no Python float or datetime holds: ``1e400``, ``Infinity``,
``NaN``, a 400-digit counter, a timestamp in microseconds where milliseconds belong. Each
helper here turns such a value into None (unknown), with a debug line, and never raises:
the one bad value becomes unknown, never the poll, and NaN or infinity never leave a client.
"""

from __future__ import annotations

from datetime import UTC, datetime
import logging
import math
from typing import Any, Final

_LOGGER = logging.getLogger(__name__)

#: The first and the last second a ``datetime`` holds (years 1 and 9999, UTC).
MIN_TIMESTAMP: Final = datetime(1, 1, 2, tzinfo=UTC).timestamp()
MAX_TIMESTAMP: Final = datetime(9999, 12, 30, tzinfo=UTC).timestamp()
#: Longest numeric text accepted (Python refuses ints of more than 4300 digits).
_MAX_TEXT = 400


def _drop(value: Any, why: str) -> None:
    text = repr(value)
    if len(text) > 60:
        text = f"{text[:57]}..."
    _LOGGER.debug("Treating %s as unknown: %s", text, why)


def finite_float(value: Any) -> float | None:
    """A JSON number or numeric text as a finite float; None for anything else.

    Booleans, containers, empty or non-numeric text, NaN, infinities and numbers beyond
    the float range (``10**400``, ``"1e400"``) are all None; nothing here raises.
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, float):
        number = value
    elif isinstance(value, int):
        try:
            number = float(value)
        except OverflowError:
            _drop(value, "beyond the float range")
            return None
    elif isinstance(value, str):
        text = value.strip()
        if not text or len(text) > _MAX_TEXT:
            return None
        try:
            number = float(text)
        except ValueError:
            return None
    else:
        return None
    if not math.isfinite(number):
        _drop(value, "not a finite number")
        return None
    return number


def finite_int(value: Any) -> int | None:
    """A whole number (int, integral float or integer text) that a float can hold, or None.

    Integer text is read exactly (a counter keeps every digit); a value whose float would
    overflow is None, so anything returned here converts to float safely.
    """
    if value is None or isinstance(value, bool):
        return None
    number: int | None = None
    if isinstance(value, int):
        number = value
    elif isinstance(value, str):
        text = value.strip()
        if text and len(text) <= _MAX_TEXT:
            try:
                number = int(text)
            except ValueError:
                as_float = finite_float(text)
                if as_float is not None and as_float.is_integer():
                    number = int(as_float)
    elif isinstance(value, float) and math.isfinite(value) and value.is_integer():
        number = int(value)
    if number is None:
        return None
    if finite_float(number) is None:
        return None
    return number


def finite_product(*factors: float | None) -> float | None:
    """The product of ``factors``, None when any is None or the result is not finite."""
    result = 1.0
    for factor in factors:
        if factor is None:
            return None
        result *= factor
    return result if math.isfinite(result) else None


def timestamp_seconds(value: Any, *, ms_threshold: float | None = None) -> float | None:
    """A Unix time in seconds that a ``datetime`` can hold, or None.

    With ``ms_threshold``, values at or above it are taken as milliseconds (EMS sends
    both). A time too large to be a date (e.g. microseconds where milliseconds belong)
    is None, not a date in the year 55000.
    """
    number = finite_float(value)
    if number is None:
        return None
    if ms_threshold is not None and abs(number) >= ms_threshold:
        number /= 1000
    if not MIN_TIMESTAMP <= number <= MAX_TIMESTAMP:
        _drop(value, "not a representable time")
        return None
    return number


def timestamp_ms(value: Any) -> int | None:
    """A Unix time in milliseconds (whole) that a ``datetime`` can hold, or None."""
    number = finite_float(value)
    if number is None or timestamp_seconds(number / 1000) is None:
        return None
    return round(number)


def utc_datetime(seconds: Any) -> datetime | None:
    """A Unix time in seconds as an aware UTC datetime; None when it cannot be one."""
    number = timestamp_seconds(seconds)
    if number is None:
        return None
    try:
        return datetime.fromtimestamp(number, UTC)
    except OverflowError, ValueError, OSError:  # pragma: no cover - range checked above
        return None
