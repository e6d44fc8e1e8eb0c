"""The shared helpers of issue 14: safe numbers, redaction, Retry-After, redirect targets."""

from __future__ import annotations

from datetime import UTC, datetime
import json
import logging
import math

from hypothesis import given, strategies as st
import pytest
from yarl import URL

from custom_components.energy_hub.api.errors import (
    EnergyHubApiError,
    EnergyHubRequestError,
    EnergyHubResponseError,
)
from custom_components.energy_hub.api.http import (
    MAX_RETRY_AFTER,
    HttpResponse,
    careful_loads,
    loads,
    parse_retry_after,
    strip_location,
)
from custom_components.energy_hub.api.redact import (
    MASK,
    RedactedError,
    RedactingFilter,
    Redactor,
    exception_chain,
    redact,
)
from custom_components.energy_hub.api.values import (
    finite_float,
    finite_int,
    finite_product,
    timestamp_ms,
    timestamp_seconds,
    utc_datetime,
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1, 1.0),
        (-2.5, -2.5),
        (" 3.5 ", 3.5),
        ("1e3", 1000.0),
        (10**400, None),
        (-(10**400), None),
        (math.inf, None),
        (-math.inf, None),
        (math.nan, None),
        ("1e400", None),
        ("Infinity", None),
        ("NaN", None),
        ("9" * 500, None),
        ("", None),
        ("abc", None),
        (True, None),
        (None, None),
        ([1], None),
        ({"a": 1}, None),
    ],
)
def test_finite_float(value: object, expected: float | None) -> None:
    """Finite floats only; nothing raises."""
    assert finite_float(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (5, 5),
        ("12", 12),
        (" 12 ", 12),
        ("12.0", 12),
        ("1e3", 1000),
        (7.0, 7),
        (7.5, None),
        ("7.5", None),
        ("9" * 400, None),
        (10**400, None),
        ("x", None),
        ("", None),
        (math.nan, None),
        (False, None),
        (None, None),
        ([], None),
    ],
)
def test_finite_int(value: object, expected: int | None) -> None:
    """Whole numbers a float holds; counters read exactly."""
    assert finite_int(value) == expected


def test_finite_int_keeps_every_digit() -> None:
    """A long counter in text is not rounded through a float."""
    assert finite_int("123456789012345678901") == 123456789012345678901


def test_finite_product() -> None:
    """None in, None out; an overflowing product is None."""
    assert finite_product(2.0, 3.0) == 6.0
    assert finite_product(2.0, None) is None
    assert finite_product(1e200, 1e200) is None


def test_timestamps(caplog: pytest.LogCaptureFixture) -> None:
    """Times a datetime holds; microseconds where milliseconds belong are unknown."""
    caplog.set_level(logging.DEBUG)
    assert timestamp_seconds(1_764_648_000) == 1_764_648_000
    assert timestamp_seconds(1_764_648_000_000, ms_threshold=1e11) == 1_764_648_000
    assert timestamp_seconds(1_764_648_000_000_000, ms_threshold=1e11) is None
    assert timestamp_seconds(1e300) is None
    assert timestamp_seconds("x") is None
    assert timestamp_ms(1_764_648_000_000) == 1_764_648_000_000
    assert timestamp_ms(1_764_648_000_000_000) is None
    assert timestamp_ms(None) is None
    assert utc_datetime(0) == datetime(1970, 1, 1, tzinfo=UTC)
    assert utc_datetime(1e15) is None
    assert utc_datetime("nan") is None
    assert "not a representable time" in caplog.text
    long_value = "9" * 300
    assert timestamp_seconds(long_value) is None
    assert "..." in caplog.text


def test_loads_makes_hostile_numbers_null() -> None:
    """NaN, infinities and numbers beyond the float range parse to None."""
    assert loads('{"a": NaN, "b": Infinity, "c": -Infinity, "d": 1e400, "e": 1.5}') == {
        "a": None,
        "b": None,
        "c": None,
        "d": None,
        "e": 1.5,
    }
    assert loads("[" + "9" * 400 + ", 12]") == [None, 12]
    with pytest.raises(ValueError, match="digits"):
        loads("9" * 5000)
    # the fast path (no Python call per number) must not let an overflow through: a
    # 250-digit mantissa with a two-digit exponent is beyond the float range too
    assert loads(f"[{'9' * 250}e99, {'9' * 250}.5E+99, 1{'0' * 199}, 1e99, -2.5e-99]") == [
        None,
        None,
        10**199,
        1e99,
        -2.5e-99,
    ]
    assert loads('{"big": -1e308, "over": -1e309, "tiny": 1e-400}') == {
        "big": -1e308,
        "over": None,
        "tiny": 0.0,
    }


