"""Regression tests of issue 14 against the simulators, for every client.

Items: 2 (non-UTF-8), 3 (numbers out of range), 4 (wrong JSON types), 5 (deep nesting),
6 (redirects), 8 (secrets in error texts), 12 (HTTP 429).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
import logging
import traceback
from typing import Any

import aiohttp
import pytest

from custom_components.energy_hub.api.egauge import EgaugeClient, RegisterData
from custom_components.energy_hub.api.ekm import EkmClient
from custom_components.energy_hub.api.ems import EmsClient
from custom_components.energy_hub.api.errors import (
    EnergyHubConnectionError,
    EnergyHubRateLimitError,
    EnergyHubRedirectError,
    EnergyHubRequestError,
    EnergyHubResponseError,
)
from custom_components.energy_hub.api.goe import GoeClient, GoeRejectedError
from simulators.base import Simulator
from simulators.egauge import EgaugeSimulator
from simulators.ekm import DEFAULT_KEY, DEFAULT_TOKEN, GATEWAY, EkmSimulator
from simulators.ems import EmsSimulator
from simulators.goe import GoeSimulator

from ..conftest import StartSimulator

METERS = ["000300000001", "000300000002", "000000000099"]
VENDORS = ["egauge", "ems", "ekm", "goe"]


type Poll = Callable[[], Awaitable[Any]]


@dataclass
class Vendor:
    """A simulator, a client of it, the path its poll reads and the poll itself."""

    name: str
    sim: Simulator
    path: str
    secrets: tuple[str, ...]
    #: a new client of the simulator and its poll
    fresh: Callable[[], tuple[Any, Poll]]

    def __post_init__(self) -> None:
        """The first client."""
        self.client, self.poll = self.fresh()


async def make_vendor(name: str, start: StartSimulator, session: aiohttp.ClientSession) -> Vendor:
    """Start the vendor's simulator; the vendor makes clients of it."""
    if name == "egauge":
        eg = await start(EgaugeSimulator())

        def egauge() -> tuple[Any, Poll]:
            client = EgaugeClient(session, eg.url, "owner", "secret")
            return client, client.async_get_registers

        return Vendor(name, eg, "/api/register", ("secret",), egauge)
    if name == "ems":
        ems = await start(EmsSimulator())
        wanted = [uid for uid, sig in ems.signals.items() if sig["enable"]]

        def gateway() -> tuple[Any, Poll]:
            client = EmsClient(session, ems.url, "admin", "s3cret!")
            return client, lambda: client.realtime(wanted)

        return Vendor(name, ems, "/v1/signals/realtime", ("s3cret!",), gateway)
    if name == "ekm":
        ekm = await start(EkmSimulator())

        def push() -> tuple[Any, Poll]:
            client = EkmClient(
                session, DEFAULT_KEY, DEFAULT_TOKEN, api_url=ekm.url, push_url=ekm.url
            )
            return client, lambda: client.read_meters(METERS)

        return Vendor(name, ekm, "/readMeter", (DEFAULT_KEY, DEFAULT_TOKEN), push)
    goe = await start(GoeSimulator())

    def cloud() -> tuple[Any, Poll]:
        client = GoeClient.cloud(
            session, goe.serial, goe.token, url_template=f"{goe.url}/cloud/{{serial}}"
        )
        return client, lambda: client.status(["amp", "nrg", "eto"])

    return Vendor(name, goe, f"/cloud/{goe.serial}/api/status", (goe.token,), cloud)


@pytest.fixture(params=VENDORS)
async def vendor(
    request: pytest.FixtureRequest, start_simulator: StartSimulator, session: aiohttp.ClientSession
) -> Vendor:
    """Each vendor in turn."""
    return await make_vendor(request.param, start_simulator, session)


def assert_no_secret(vendor: Vendor, *texts: str) -> None:
    """None of the vendor's secrets is in any of the texts."""
    for text in texts:
        for secret in vendor.secrets:
            assert secret not in text, f"{secret!r} leaked into {text!r}"


def full_text(err: BaseException) -> str:
    """The exception as a traceback prints it, with everything chained to it."""
    return "".join(traceback.format_exception(err))


# -- item 2: not UTF-8 -------------------------------------------------------------------


async def test_non_utf8_reply_is_a_response_error(vendor: Vendor) -> None:
    """A Latin-1 byte inside a string (HTTP 200, JSON) is our response error; then recovery."""
    assert await vendor.poll()
    vendor.sim.faults.non_utf8 = True
    vendor.sim.faults.paths = (vendor.path,)
    with pytest.raises(EnergyHubResponseError, match="not valid text"):
        await vendor.poll()
    vendor.sim.faults.reset()
    assert await vendor.poll()


# -- item 5: deep nesting ----------------------------------------------------------------


