"""The HA-free EMS client against the EMS simulator (a real HTTP server)."""

from __future__ import annotations

from collections.abc import AsyncIterator
import json
import math
import time

import aiohttp
from aiohttp import web
import pytest

from custom_components.energy_hub.api import ems as ems_api
from custom_components.energy_hub.api.ems import (
    MAX_LIMIT,
    EmsClient,
    EmsNotFoundError,
    EmsNotGatewayError,
    _bool,
    _error_text,
    _int,
    _map_entries,
    load_protocol,
    parse_sample,
    parse_value,
    to_seconds,
)
from custom_components.energy_hub.api.ems_signals import SIGNAL_TYPES, SIGNALS, signal_type
from custom_components.energy_hub.api.errors import (
    EnergyHubAuthError,
    EnergyHubConnectionError,
    EnergyHubRequestError,
    EnergyHubResponseError,
)
from custom_components.energy_hub.api.http import HttpResponse
from custom_components.energy_hub.vendors.ems.entities import uid_from_unique_id
from simulators.base import Simulator
from simulators.ems import EmsSimulator

from ..conftest import StartSimulator


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as sess:
        yield sess


@pytest.fixture
async def sim(start_simulator: StartSimulator) -> EmsSimulator:
    return await start_simulator(EmsSimulator())


def _client(
    session: aiohttp.ClientSession, sim: Simulator, *, page_limit: int | None = None
) -> EmsClient:
    client = EmsClient(session, sim.url, "admin", "s3cret!")
    if page_limit is not None:
        client.page_limit = page_limit
    return client


async def test_version_and_system_info(sim: EmsSimulator, session: aiohttp.ClientSession) -> None:
    client = _client(session, sim)
    assert await client.api_version() == 1
    assert sim.logins == 0  # /ver is public
    info = await client.system_info()
    assert info.serial == "BX10000000"
    assert info.mac == "00:1A:2B:3C:4D:5E"
    assert info.firmware == "EMS_1.0.0.0.250101.000000"
    assert info.part_number == "EMS10AV5S1X"
    assert info.timezone == "+00:00 UTC"
    assert info.date is not None
    assert sim.logins == 1


async def test_not_a_gateway(
    sim: EmsSimulator, session: aiohttp.ClientSession, start_simulator: StartSimulator
) -> None:
    other = await start_simulator(Simulator())
    with pytest.raises(EmsNotGatewayError):
        await _client(session, other).api_version()
    sim.api_ver = "one"
    with pytest.raises(EmsNotGatewayError):
        await _client(session, sim).api_version()
    sim.api_ver = 1
    sim.faults.malformed_json = True
    with pytest.raises(EmsNotGatewayError):
        await _client(session, sim).api_version()


async def test_wrong_password_and_unreachable(
    sim: EmsSimulator, session: aiohttp.ClientSession
) -> None:
    client = EmsClient(session, sim.url, "admin", "wrong")
    with pytest.raises(EnergyHubAuthError):
        await client.login()
    with pytest.raises(EnergyHubConnectionError):
        await EmsClient(session, "http://127.0.0.1:9", "a", "b").api_version()


async def test_token_reused_and_renewed_once_on_401(
    sim: EmsSimulator, session: aiohttp.ClientSession
) -> None:
    client = _client(session, sim)
    await client.system_info()
    await client.devices()
    assert sim.logins == 1
    # the token lasts 30 minutes
    assert 1790 <= client.tokens.expires_at - time.time() <= 1800
    sim.tokens.revoke_all()
    sim.unauthorized = 0
    assert len(await client.devices()) == 6
    assert sim.logins == 2
    assert sim.unauthorized == 1
    # a fresh token refused as well: an auth error, not a loop
    sim.tokens.revoke_all()
    sim.password = "changed"
    sim.clear_log()
    with pytest.raises(EnergyHubAuthError):
        await client.devices()
    assert len(sim.requests("/v1/devices")) == 1
    assert len(sim.requests("/v1/auth/login")) == 1


async def test_fresh_token_refused(sim: EmsSimulator, session: aiohttp.ClientSession) -> None:
    """A gateway refusing even a new token raises an auth error after one retry."""
    client = _client(session, sim)
    await client.login()
    sim.faults.status = 401
    sim.faults.paths = ("/v1/devices",)
    with pytest.raises(EnergyHubAuthError):
        await client.devices()
    assert len(sim.requests("/v1/devices")) == 2


