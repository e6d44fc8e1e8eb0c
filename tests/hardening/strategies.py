"""Hypothesis strategies: hostile JSON values and hostile reply bodies."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, settings, strategies as st

#: Numbers that floats and datetimes cannot hold, and their neighbours.
HOSTILE_NUMBERS: st.SearchStrategy[Any] = st.sampled_from(
    [
        10**400,
        -(10**400),
        int("9" * 400),
        float("inf"),
        float("-inf"),
        float("nan"),
        1e308,
        -1e308,
        1_764_648_000_000_000,  # a time in microseconds
        1_764_648_000_000_000_000,  # ... in nanoseconds
        2**63,
        -1,
        0,
        1.5,
    ]
)
HOSTILE_TEXT: st.SearchStrategy[str] = st.sampled_from(
    ["1e400", "-1e400", "Infinity", "NaN", "nan", "9" * 400, "", " ", "0x10", "1,5", "\x00"]
)

leaves: st.SearchStrategy[Any] = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    HOSTILE_NUMBERS,
    HOSTILE_TEXT,
)


def json_values(keys: list[str] | None = None) -> st.SearchStrategy[Any]:
    """Any JSON value; object keys mostly from ``keys`` (the vendor's own names)."""
    key_strategy = (
        st.one_of(st.sampled_from(keys), st.text(max_size=6)) if keys else st.text(max_size=6)
    )
    return st.recursive(
        leaves,
        lambda children: st.one_of(
            st.lists(children, max_size=4),
            st.dictionaries(key_strategy, children, max_size=5),
        ),
        max_leaves=16,
    )


def dumps(value: Any) -> bytes:
    """JSON as a hostile device writes it: NaN and Infinity allowed, any integer size."""
    return json.dumps(value, allow_nan=True).encode()


def bodies(documents: st.SearchStrategy[Any]) -> st.SearchStrategy[bytes]:
    """Reply bodies: the documents as JSON, truncated, with a non-UTF-8 byte, or garbage."""
    encoded = documents.map(dumps)
    return st.one_of(
        encoded,
        encoded,
        encoded,
        st.tuples(encoded, st.integers(min_value=0, max_value=200)).map(
            lambda pair: pair[0][: pair[1]]
        ),
        st.tuples(encoded, st.integers(min_value=0, max_value=200)).map(
            lambda pair: pair[0][: pair[1]] + b"\xe9\xff" + pair[0][pair[1] :]
        ),
        st.integers(min_value=1, max_value=20_000).map(lambda n: b"[" * n + b"]" * n),
        st.sampled_from([b"", b"<html>502 Bad Gateway</html>", b"null", b"\xef\xbb\xbf{}"]),
        st.binary(max_size=64),
    )


#: Statuses a reply may come with (the fuzzed body rides on each).
STATUSES: st.SearchStrategy[int] = st.sampled_from(
    [200, 200, 200, 200, 201, 202, 204, 301, 307, 400, 401, 403, 404, 422, 429, 500, 503]
)


def fuzz_settings(max_examples: int) -> settings:
    """Fixed seed, no example database, no deadline: the same cases on every run.

    ``max_examples`` keeps each client at a few seconds. The simulator and the session are
    function-scoped fixtures shared by the examples on purpose (faults are reset each time).
    """
    return settings(
        derandomize=True,
        database=None,
        max_examples=max_examples,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