async def test_deeply_nested_reply_is_a_response_error(vendor: Vendor) -> None:
    """JSON nested 100,000 levels deep is a response error, not a RecursionError."""
    vendor.sim.faults.deep_nesting = 100_000
    vendor.sim.faults.paths = (vendor.path,)
    with pytest.raises(EnergyHubResponseError, match="nested too deeply"):
        await vendor.poll()
    vendor.sim.faults.reset()
    assert await vendor.poll()


# -- item 6: redirects -------------------------------------------------------------------


async def test_redirect_to_another_host_is_not_followed(
    vendor: Vendor, start_simulator: StartSimulator
) -> None:
    """A 307 to another host: nothing reaches it; the error names it without the query."""
    other = await start_simulator(Simulator())
    vendor.sim.faults.redirect = other.url
    with pytest.raises(EnergyHubRedirectError) as caught:
        await vendor.poll()
    assert other.log == []
    err = caught.value
    assert err.status == 307
    assert err.location.startswith(other.url)
    assert "?" not in err.location
    assert err.location in str(err)
    assert_no_secret(vendor, full_text(err))


@pytest.mark.parametrize(
    ("name", "path"), [("egauge", "/api/auth/login"), ("ems", "/v1/auth/login")]
)
async def test_login_body_is_never_reposted(
    name: str, path: str, start_simulator: StartSimulator, session: aiohttp.ClientSession
) -> None:
    """The login (user name and password in the body) is not re-sent to a redirect target."""
    vendor = await make_vendor(name, start_simulator, session)
    other = await start_simulator(Simulator())
    vendor.sim.faults.redirect = other.url
    vendor.sim.faults.paths = (path,)
    with pytest.raises(EnergyHubRedirectError) as caught:
        await vendor.poll()
    assert other.log == []
    assert caught.value.location == f"{other.url}{path}"
    assert [r.path for r in vendor.sim.requests(path)] == [path]


# -- item 12: HTTP 429 -------------------------------------------------------------------


async def test_rate_limit_honours_retry_after_seconds(vendor: Vendor) -> None:
    """429 with Retry-After: 7 is a rate-limit error; nothing is sent for 7 seconds."""
    vendor.sim.faults.rate_limited = True
    vendor.sim.faults.retry_after = "7"
    with pytest.raises(EnergyHubRateLimitError) as caught:
        await vendor.poll()
    assert caught.value.reason == "rate_limited"
    assert caught.value.retry_after == 7
    assert 6 < vendor.client.retry_after <= 7
    vendor.sim.faults.reset()
    sent = len(vendor.sim.log)
    with pytest.raises(EnergyHubRateLimitError) as again:
        await vendor.poll()
    assert len(vendor.sim.log) == sent
    assert 0 < again.value.retry_after <= 7


async def test_rate_limit_honours_retry_after_date(vendor: Vendor) -> None:
    """Retry-After as an HTTP date is the time until then."""
    vendor.sim.faults.rate_limited = True
    when = datetime.now(UTC) + timedelta(seconds=30)
    vendor.sim.faults.retry_after = format_datetime(when, usegmt=True)
    with pytest.raises(EnergyHubRateLimitError) as caught:
        await vendor.poll()
    assert 25 <= caught.value.retry_after <= 30


async def test_rate_limit_without_header_backs_off_and_ends(vendor: Vendor) -> None:
    """No Retry-After: the default back-off; after Retry-After 0 the next poll goes out."""
    vendor.sim.faults.rate_limited = True
    with pytest.raises(EnergyHubRateLimitError) as caught:
        await vendor.poll()
    assert caught.value.retry_after == 60
    client, poll = vendor.fresh()
    vendor.sim.faults.retry_after = "0"
    with pytest.raises(EnergyHubRateLimitError) as zero:
        await poll()
    assert zero.value.retry_after == 0
    assert client.retry_after == 0
    vendor.sim.faults.reset()
    assert await poll()


# -- item 3: numbers out of range --------------------------------------------------------

HOSTILE = ["1e400", "-1e400", "Infinity", "-Infinity", "NaN", "9" * 400]


@pytest.mark.parametrize("token", HOSTILE)
async def test_egauge_rates_out_of_range_are_unknown(
    token: str, start_simulator: StartSimulator, session: aiohttp.ClientSession
) -> None:
    """Every rate out of range: each rate is unknown, the poll and the totals survive."""
    vendor = await make_vendor("egauge", start_simulator, session)
    good: RegisterData = await vendor.poll()
    vendor.sim.faults.out_of_range = token
    vendor.sim.faults.out_of_range_keys = ("rate",)
    data: RegisterData = await vendor.poll()
    assert data.registers.keys() == good.registers.keys()
    assert all(register.rate is None for register in data.registers.values())
    assert any(register.total is not None for register in data.registers.values())