async def test_discovery_pages_and_filters(
    sim: EmsSimulator, session: aiohttp.ClientSession
) -> None:
    client = _client(session, sim, page_limit=50)
    config = await client.discover()
    assert len(config.devices) == 6
    assert len(config.loads) == 13
    assert len(config.signals) == len(sim.signals) == 258
    assert len(config.enabled_signals) == 257
    # no paging information in the reply: read until a page brings nothing
    assert len(sim.requests("/v1/signals")) == math.ceil(258 / 50) + 1
    assert [r.query["page"] for r in sim.requests("/v1/signals")] == [
        "1",
        "2",
        "3",
        "4",
        "5",
        "6",
        "7",
    ]
    main = config.devices[1]
    assert (main.label, main.part_number, main.system) == ("Main meter", "EMS10AV5S1X", "3P")
    assert config.loads[2].protocol == "meterBus"
    assert config.loads[2].did == 1
    assert [uid for uid, load in config.loads.items() if load.main] == [2]
    assert {load.protocol for load in config.loads.values()} == {
        "meterBus",
        "tcp",
        "rtu",
        "virtual",
        "P1",
    }
    tcp = await client.devices(protocol="tcp")
    assert [d.label for d in tcp.values()] == ["EM1", "Office"]
    assert sim.requests("/v1/devices")[-1].query["protocol"] == "tcp"
    rtu_loads = await client.loads(protocol="rtu")
    assert {load.label for load in rtu_loads.values()} == {"Workshop", "Garage", "Pool pump"}
    assert list(await client.loads(uids=[2])) == [2]
    some = await client.signals(uids=[100, 101])
    assert sorted(some) == [100, 101]
    assert sim.requests("/v1/signals")[-1].query["uids"] == "100,101"


async def test_realtime_reads_only_what_is_wanted(
    session: aiohttp.ClientSession, start_simulator: StartSimulator
) -> None:
    sim = await start_simulator(EmsSimulator(total_signals=2500))
    client = _client(session, sim)
    config = await client.discover()
    enabled = config.enabled_signals
    assert len(enabled) == 2500
    # everything wanted: the unfiltered map, page by page, is the cheapest read
    sim.clear_log()
    samples = await client.realtime(enabled, known=len(enabled))
    assert len(samples) == 2500
    requests = sim.requests("/v1/signals/realtime")
    assert len(sim.log) == len(requests) == math.ceil(2500 / MAX_LIMIT) == 3
    assert client.expected_realtime_requests(enabled, 2500) == 3
    assert client.expected_realtime_requests([], 2500) == 0
    assert all(r.query["limit"] == str(MAX_LIMIT) for r in requests)
    assert all("uids" not in r.query for r in requests)
    sample = samples[100]
    assert sample.si == 1
    assert isinstance(sample.value, float)
    assert sample.status == 1
    assert sample.reason == 0
    assert sample.time_ms is not None
    # a few wanted: one filtered request with the raw comma list
    wanted = sorted(enabled)[:40]
    sim.clear_log()
    assert sorted(await client.realtime(wanted, known=2500)) == wanted
    assert len(sim.log) == 1
    assert sim.log[0].query_string.startswith(f"limit={MAX_LIMIT}&uids=") or (
        sim.log[0].query_string.startswith("uids=")
    )
    assert ",".join(str(uid) for uid in wanted) in sim.log[0].query_string
    # many wanted: chunks within the safe URL length, fewer than the pages would be
    wanted = sorted(enabled)[:700]
    chunks = client.uid_chunks(wanted)
    assert all(len(chunk) <= ems_api.MAX_UIDS_QUERY for chunk in chunks)
    assert len(chunks) == 2
    sim.clear_log()
    assert sorted(await client.realtime(wanted, known=2500)) == wanted
    assert len(sim.log) == 2
    assert all(len(r.query_string) < 2000 for r in sim.log)
    # without the known count the filtered read is used
    assert client.realtime_plan(enabled).chunks == tuple(client.uid_chunks(enabled))
    assert await client.realtime([]) == {}


