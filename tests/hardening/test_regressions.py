"""Regression tests of issue 14 against the simulators, for every client.

Items: 2 (non-UTF-8), 3 (numbers out of range), 4 (wrong JSON types), 5 (deep nesting),
6 (redirects), 8 (secrets in error texts), 12 (HTTP 429).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
import traceback
from typing import Any

import aiohttp
import pytest

from custom_components.energy_hub.api.egauge import EgaugeClient
from custom_components.energy_hub.api.ekm import EkmClient
from custom_components.energy_hub.api.ems import EmsClient
from custom_components.energy_hub.api.errors import (
    EnergyHubRateLimitError,
    EnergyHubRedirectError,
    EnergyHubResponseError,
)
from custom_components.energy_hub.api.goe import GoeClient
from simulators.base import Simulator
from simulators.egauge import EgaugeSimulator
from simulators.ekm import DEFAULT_KEY, DEFAULT_TOKEN, EkmSimulator
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