@pytest.mark.parametrize("token", HOSTILE)
async def test_egauge_counters_and_time_out_of_range_are_unknown(
    token: str, start_simulator: StartSimulator, session: aiohttp.ClientSession
) -> None:
    """A 400-digit counter (or inf/NaN) makes that total unknown; a bad ts makes ts unknown."""
    vendor = await make_vendor("egauge", start_simulator, session)
    vendor.sim.faults.out_of_range = token
    vendor.sim.faults.out_of_range_keys = ("rows", "ts")
    data: RegisterData = await vendor.poll()
    assert data.registers
    assert data.ts is None
    assert all(register.total is None for register in data.registers.values())
    assert any(register.rate is not None for register in data.registers.values())


@pytest.mark.parametrize("token", [*HOSTILE, "1764648000000000"])
async def test_ems_values_and_times_out_of_range_are_unknown(
    token: str, start_simulator: StartSimulator, session: aiohttp.ClientSession
) -> None:
    """EMS ``v`` and ``t`` out of range (or ``t`` in microseconds) are unknown, nothing else."""
    vendor = await make_vendor("ems", start_simulator, session)
    good = await vendor.poll()
    vendor.sim.faults.out_of_range = token
    vendor.sim.faults.out_of_range_keys = ("t",)
    timeless = await vendor.poll()
    assert timeless.keys() == good.keys()
    assert all(sample.time_ms is None for sample in timeless.values())
    assert any(sample.value is not None for sample in timeless.values())
    vendor.sim.faults.out_of_range_keys = ("v",)
    valueless = await vendor.poll()
    assert valueless.keys() == good.keys()
    if token != "1764648000000000":  # a big but finite value is a value
        assert all(sample.value is None for sample in valueless.values())
    assert all(sample.time_ms is not None for sample in valueless.values())


@pytest.mark.parametrize("token", [*HOSTILE, "1764648000000000"])
async def test_ekm_readings_out_of_range_are_unknown(
    token: str, start_simulator: StartSimulator, session: aiohttp.ClientSession
) -> None:
    """EKM readings and times out of range: those values unknown, the other values kept."""
    vendor = await make_vendor("ekm", start_simulator, session)
    vendor.sim.faults.out_of_range = token
    vendor.sim.faults.out_of_range_keys = ("kWh_Tot", "RMS_Watts_Tot", "Time_Stamp_UTC_ms")
    readings = await vendor.poll()
    good = [reading for reading in readings.values() if reading.good]
    assert good
    for reading in good:
        assert reading.timestamp is None
        assert reading.value("RMS_Volts_Ln_1") is not None
        if token != "1764648000000000":
            assert reading.value("kWh_Tot") is None
            assert reading.value("RMS_Watts_Tot") is None


@pytest.mark.parametrize("meter", [10**400, "1e400", -1, 10**13])
async def test_ekm_meter_number_out_of_range_skips_that_read(
    meter: Any, start_simulator: StartSimulator, session: aiohttp.ClientSession
) -> None:
    """A ``Meter`` that is no meter number drops that read only: the poll succeeds."""
    vendor = await make_vendor("ekm", start_simulator, session)
    vendor.sim.faults.replace = {"Meter": meter}
    readings = await vendor.poll()
    assert not set(readings) & set(METERS)


@pytest.mark.parametrize("token", HOSTILE)
async def test_goe_values_out_of_range_are_unknown(
    token: str, start_simulator: StartSimulator, session: aiohttp.ClientSession
) -> None:
    """go-e numbers out of range become None; the other keys are kept."""
    vendor = await make_vendor("goe", start_simulator, session)
    vendor.sim.faults.out_of_range = token
    vendor.sim.faults.out_of_range_keys = ("amp", "nrg")
    status = await vendor.poll()
    assert status["amp"] is None
    assert all(value is None for value in status["nrg"])
    assert status["eto"] is not None


# -- item 4: wrong JSON types ------------------------------------------------------------


TRIGGER = {
    "trigger_name": "test",
    "conditions": [
        {
            "type": "data",
            "source": "meter",
            "source_id": "000300000001",
            "field": "kWh_Tot",
            "threshold_value": "10",
            "threshold_test": ">",
            "duration": "0",
            "hysteresis": "60",
            "continuous": False,
        }
    ],
    "actions": [
        {
            "target": "meter",
            "target_id": "000300000001",
            "command": "setRelay",
            "params": {"relay": "relay_1", "status": "close", "duration": 1},
        }
    ],
}