async def test_realtime_paging_is_not_driven_by_page_length(
    session: aiohttp.ClientSession, start_simulator: StartSimulator
) -> None:
    """Issue 14 item 1: a short or an empty page loses only what it leaves out."""
    sim = await start_simulator(EmsSimulator(total_signals=2500))
    client = _client(session, sim)
    config = await client.discover()
    enabled = sorted(config.enabled_signals)
    first_on_page_1 = enabled[0]
    # page 1 leaves out one sample (a signal with no current value): short page
    sim.short_pages = {1}
    sim.clear_log()
    samples = await client.realtime(enabled, known=len(enabled))
    assert len(sim.requests("/v1/signals/realtime")) == 3
    assert first_on_page_1 not in samples
    assert len(samples) == 2499
    assert enabled[-1] in samples
    # the same with a missing sample set on the signal itself
    sim.short_pages = set()
    sim.set_sample(enabled[5])
    samples = await client.realtime(enabled, known=len(enabled))
    assert enabled[5] not in samples
    assert len(samples) == 2499
    # page 2 comes back empty: only its signals are missing, page 3 is still read
    sim.samples.clear()
    sim.empty_pages = {2}
    sim.clear_log()
    samples = await client.realtime(enabled, known=len(enabled))
    assert [r.query["page"] for r in sim.requests("/v1/signals/realtime")] == ["1", "2", "3"]
    assert len(samples) == 1500
    assert enabled[-1] in samples
    # the filtered read: a missing sample is only that signal
    sim.empty_pages = set()
    sim.set_sample(enabled[1])
    samples = await client.realtime(enabled[:10], known=len(enabled))
    assert sorted(samples) == [uid for uid in enabled[:10] if uid != enabled[1]]
    # a wanted signal removed since discovery: the filter is refused, the pages are read
    sim.samples.clear()
    sim.remove_signal(enabled[2])
    sim.clear_log()
    samples = await client.realtime(enabled[:10], known=len(enabled))
    assert sorted(samples) == [uid for uid in enabled[:10] if uid != enabled[2]]
    assert len(sim.requests("/v1/signals/realtime")) == 1 + 3
    sim.add_signal(sim.signals[enabled[3]]["lid"], 1, uid=enabled[2])
    # the gateway lists more than discovery knew: pages follow while wanted are missing
    sim.samples.clear()
    sim.clear_log()
    samples = await client.realtime(enabled, known=1000)
    assert len(samples) == 2500
    assert len(sim.requests("/v1/signals/realtime")) == 3
    # a failing page fails the read
    sim.faults.status = 500
    sim.faults.paths = ("/v1/signals/realtime",)
    with pytest.raises(EnergyHubResponseError):
        await client.realtime(enabled, known=len(enabled))
    with pytest.raises(EnergyHubResponseError):
        await client.realtime(enabled[:10], known=len(enabled))


async def test_listing_reads_past_a_short_page(
    sim: EmsSimulator, session: aiohttp.ClientSession, start_simulator: StartSimulator
) -> None:
    """A short page of a listing does not end it; a refused page after one does."""

    class ShortFirstPage(EmsSimulator):
        async def _signals(self, request: web.Request) -> web.Response:
            response = await super()._signals(request)
            if request.query.get("page") == "1":
                body = json.loads(response.text or "{}")
                body["signals"].pop(next(iter(body["signals"])))
                return web.json_response(body)
            if request.query.get("page") == "4":
                return web.json_response({"error": "no such page"}, status=400)
            return response

    other = await start_simulator(ShortFirstPage())
    client = _client(session, other, page_limit=100)
    signals = await client.signals()
    assert len(signals) == 257  # all but the one left out of page 1
    assert [r.query["page"] for r in other.requests("/v1/signals")] == ["1", "2", "3", "4"]


async def test_bad_request_and_not_found(sim: EmsSimulator, session: aiohttp.ClientSession) -> None:
    client = _client(session, sim)
    with pytest.raises(EnergyHubRequestError) as err:
        await client.devices(protocol="zigbee")
    assert err.value.status == 400
    assert err.value.detail == "invalid protocol"
    with pytest.raises(EmsNotFoundError) as not_found:
        await client.signals(uids=[99999])
    assert not_found.value.detail == "unknown uid 99999"
    with pytest.raises(EmsNotFoundError):
        await client.history(99999, 0, 1)
    with pytest.raises(EnergyHubRequestError) as bad_range:
        await client.history(100, 2000, 1000)
    assert bad_range.value.detail == "start after end"
    sim.faults.status = 500
    sim.faults.paths = ("/v1/devices",)
    with pytest.raises(EnergyHubResponseError):
        await client.devices()
    sim.faults.reset()
    # a 400 whose body is not JSON keeps the text
    sim.faults.status = 400
    sim.faults.malformed_json = True
    sim.faults.paths = ("/v1/loads",)
    with pytest.raises(EnergyHubRequestError) as half:
        await client.loads()
    assert half.value.detail.startswith('{"error"')