@given(
    st.lists(
        st.one_of(
            st.integers(min_value=-(10**320), max_value=10**320),
            st.floats(allow_nan=False, allow_infinity=False),
            st.from_regex(r"-?[1-9][0-9]{0,260}(\.[0-9]{1,5})?[eE][+-]?[0-9]{1,3}", fullmatch=True),
        ),
        max_size=8,
    )
)
def test_loads_fast_path_agrees_with_the_safe_parser(numbers: list[int | float | str]) -> None:
    """Whichever path parses a text, every number beyond the float range is None."""
    text = "[" + ", ".join(str(n) if not isinstance(n, float) else repr(n) for n in numbers) + "]"
    for number, parsed in zip(numbers, loads(text), strict=True):
        value = float(number) if not isinstance(number, int) else number
        if isinstance(number, int):
            try:
                expected = number if math.isfinite(float(number)) else None
            except OverflowError:
                expected = None
        else:
            expected = value if math.isfinite(value) else None
        assert parsed == expected
    with pytest.raises(RecursionError):
        loads("[" * 100_000 + "]" * 100_000)


def _same(a: object, b: object) -> bool:
    """Equal values of equal types, all the way down (1 and 1.0 differ, NaN is NaN)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict) and isinstance(b, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a):
        return math.isnan(b)
    return a == b


_NUMBER_TEXT = st.one_of(
    st.integers(min_value=-(10**25), max_value=10**25).map(str),
    st.sampled_from(
        ["18446744073709551615", "18446744073709551616", "-9223372036854775809", "-0", "-0.0"]
    ),
    st.from_regex(r"-?(0|[1-9][0-9]{0,22})(\.[0-9]{1,22})?([eE][+-]?[0-9]{1,3})?", fullmatch=True),
    st.sampled_from(["NaN", "Infinity", "-Infinity", "1e400", "-1e309", "2.5e-324"]),
)


@given(
    st.recursive(
        st.one_of(
            _NUMBER_TEXT,
            st.text(max_size=12).map(json.dumps),
            st.sampled_from(['"\\ud800"', '"\\udc00x"', '"\\u00e9\\n"', "true", "null"]),
        ),
        lambda inner: st.one_of(
            st.lists(inner, max_size=4).map(lambda items: "[" + ", ".join(items) + "]"),
            st.dictionaries(st.text(max_size=5), inner, max_size=4).map(
                lambda members: (
                    "{" + ",".join(f"{json.dumps(k)}: {v}" for k, v in members.items()) + "}"
                )
            ),
        ),
        max_leaves=12,
    )
)
def test_loads_reads_as_the_careful_parser_does(text: str) -> None:
    """orjson's fast path gives exactly what Python's parser with the hooks gives."""
    assert _same(loads(text), careful_loads(text))


def test_response_json_errors() -> None:
    """Malformed and too deeply nested JSON are response errors with the status."""
    with pytest.raises(EnergyHubResponseError, match="Malformed") as malformed:
        HttpResponse(200, {}, "{").json()
    assert malformed.value.status == 200
    assert malformed.value.__cause__ is None
    with pytest.raises(EnergyHubResponseError, match="nested too deeply"):
        HttpResponse(200, {}, "[" * 100_000).json()


def test_parse_retry_after() -> None:
    """Delta seconds, HTTP dates (past: 0), garbage and the cap."""
    now = datetime(2026, 12, 2, 4, 0, 0, tzinfo=UTC)
    assert parse_retry_after("120") == 120
    assert parse_retry_after(" 0 ") == 0
    assert parse_retry_after("Wed, 02 Dec 2026 04:00:30 GMT", now) == 30
    assert parse_retry_after("Wed, 02 Dec 2026 03:59:00 GMT", now) == 0
    assert parse_retry_after("Wed, 02 Dec 2026 04:00:30", now) == 30
    assert parse_retry_after("999999999") == MAX_RETRY_AFTER
    assert parse_retry_after("9" * 500) is None
    assert parse_retry_after("soon") is None
    assert parse_retry_after("-5") is None
    assert parse_retry_after("") is None
    assert parse_retry_after(None) is None
    assert parse_retry_after("Wed, 02 Dec 2026 04:00:30 GMT") is not None


def test_strip_location() -> None:
    """Absolute, without query, fragment or user info; relative ones are joined."""
    base = URL("http://meter.local:8080")
    assert (
        strip_location("https://u:pw@evil.example/x?key=SECRET#f", base) == "https://evil.example/x"
    )
    assert strip_location("/login?token=abc", base) == "http://meter.local:8080/login"
    assert strip_location("http://[::1", base) == "an unreadable address"


SECRET = "p@ss w0rd/+"


@pytest.mark.parametrize(
    "text",
    [
        f"password is {SECRET}",
        "GET /readMeter?key=MTAxMDoyMDIw&meters=1",
        "https://api/x?meters=1&KEY=abc&ver=v4",
        "url='http://h/p?token=abc123'",
        "?api_key=abc",
        "?password%3Dabc",
        '{"password": "hunter2", "user": "me"}',
        "Authorization: Bearer abc.def-ghi",
        "jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.sig_nature",
        "http://owner:hunter2@meter.local/api",
        "p%40ss%20w0rd%2F%2B",
        "p%40ss+w0rd%2F%2B",
    ],
)
def test_redact_removes_secrets(text: str) -> None:
    """Given secrets (also URL-encoded) and secret-looking values are masked."""
    result = redact(text, [SECRET, None, ""])
    assert MASK in result
    for leaked in (SECRET, "MTAxMDoyMDIw", "abc123", "hunter2", "eyJhbGci", "abc.def"):
        assert leaked not in result
    assert "=abc" not in result


def test_redact_keeps_harmless_text() -> None:
    """Ordinary texts (also ones with key-like words) pass unchanged."""
    for text in ("monkey=1&donkey=2", "/api/auth/login", "HTTP 500 for /api/register", ""):
        assert redact(text) == text


def test_redact_survives_a_broken_str() -> None:
    """An object whose __str__ raises is named, not raised."""

    class Broken:
        def __str__(self) -> str:
            raise RuntimeError("boom")

    class BrokenError(ValueError):
        def __str__(self) -> str:
            raise RuntimeError("boom")

    assert redact(Broken()) == "<Broken>"
    assert Redactor(["x"]).is_clean(BrokenError())


def test_redactor() -> None:
    """A redactor binds secrets; is_clean walks the whole exception chain."""
    redactor = Redactor(["topsecret", None])
    assert "topsecret" not in repr(redactor)
    assert redactor("a topsecret b") == f"a {MASK} b"
    chained = RuntimeError("wrapper")
    chained.__cause__ = OSError("connect to http://h/?key=topsecret failed")
    assert len(exception_chain(chained)) == 2
    assert not redactor.is_clean(chained)
    assert redactor.is_clean(RuntimeError("harmless"))
    loop = RuntimeError("loop")
    loop.__context__ = RuntimeError("back")
    loop.__context__.__context__ = loop
    assert len(exception_chain(loop)) == 2


def test_error_texts_are_redacted() -> None:
    """Every error of ours passes its message (and detail) through the redaction."""
    err = EnergyHubApiError("GET /x?key=abc failed")
    assert "abc" not in str(err)
    request = EnergyHubRequestError("refused", status=400, detail="token=xyz")
    assert request.detail == f"token={MASK}"
    assert str(EnergyHubApiError()) == ""


def test_redacting_filter(caplog: pytest.LogCaptureFixture) -> None:
    """Messages, arguments, tracebacks and stack info of a filtered logger are redacted."""
    logger = logging.getLogger("tests.hardening.redacting")
    known = ["entry-secret"]
    redacting = RedactingFilter(lambda: known)
    logger.addFilter(redacting)
    caplog.set_level(logging.DEBUG, logger=logger.name)
    try:
        logger.debug("polling %s with %s", "http://h/?key=abc", "entry-secret")
        logger.debug("nothing to hide %s", 42)
        try:
            raise ValueError("http://h/readMeter?key=abc and entry-secret")  # noqa: TRY301
        except ValueError:
            logger.exception("failed")
        try:
            raise ValueError("harmless")  # noqa: TRY301
        except ValueError:
            logger.exception("failed plainly")
        logger.debug("stack", stack_info=True)
    finally:
        logger.removeFilter(redacting)
    records = caplog.records
    assert records[0].getMessage() == f"polling http://h/?key={MASK} with {MASK}"
    assert records[1].args == (42,)
    assert records[2].exc_info is not None
    assert records[2].exc_info[0] is RedactedError
    assert "abc" not in str(records[2].exc_info[1])
    assert "entry-secret" not in (records[2].exc_text or "")
    assert "Traceback" in (records[2].exc_text or "")
    assert records[3].exc_info is not None
    assert records[3].exc_info[0] is ValueError
    for record in records:
        formatted = logging.Formatter().format(record)
        assert "entry-secret" not in formatted
        assert "key=abc" not in formatted
    assert RedactingFilter().filter(records[1])
    bad = logging.LogRecord("x", logging.DEBUG, __file__, 1, "bad format %d", ("x",), None)
    assert RedactingFilter().filter(bad)
    assert bad.msg == "bad format %d"