@pytest.mark.parametrize(
    ("replace", "call"),
    [
        ({"conditions": 5}, lambda c: c.list_triggers(GATEWAY)),
        ({"actions": "relay"}, lambda c: c.list_triggers(GATEWAY)),
        ({"gateways": 1}, lambda c: c.account()),
        ({"meters": True}, lambda c: c.account()),
        ({"readMeter": [1]}, lambda c: c.read_meters(METERS)),
        ({"triggers": {"a": 1}}, lambda c: c.list_triggers(GATEWAY)),
    ],
)
async def test_ekm_wrong_types_are_response_errors(
    replace: dict[str, Any],
    call: Callable[[EkmClient], Awaitable[Any]],
    start_simulator: StartSimulator,
    session: aiohttp.ClientSession,
) -> None:
    """An object or list of the wrong JSON type is our response error, not a TypeError."""
    sim = await start_simulator(EkmSimulator())
    client = EkmClient(session, DEFAULT_KEY, DEFAULT_TOKEN, api_url=sim.url, push_url=sim.url)
    await client.create_trigger(GATEWAY, TRIGGER)
    assert await call(client)
    sim.faults.replace = replace
    with pytest.raises(EnergyHubResponseError):
        await call(client)


@pytest.mark.parametrize(
    ("name", "replace"),
    [
        ("egauge", {"registers": 5}),
        ("egauge", {"registers": {"a": 1}}),
        ("ems", {"realtime": 5}),
        ("ems", {"realtime": "x"}),
    ],
)
async def test_wrong_types_are_response_errors(
    name: str,
    replace: dict[str, Any],
    start_simulator: StartSimulator,
    session: aiohttp.ClientSession,
) -> None:
    """The same for eGauge registers and EMS realtime maps."""
    vendor = await make_vendor(name, start_simulator, session)
    vendor.sim.faults.replace = replace
    with pytest.raises(EnergyHubResponseError):
        await vendor.poll()


async def test_goe_status_of_the_wrong_type_is_a_response_error(
    start_simulator: StartSimulator, session: aiohttp.ClientSession
) -> None:
    """A status that is a list, not an object, is a response error."""
    vendor = await make_vendor("goe", start_simulator, session)
    vendor.sim.faults.body = b"[1, 2]"
    with pytest.raises(EnergyHubResponseError):
        await vendor.poll()


# -- item 8: secrets ---------------------------------------------------------------------


async def test_aiohttp_error_text_with_the_url_does_not_leak(
    vendor: Vendor, caplog: pytest.LogCaptureFixture
) -> None:
    """A broken HTTP answer: aiohttp quotes the URL (EKM: with key=); the chain is cut."""
    caplog.set_level(logging.DEBUG)
    vendor.sim.faults.bad_http = True
    with pytest.raises(EnergyHubConnectionError) as caught:
        await vendor.poll()
    text = full_text(caught.value)
    assert "key=" not in text
    assert_no_secret(vendor, text, caplog.text)
    for record in caplog.records:
        assert_no_secret(vendor, record.getMessage())
    if vendor.name == "ekm":
        # the URL (and so the key) was in aiohttp's text: nothing of it is chained
        assert caught.value.__cause__ is None
        assert caught.value.__context__ is None
        assert "key=**REDACTED**" in caplog.text


async def test_connection_refused_keeps_its_cause(
    socket_enabled: Any, session: aiohttp.ClientSession
) -> None:
    """A cause without a secret stays chained (certificate detection reads it)."""
    client = EmsClient(session, "http://127.0.0.1:9", "admin", "s3cret!")
    with pytest.raises(EnergyHubConnectionError) as caught:
        await client.api_version()
    assert isinstance(caught.value.__cause__, aiohttp.ClientError)


async def test_device_error_texts_are_redacted(vendor: Vendor) -> None:
    """A device echoing the request (secrets and all) in its error text: redacted."""
    echo = " ".join(f"token={s} {s}" for s in vendor.secrets)
    jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZG1pbiJ9.c2lnbmF0dXJlLXRleHQ"
    vendor.sim.faults.body = f'{{"error": "bad request: {echo} Bearer {jwt}"}}'.encode()
    vendor.sim.faults.status = 200 if vendor.name == "egauge" else 400
    vendor.sim.faults.paths = (vendor.path,)
    if vendor.name == "goe":
        vendor.sim.faults.status = 422
        vendor.sim.faults.body = f'{{"failed": [{{"amp": "refused {echo} {jwt}"}}]}}'.encode()
        vendor.sim.faults.paths = (vendor.path.replace("status", "set"),)
        with pytest.raises(GoeRejectedError) as rejected:
            await vendor.client.set({"amp": 16})
        err: EnergyHubRequestError = rejected.value
    else:
        with pytest.raises(EnergyHubRequestError) as caught:
            await vendor.poll()
        err = caught.value
    assert "**REDACTED**" in err.detail
    assert_no_secret(vendor, str(err), err.detail, full_text(err))
    assert jwt not in err.detail