async def test_history_paged(sim: EmsSimulator, session: aiohttp.ClientSession) -> None:
    client = _client(session, sim, page_limit=10)
    now_ms = int(time.time() * 1000)
    sim.clear_log()
    rows = await client.history(140, now_ms - 86_400_000, now_ms, limit=25)
    assert len(rows) == 25
    requests = sim.requests("/v1/signals/140/history")
    assert [r.query["page"] for r in requests] == ["1", "2", "3"]
    assert requests[0].query["start"] == str(now_ms - 86_400_000)
    assert requests[0].query["end"] == str(now_ms)
    assert rows[0].time is not None
    assert rows[0].period == rows[0].time + 1
    times = [r.time for r in rows]
    assert times == sorted(times)
    # the whole range when the limit is larger than what is stored
    everything = await client.history(140, now_ms - 3_600_000, now_ms, limit=5000)
    assert 3 <= len(everything) <= 5


async def test_malformed_replies(sim: EmsSimulator, session: aiohttp.ClientSession) -> None:
    client = _client(session, sim)
    sim.signals[99990] = "not an object"  # type: ignore[assignment]
    signals = await client.signals()
    assert 99990 not in signals
    assert len(signals) == 258
    del sim.signals[99990]
    sim.faults.malformed_json = True
    sim.faults.paths = ("/v1/devices",)
    with pytest.raises(EnergyHubResponseError):
        await client.devices()
    sim.faults.reset()
    sim.faults.status = 500
    sim.faults.paths = ("/v1/mac", "/v1/date")
    info = await client.system_info()
    assert info.mac is None
    assert info.date is None
    assert info.serial == "BX10000000"
    sim.faults.paths = ("/v1/serial-number",)
    with pytest.raises(EnergyHubResponseError):
        await client.system_info()
    sim.faults.reset()
    sim.serial = ""
    with pytest.raises(EnergyHubResponseError):
        await client.system_info()


async def test_login_odd_replies(sim: EmsSimulator, session: aiohttp.ClientSession) -> None:
    sim.faults.status = 500
    sim.faults.paths = ("/v1/auth/login",)
    with pytest.raises(EnergyHubResponseError):
        await _client(session, sim).login()
    sim.faults.status = 200
    with pytest.raises(EnergyHubResponseError):
        await _client(session, sim).login()


def test_parsers() -> None:
    assert parse_value(1) == 1.0
    assert parse_value("2.5") == 2.5
    assert parse_value(" on ") == "on"
    assert parse_value("") is None
    assert parse_value(True) is None
    assert parse_value(None) is None
    assert parse_value(float("nan")) is None
    assert parse_value("inf") is None
    assert parse_value([1]) is None
    assert to_seconds(1752493029975) == 1752493029.975
    assert to_seconds(1735689659) == 1735689659
    assert to_seconds("1735689659") == 1735689659
    assert to_seconds("soon") is None
    assert to_seconds(True) is None
    assert to_seconds(0) is None
    assert to_seconds(None) is None
    assert load_protocol({"meterBus": {"main": True}, "tcp": {}}) == "meterBus"
    assert load_protocol({"P1": {}}) == "P1"
    assert load_protocol({"tcp": {}, "rtu": {}}) is None
    sample = parse_sample(5, {"si": "29", "v": "230.4", "t": 1752493029975.0, "s": True, "r": 2.5})
    assert sample.si == 29
    assert sample.value == 230.4
    assert sample.time_ms == 1752493029975
    assert sample.status is None
    assert sample.reason is None


def test_signal_table() -> None:
    """One row per code; the seed's example is si 29, a voltage; the rest are marked."""
    assert len(SIGNALS) == len(SIGNAL_TYPES)
    seed = [row for row in SIGNAL_TYPES if row.source == "seed"]
    assert [(r.si, r.device_class, r.unit) for r in seed] == [(29, "voltage", "V")]
    assert all(row.source in ("seed", "assumption") for row in SIGNAL_TYPES)
    assert all(row.name_key.startswith("ems_") for row in SIGNAL_TYPES)
    energy = [row for row in SIGNAL_TYPES if row.device_class == "energy"]
    assert energy
    assert all(row.state_class == "total" and row.is_counter for row in energy)
    assert signal_type(None) is None
    assert signal_type(12345) is None
    assert signal_type(29) is SIGNALS[29]


def test_tolerant_parsing() -> None:
    """Odd but readable replies are read; broken entries are skipped, not fatal."""
    assert _int(3.0) == 3
    assert _int(3.5) is None
    assert _int(" 7 ") == 7
    assert _int("x") is None
    assert _int(None) is None
    assert _bool(0) is False
    assert _bool(2) is True
    assert _bool("true") is True
    assert _bool("off") is False
    assert _bool(None) is True
    assert _bool(None, default=False) is False
    assert _map_entries({}, "signals") == {}
    # a list of objects carrying their uid instead of a map
    assert _map_entries({"signals": [{"uid": 5, "si": 1}, "junk"]}, "signals") == {
        5: {"uid": 5, "si": 1}
    }
    # a key that is not a number but an entry with a uid
    assert _map_entries({"signals": {"x": {"uid": "6"}, "y": {}, "7": []}}, "signals") == {
        6: {"uid": "6"}
    }
    with pytest.raises(EnergyHubResponseError):
        _map_entries({"signals": 5}, "signals")
    with pytest.raises(EnergyHubResponseError):
        _map_entries([], "signals")
    assert _error_text(HttpResponse(400, {}, '{"message": "bad page"}')) == "bad page"
    assert _error_text(HttpResponse(400, {}, '["bad"]')) == '["bad"]'
    assert _error_text(HttpResponse(400, {}, '{"code": 7}')) == '{"code": 7}'
    assert _error_text(HttpResponse(400, {}, " plain ")) == "plain"
    assert uid_from_unique_id("BX1_signal_17") == 17
    assert uid_from_unique_id("BX1_signal_x") is None
    assert uid_from_unique_id("BX1_gateway") is None


async def test_paging_guard_and_history_map_shape(
    sim: EmsSimulator,
    session: aiohttp.ClientSession,
    start_simulator: StartSimulator,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A gateway serving ever-new full pages stops at the page guard; map-shaped history."""
    monkeypatch.setattr(ems_api, "_MAX_PAGES", 2)
    client = _client(session, sim, page_limit=1)
    assert len(await client.signals()) == 2
    assert len(sim.requests("/v1/signals")) == 2

    class MapHistory(EmsSimulator):
        async def _signal_history(self, request):  # the many-signal shape
            return await self._signals_history(request)

    other = await start_simulator(MapHistory())
    now_ms = int(time.time() * 1000)
    # the many-signal endpoint answers without a uid filter for every signal; keep ours
    rows = await _client(session, other).history(140, now_ms - 3_600_000, now_ms, limit=10)
    assert rows
    assert {row.uid for row in rows} == {140}
    other.faults.status = 200
    other.faults.paths = ("/v1/signals/140/history",)
    with pytest.raises(EnergyHubResponseError):
        await _client(session, other).history(140, 0, 1)


async def test_history_of_many_signals(sim: EmsSimulator, session: aiohttp.ClientSession) -> None:
    """History per signal list, per device and per load, paged; agrees with single reads."""
    client = _client(session, sim, page_limit=5)
    now_ms = int(time.time() * 1000)
    start = now_ms - 2 * 3_600_000
    single = await client.history(100, start, now_ms, limit=100)
    assert 7 <= len(single) <= 9

    sim.clear_log()
    by_device = await client.signals_history(start, now_ms, device=1, limit=100)
    main_signals = {uid for uid, s in sim.signals.items() if s["did"] == 1}
    assert set(by_device) == main_signals
    assert by_device[100] == single
    requests = sim.requests("/v1/devices/1/signals/history")
    assert [r.query["page"] for r in requests] == ["1", "2"]
    assert requests[0].query["start"] == str(start)

    by_load = await client.signals_history(start, now_ms, load=2, limit=3)
    assert set(by_load) == main_signals
    assert all(len(rows) == 3 for rows in by_load.values())
    assert len(sim.requests("/v1/loads/2/signals/history")) == 1

    some = await client.signals_history(start, now_ms, uids=[100, 101], limit=100)
    assert set(some) == {100, 101}
    assert sim.requests("/v1/signals/history")[-1].query["uids"] == "100,101"
    # the commas travel unencoded (a third of the length of %2C)
    assert sim.requests("/v1/signals/history")[-1].query_string.startswith("uids=100,101&")

    with pytest.raises(EmsNotFoundError):
        await client.signals_history(start, now_ms, device=4242)
    # malformed parts are skipped
    sim.faults.status = 200
    sim.faults.paths = ("/v1/signals/history",)
    assert await client.signals_history(start, now_ms) == {}


async def test_history_of_many_signals_malformed(
    session: aiohttp.ClientSession, start_simulator: StartSimulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    class OddHistory(EmsSimulator):
        async def _signals_history(self, request):
            return web.json_response(
                {"history": {"x": [], "5": "junk", "6": [{"t": 1735689659, "v": 1}, "junk"]}}
            )

    sim = await start_simulator(OddHistory())
    client = _client(session, sim, page_limit=1)
    monkeypatch.setattr(ems_api, "_MAX_PAGES", 3)
    rows = await client.signals_history(0, 1)
    # full pages forever: the page guard stops the read; the broken parts are skipped
    assert list(rows) == [6]
    assert len(rows[6]) == 3  # one sample per page
    assert rows[6][0].value == 1.0
    assert len(sim.requests("/v1/signals/history")) == 3


def test_sample_value_fast_path_and_odd_entries() -> None:
    """The per-poll value of a realtime entry: valid, invalid, stale, text, odd shapes."""
    now_ms = 1_767_225_600_000
    oldest = now_ms - 300_000
    assert ems_api.sample_value({"v": 230.4, "t": now_ms, "s": 1}, oldest) == 230.4
    assert ems_api.sample_value({"v": 5, "t": now_ms, "s": "1"}, oldest) == 5.0
    assert ems_api.sample_value({"v": 5, "t": now_ms, "s": 0}, oldest) is None
    assert ems_api.sample_value({"v": 5, "t": oldest - 1, "s": 1}, oldest) is None
    assert ems_api.sample_value({"v": 5, "t": (oldest - 1000) / 1000}, oldest) is None
    assert ems_api.sample_value({"v": 5, "t": now_ms / 1000}, oldest) == 5.0
    assert ems_api.sample_value({"v": 5, "t": "garbage"}, oldest) == 5.0
    assert ems_api.sample_value({"v": 5}, oldest) == 5.0
    assert ems_api.sample_value({"v": "standby", "t": now_ms}, oldest) == "standby"
    assert ems_api.sample_value({"v": float("inf"), "t": now_ms}, oldest) is None
    assert ems_api.sample_value({"v": 10**400, "t": now_ms}, oldest) is None
    assert ems_api.sample_value({"v": None, "t": now_ms}, oldest) is None
    assert ems_api.sample_value(None, oldest) is None
    assert ems_api.sample_value([1, 2], oldest) is None
    # parse_samples: odd keys and entries are skipped, the uid field helps
    samples = ems_api.parse_samples(
        {"100": {"v": 1.0}, "x": {"uid": 101, "v": 2.0}, "y": 5, "102": [], "103": {"v": 3}},
        wanted={100, 101, 102},
    )
    assert sorted(samples) == [100, 101]
    # the list shape of a realtime reply is accepted too
    assert ems_api._raw_map({"realtime": [{"uid": 7, "v": 1}]}, "realtime") == {
        "7": {"uid": 7, "v": 1}
    }
    assert ems_api._raw_map({}, "realtime") == {}
    with pytest.raises(EnergyHubResponseError):
        ems_api._raw_map({"realtime": 5}, "realtime")


async def test_realtime_plan_and_chunks(session: aiohttp.ClientSession) -> None:
    client = EmsClient(session, "http://127.0.0.1:9", "u", "p")
    client.page_limit = 3
    assert client.uid_chunks([5, 1, 2, 3, 4]) == ["1,2,3", "4,5"]  # a chunk fits a page
    plan = client.realtime_plan([1, 2, 3, 4, 5], known=100)
    assert plan.chunks == ("1,2,3", "4,5")
    assert plan.pages == 0
    assert plan.requests == 2
    plan = client.realtime_plan(range(1, 31), known=30)
    assert (plan.pages, len(plan.chunks)) == (0, 10)  # a tie: the filter asks for less
    assert client.expected_realtime_requests([]) == 0
    assert await client.realtime_entries(client.realtime_plan([])) == {}
    wide = EmsClient(session, "http://127.0.0.1:9", "u", "p")
    many = list(range(10_000, 12_000))
    chunks = wide.uid_chunks(many)
    assert all(len(chunk) <= ems_api.MAX_UIDS_QUERY for chunk in chunks)
    assert sum(len(chunk.split(",")) for chunk in chunks) == 2000
    plan = wide.realtime_plan(many, known=2000)
    assert (plan.pages, plan.chunks, plan.requests) == (2, (), 2)  # the pages are cheaper
    assert wide.expected_realtime_requests(many) == len(chunks)
