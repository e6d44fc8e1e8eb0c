"""The HA-free EKM client against the EKM Push simulator."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import aiohttp
from freezegun.api import FrozenDateTimeFactory
import pytest

from custom_components.energy_hub.api.ekm import (
    DEFAULT_API_URL,
    DEFAULT_PUSH_URL,
    EkmClient,
    EkmReading,
    normalize_trigger,
    one_shot_rrule,
    parse_int,
    parse_number,
    parse_read_set,
    relay_states,
    rrule_error,
)
from custom_components.energy_hub.api.errors import (
    EnergyHubAuthError,
    EnergyHubConnectionError,
    EnergyHubRequestError,
    EnergyHubResponseError,
)
from simulators.ekm import (
    ADMIN_TOKEN,
    DEFAULT_KEY,
    DEFAULT_TOKEN,
    GATEWAY,
    GATEWAY_2,
    GATEWAY_KEY,
    GROUP_TOKEN,
    OTHER_GATEWAY,
    OTHER_KEY,
    OTHER_TOKEN,
    READ_ONLY_TOKEN,
    EkmSimulator,
)

from ..conftest import StartSimulator

METERS = ["000300000001", "000300000002", "000000000099"]


def relay_trigger(meter: str = "000300000001", status: str = "close") -> dict[str, Any]:
    return {
        "trigger_name": "test",
        "conditions": [
            {
                "type": "data",
                "source": "meter",
                "source_id": meter,
                "field": "kWh_Tot",
                "threshold_value": "10",
                "threshold_test": "rise_eq",
                "duration": "0",
                "hysteresis": "60",
                "continuous": False,
            }
        ],
        "actions": [
            {
                "target": "meter",
                "target_id": meter,
                "command": "setRelay",
                "params": {"relay": "relay_1", "status": status, "duration": 1},
            }
        ],
    }


@pytest.fixture
async def sim(start_simulator: StartSimulator) -> EkmSimulator:
    return await start_simulator(EkmSimulator())


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


def make_client(
    session: aiohttp.ClientSession,
    sim: EkmSimulator,
    key: str = DEFAULT_KEY,
    token: str = DEFAULT_TOKEN,
) -> EkmClient:
    return EkmClient(session, key, token, api_url=sim.url, push_url=sim.url)


def test_defaults_are_the_real_hosts() -> None:
    assert DEFAULT_API_URL == "https://api.ekmpush.com"
    assert DEFAULT_PUSH_URL == "https://api.ekmpush.com"


async def test_account(sim: EkmSimulator, session: aiohttp.ClientSession) -> None:
    client = make_client(session, sim)
    account = await client.account()
    assert account.key_type == "account"
    assert account.gateways == (GATEWAY, GATEWAY_2)
    assert account.meters == ("000300000001", "000300000002", "000000000099", "000000010388")
    gateway_account = await make_client(session, sim, key=GATEWAY_KEY).account()
    assert gateway_account.key_type == "gateway"
    assert gateway_account.gateways == (GATEWAY,)
    assert "000000010388" not in gateway_account.meters
    with pytest.raises(EnergyHubAuthError):
        await make_client(session, sim, key="nope").account()
    assert DEFAULT_KEY not in repr(client)
    assert DEFAULT_TOKEN not in repr(client)


async def test_read_meters_one_request_for_all(
    sim: EkmSimulator, session: aiohttp.ClientSession
) -> None:
    client = make_client(session, sim)
    readings = await client.read_meters(METERS)
    assert client.request_count == 1
    assert len(sim.requests("/readMeter")) == 1
    query = sim.requests("/readMeter")[0].query
    assert query == {
        "key": DEFAULT_KEY,
        "meters": "000300000001~000300000002~000000000099",
        "ver": "v4",
        "fmt": "json",
        "cnt": "1",
    }
    assert set(readings) == set(METERS)
    first = readings["000300000001"]
    assert first.good
    assert first.protocol == "v4"
    assert first.gateway == GATEWAY
    # string values are parsed
    assert first.value("RMS_Volts_Ln_1") == 123.8
    assert first.value("Line_Freq") == 60.05
    assert readings["000300000002"].value("kWh_Tot") == pytest.approx(5120.8, abs=0.1)
    assert first.text["Model"] == "1024"
    assert first.relays == (False, False)
    assert first.timestamp is not None
    v3 = readings["000000000099"]
    assert v3.protocol == "v3"
    assert v3.value("Line_Freq") is None
    assert v3.relays is None
    # readings move
    again = await client.read_meters(METERS)
    assert again["000300000001"].value("kWh_Tot") > first.value("kWh_Tot")  # type: ignore[operator]
    assert await client.read_meters([]) == {}
    assert client.request_count == 2


async def test_bad_read_has_no_values(sim: EkmSimulator, session: aiohttp.ClientSession) -> None:
    sim.bad_read_meters.add("000300000001")
    readings = await make_client(session, sim).read_meters(METERS)
    bad = readings["000300000001"]
    assert not bad.good
    assert bad.value("kWh_Tot") is None
    assert bad.relays is None
    assert readings["000300000002"].good


async def test_read_meters_errors(sim: EkmSimulator, session: aiohttp.ClientSession) -> None:
    with pytest.raises(EnergyHubAuthError):
        await make_client(session, sim, key="bad").read_meters(METERS)
    client = make_client(session, sim)
    sim.faults.malformed_json = True
    with pytest.raises(EnergyHubResponseError):
        await client.read_meters(METERS)
    sim.faults.reset()
    sim.faults.status = 500
    with pytest.raises(EnergyHubResponseError):
        await client.read_meters(METERS)
    sim.faults.reset()
    sim.faults.close_connection = True
    with pytest.raises(EnergyHubConnectionError):
        await client.read_meters(METERS)


def test_parse_read_set_tolerance() -> None:
    assert parse_read_set("x") is None
    assert parse_read_set({"Meter": ""}) is None
    numeric = parse_read_set({"Meter": 300000001, "ReadData": "nope"})
    assert numeric is not None
    assert numeric.meter == "000300000001"
    assert not numeric.good
    assert parse_read_set({"Meter": "1", "ReadData": ["x"]}) == EkmReading(meter="1", good=False)
    reading = parse_read_set(
        {
            "Meter": "000300000001",
            "Protocol": "V4",
            "ReadData": [
                {"Good": "1", "Time_Stamp_UTC_ms": "100", "kWh_Tot": "1.0"},
                {
                    "Good": 1,
                    "Time_Stamp_UTC_ms": 200,
                    "kWh_Tot": "garbage",
                    "Cos_Theta_Ln_1": "0.83 C",
                    "Nested": {"a": 1},
                    "Null": None,
                    "Flag": True,
                    "State_Out": 9,
                },
            ],
        }
    )
    assert reading is not None
    assert reading.protocol == "v4"
    assert reading.timestamp_ms == 200
    assert reading.value("kWh_Tot") is None
    assert reading.text["kWh_Tot"] == "garbage"
    assert reading.text["Cos_Theta_Ln_1"] == "0.83 C"
    assert reading.text["Flag"] == "True"
    assert "Nested" not in reading.text
    assert reading.relays is None
    assert EkmReading(meter="1", good=True).timestamp is None


def test_number_helpers() -> None:
    assert parse_number(" 1.5 ") == 1.5
    assert parse_number(2) == 2.0
    assert parse_number(True) is None
    assert parse_number("nan") is None
    assert parse_number("x") is None
    assert parse_number(None) is None
    assert parse_int("3") == 3
    assert parse_int("3.5") is None
    assert relay_states("4") == (True, True)
    assert relay_states(2) == (False, True)
    assert relay_states(0) is None
    assert relay_states("x") is None


@pytest.mark.parametrize(
    ("rule", "error"),
    [
        ("DTSTART:20210702T173200\nRRULE:FREQ=DAILY;BYHOUR=0;BYMINUTE=35;BYSECOND=0", None),
        ("RRULE:FREQ=WEEKLY;BYDAY=MO,-1FR;INTERVAL=2;UNTIL=20300101T000000Z;WKST=MO", None),
        ("RRULE:FREQ=MONTHLY;BYMONTHDAY=-1;BYMONTH=1,12;COUNT=3", None),
        ("", "empty"),
        (5, "empty"),
        ("DTSTART 2021", "no ':'"),
        ("DTSTART:2021-07-02\nRRULE:FREQ=DAILY", "DTSTART"),
        ("RRULE:FREQ=DAILY\nRRULE:FREQ=DAILY", "more than one"),
        ("EXDATE:20210101", "unknown line"),
        ("DTSTART:20210702T173200", "no RRULE"),
        ("RRULE:FREQ", "NAME=VALUE"),
        ("RRULE:FREQ=DAILY;FREQ=DAILY", "twice"),
        ("RRULE:FREQ=SOMETIMES", "FREQ"),
        ("RRULE:FREQ=DAILY;COUNT=1;UNTIL=20300101", "together"),
        ("RRULE:FREQ=DAILY;COUNT=0", "COUNT"),
        ("RRULE:FREQ=DAILY;UNTIL=tomorrow", "UNTIL"),
        ("RRULE:FREQ=DAILY;WKST=XX", "WKST"),
        ("RRULE:FREQ=DAILY;BYDAY=MONDAY", "BYDAY"),
        ("RRULE:FREQ=DAILY;BYHOUR=24", "BYHOUR"),
        ("RRULE:FREQ=DAILY;BYMONTHDAY=0", "BYMONTHDAY"),
        ("RRULE:FREQ=DAILY;COLOR=RED", "unknown rule part"),
    ],
)
def test_rrule_error(rule: Any, error: str | None) -> None:
    result = rrule_error(rule)
    if error is None:
        assert result is None
    else:
        assert result is not None
        assert error in result


def test_one_shot_rrule() -> None:
    rule = one_shot_rrule(datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC))
    assert rule == "DTSTART:20260102T030405\nRRULE:FREQ=SECONDLY;COUNT=1"
    assert rrule_error(rule) is None


def test_normalize_trigger() -> None:
    assert normalize_trigger([]) is None
    assert normalize_trigger({"trigger_name": "x"}) is None
    trigger = normalize_trigger(
        {"trigger_uuid": "u", "conditions": [1, {"a": 1}], "actions": None, "enabled": "yes"}
    )
    assert trigger == {
        "trigger_uuid": "u",
        "trigger_name": "",
        "enabled": True,
        "conditions": [{"a": 1}],
        "actions": [],
    }


async def test_trigger_crud(
    sim: EkmSimulator, session: aiohttp.ClientSession, freezer: FrozenDateTimeFactory
) -> None:
    freezer.move_to("2026-11-23 10:00:00")
    client = make_client(session, sim)
    created = await client.create_trigger(GATEWAY, relay_trigger())
    post = sim.requests("/api/trigger", "POST")[0]
    assert post.query == {"key": DEFAULT_KEY, "gateway": GATEWAY}
    assert post.headers["Authorization"] == f"Bearer {DEFAULT_TOKEN}"
    uid = created["trigger_uuid"]
    assert len(uid) == 32
    assert created["enabled"] is True
    assert created["created_at"] == created["updated_at"] == "2026-11-23T10:00:00+00:00"
    assert created["actions"][0]["params"]["relay"] == "relay_1"

    assert [t["trigger_uuid"] for t in await client.list_triggers(GATEWAY)] == [uid]
    assert (await client.get_trigger(uid))["trigger_name"] == "test"

    freezer.tick(60)
    updated = await client.update_trigger(uid, {"trigger_name": "renamed", "enabled": False})
    assert updated["trigger_name"] == "renamed"
    assert updated["enabled"] is False
    assert updated["conditions"] == created["conditions"]
    assert updated["updated_at"] == "2026-11-23T10:01:00+00:00"
    assert updated["created_at"] == created["created_at"]

    await client.delete_trigger(uid)
    delete = sim.requests("/api/trigger", "DELETE")[0]
    assert delete.body == f'{{"trigger_uuid": "{uid}"}}'
    assert await client.list_triggers(GATEWAY) == []
    with pytest.raises(EnergyHubRequestError) as err:
        await client.get_trigger(uid)
    assert err.value.status == 404
    assert "not found" in err.value.detail


@pytest.mark.parametrize(
    ("change", "detail"),
    [
        ({"trigger_name": ""}, "trigger_name"),
        ({"enabled": "yes"}, "enabled"),
        ({"conditions": []}, "condition"),
        ({"actions": []}, "action"),
        ({"conditions": ["x"]}, "Invalid condition"),
        ({"conditions": [{"type": "weather"}]}, "condition type"),
        ({"conditions": [{"type": "rrule"}]}, "rrule"),
        ({"conditions": [{"type": "rrule", "rrule": "RRULE:FREQ=NEVER"}]}, "rrule"),
        ({"conditions": [{"type": "data", "source": "moon"}]}, "source"),
        ({"conditions": [{"type": "data", "source": "meter"}]}, "source_id"),
        ({"conditions": [{"type": "data", "source": "meter", "source_id": "1"}]}, "unknown meter"),
        (
            {"conditions": [{"type": "data", "source": "iostack", "source_id": "io1"}]},
            "field",
        ),
        (
            {"conditions": [{"type": "data", "source": "iostack", "source_id": "i", "field": "T"}]},
            "threshold_value",
        ),
        (
            {
                "conditions": [
                    {
                        "type": "data",
                        "source": "iostack",
                        "source_id": "i",
                        "field": "T",
                        "threshold_value": 1,
                        "threshold_test": "~=",
                    }
                ]
            },
            "threshold_test",
        ),
        (
            {
                "conditions": [
                    {
                        "type": "data",
                        "source": "iostack",
                        "source_id": "i",
                        "field": "T",
                        "threshold_value": 1,
                        "threshold_test": ">",
                        "hysteresis": -1,
                    }
                ]
            },
            "hysteresis",
        ),
        (
            {
                "conditions": [
                    {
                        "type": "data",
                        "source": "iostack",
                        "source_id": "i",
                        "field": "T",
                        "threshold_value": 1,
                        "threshold_test": ">",
                        "continuous": "no",
                    }
                ]
            },
            "continuous",
        ),
        ({"actions": ["x"]}, "Invalid action"),
        ({"actions": [{"command": "reboot"}]}, "command"),
        ({"actions": [{"command": "setRelay", "target": "gateway"}]}, "target meter"),
        (
            {"actions": [{"command": "setRelay", "target": "meter", "target_id": "000000010388"}]},
            "target_id",
        ),
        (
            {"actions": [{"command": "setRelay", "target": "meter", "target_id": "000300000001"}]},
            "params",
        ),
        (
            {
                "actions": [
                    {
                        "command": "setRelay",
                        "target": "meter",
                        "target_id": "000300000001",
                        "params": {"relay": "relay_3"},
                    }
                ]
            },
            "relay",
        ),
        (
            {
                "actions": [
                    {
                        "command": "setRelay",
                        "target": "meter",
                        "target_id": "000300000001",
                        "params": {"relay": "relay_1", "status": "toggle"},
                    }
                ]
            },
            "status",
        ),
        (
            {
                "actions": [
                    {
                        "command": "setRelay",
                        "target": "meter",
                        "target_id": "000300000001",
                        "params": {"relay": "relay_1", "status": "open", "duration": 10000},
                    }
                ]
            },
            "duration",
        ),
        (
            {
                "conditions": [{"type": "rrule", "rrule": "RRULE:FREQ=DAILY"}],
                "actions": [{"command": "sendEmail", "target": "gateway"}],
            },
            "sendEmail",
        ),
    ],
)
async def test_invalid_trigger_400_detail(
    sim: EkmSimulator, session: aiohttp.ClientSession, change: dict[str, Any], detail: str
) -> None:
    client = make_client(session, sim)
    with pytest.raises(EnergyHubRequestError) as err:
        await client.create_trigger(GATEWAY, {**relay_trigger(), **change})
    assert err.value.status == 400
    assert detail in err.value.detail
    assert detail in str(err.value)
    assert sim.triggers == {}


async def test_update_validates_the_merged_trigger(
    sim: EkmSimulator, session: aiohttp.ClientSession
) -> None:
    client = make_client(session, sim)
    uid = (await client.create_trigger(GATEWAY, relay_trigger()))["trigger_uuid"]
    with pytest.raises(EnergyHubRequestError) as err:
        await client.update_trigger(uid, {"actions": [{"command": "nope"}]})
    assert "command" in err.value.detail
    with pytest.raises(EnergyHubRequestError) as err:
        await client.update_trigger("0" * 32, {"trigger_name": "x"})
    assert err.value.status == 404
    with pytest.raises(EnergyHubRequestError):
        await client.delete_trigger("0" * 32)


async def test_token_semantics(sim: EkmSimulator, session: aiohttp.ClientSession) -> None:
    """OWNER tokens see their own account; ADMIN tokens any account given the owning key."""
    uid = sim.add_trigger(relay_trigger("000700001234"), OTHER_GATEWAY)
    owner = make_client(session, sim)
    with pytest.raises(EnergyHubAuthError):
        await make_client(session, sim, key=OTHER_KEY).list_triggers(OTHER_GATEWAY)
    # the key must own the gateway
    with pytest.raises(EnergyHubAuthError):
        await owner.list_triggers(OTHER_GATEWAY)
    with pytest.raises(EnergyHubAuthError):
        await owner.get_trigger(uid)
    with pytest.raises(EnergyHubAuthError):
        await make_client(session, sim, token="bogus").list_triggers(GATEWAY)
    # the other account's own token works
    other = make_client(session, sim, key=OTHER_KEY, token=OTHER_TOKEN)
    assert [t["trigger_uuid"] for t in await other.list_triggers(OTHER_GATEWAY)] == [uid]
    # an ADMIN token reaches any account with the owning key, but not with another key
    admin = make_client(session, sim, key=OTHER_KEY, token=ADMIN_TOKEN)
    assert (await admin.get_trigger(uid))["trigger_uuid"] == uid
    with pytest.raises(EnergyHubAuthError):
        await make_client(session, sim, token=ADMIN_TOKEN).get_trigger(uid)
    # a GROUP token of another account works like ADMIN: the owning key decides
    group = make_client(session, sim, token=GROUP_TOKEN)
    assert await group.list_triggers(GATEWAY) == []
    with pytest.raises(EnergyHubAuthError):
        await group.list_triggers(OTHER_GATEWAY)
    # a gateway key sees only its gateway
    gw = make_client(session, sim, key=GATEWAY_KEY)
    assert await gw.list_triggers(GATEWAY) == []
    with pytest.raises(EnergyHubAuthError):
        await gw.list_triggers(GATEWAY_2)
    with pytest.raises(EnergyHubAuthError):
        await gw.create_trigger(GATEWAY_2, relay_trigger())
    # a read-only token cannot write
    read_only = make_client(session, sim, token=READ_ONLY_TOKEN)
    assert await read_only.list_triggers(GATEWAY) == []
    with pytest.raises(EnergyHubAuthError):
        await read_only.create_trigger(GATEWAY, relay_trigger())
    own = await owner.create_trigger(GATEWAY, relay_trigger())
    with pytest.raises(EnergyHubAuthError):
        await make_client(session, sim, key=OTHER_KEY, token=ADMIN_TOKEN).update_trigger(
            own["trigger_uuid"], {"trigger_name": "x"}
        )
    with pytest.raises(EnergyHubAuthError):
        await make_client(session, sim, key=OTHER_KEY, token=ADMIN_TOKEN).delete_trigger(
            own["trigger_uuid"]
        )


async def test_malformed_requests_to_simulator(
    sim: EkmSimulator, session: aiohttp.ClientSession
) -> None:
    """What the simulator answers to requests the client never makes."""
    headers = {"Authorization": f"Bearer {DEFAULT_TOKEN}"}
    base = f"{sim.url}/api/trigger?key={DEFAULT_KEY}"
    async with session.get(base, headers=headers) as resp:
        assert resp.status == 400
    async with session.post(base, headers=headers, json={}) as resp:
        assert resp.status == 400
    async with session.post(f"{base}&gateway={GATEWAY}", headers=headers, data="x") as resp:
        assert resp.status == 400
        assert "trigger" in (await resp.json())["error"]
    async with session.put(base, headers=headers, json={"trigger": {}}) as resp:
        assert resp.status == 400
    async with session.delete(base, headers=headers, json=[]) as resp:
        assert resp.status == 400
    async with session.get(f"{base}&gateway={GATEWAY}&indent=2", headers=headers) as resp:
        assert (await resp.text()) == '{\n  "triggers": []\n}'
    async with session.get(f"{sim.url}/readMeter?key={DEFAULT_KEY}") as resp:
        meters = [r["Meter"] for r in (await resp.json())["readMeter"]["ReadSet"]]
    assert "000000010388" in meters
    assert sim.describe()["key"] == DEFAULT_KEY


async def test_rrule_trigger_fires_relay(
    sim: EkmSimulator, session: aiohttp.ClientSession, freezer: FrozenDateTimeFactory
) -> None:
    """A one-shot RRULE setRelay trigger switches the relay once it is due."""
    freezer.move_to("2026-11-23 10:00:00")
    client = make_client(session, sim)
    trigger = relay_trigger()
    trigger["conditions"] = [
        {"type": "rrule", "rrule": one_shot_rrule(datetime(2026, 11, 23, 10, 0, 30, tzinfo=UTC))}
    ]
    uid = (await client.create_trigger(GATEWAY, trigger))["trigger_uuid"]
    assert not sim.relay("000300000001", 1)
    readings = await client.read_meters(METERS)
    assert readings["000300000001"].relays == (False, False)
    freezer.tick(30)
    readings = await client.read_meters(METERS)
    assert readings["000300000001"].relays == (True, False)
    assert sim.executed == [(uid, trigger["actions"][0])]
    # COUNT=1: it fires once only
    freezer.tick(60)
    await client.read_meters(METERS)
    assert len(sim.executed) == 1
    # disabled triggers and stuck relays do not switch
    sim.stuck_relays.add("000300000002")
    trigger2 = relay_trigger("000300000002")
    trigger2["conditions"] = trigger["conditions"]
    await client.create_trigger(GATEWAY, {**trigger2, "enabled": False})
    uid3 = (await client.create_trigger(GATEWAY, trigger2))["trigger_uuid"]
    readings = await client.read_meters(METERS)
    assert readings["000300000002"].relays == (False, False)
    assert [u for u, _ in sim.executed] == [uid, uid3]


@pytest.mark.parametrize(
    ("method", "path", "status", "body", "error"),
    [
        ("GET", "/account/api/account", 200, '{"error": "Invalid key"}', EnergyHubAuthError),
        ("GET", "/account/api/account", 200, "[]", EnergyHubResponseError),
        ("GET", "/readMeter", 200, '{"readMeter": []}', EnergyHubResponseError),
        ("GET", "/api/trigger", 200, '{"triggers": {}}', EnergyHubResponseError),
        ("GET", "/api/trigger", 400, "not json at all", EnergyHubRequestError),
        ("GET", "/api/trigger", 400, '["x"]', EnergyHubRequestError),
        ("GET", "/api/trigger", 422, '{"message": "odd"}', EnergyHubRequestError),
        (
            "POST",
            "/api/trigger",
            201,
            '{"trigger": {"trigger_name": "no uuid"}}',
            EnergyHubResponseError,
        ),
    ],
)
async def test_odd_replies(  # noqa: PLR0917
    sim: EkmSimulator,
    session: aiohttp.ClientSession,
    method: str,
    path: str,
    status: int,
    body: str,
    error: type[Exception],
) -> None:
    """Unexpected replies become the client's errors, never a crash."""
    sim.canned[(method, path)] = (status, body)
    client = make_client(session, sim)
    calls = {
        "/account/api/account": client.account,
        "/readMeter": lambda: client.read_meters(METERS),
        "/api/trigger": (lambda: client.list_triggers(GATEWAY))
        if method == "GET"
        else (lambda: client.create_trigger(GATEWAY, relay_trigger())),
    }
    with pytest.raises(error) as err:
        await calls[path]()
    if isinstance(err.value, EnergyHubRequestError):
        assert err.value.detail in (body, "odd")


async def test_tolerant_account_and_reads(
    sim: EkmSimulator, session: aiohttp.ClientSession
) -> None:
    """Odd items in the account and read lists are skipped, numbers and leading zeros kept."""
    sim.canned[("GET", "/account/api/account")] = (
        200,
        (
            '{"key_type": 1, "gateways": ["4016FA0500CD", {"mac_address": null}, 5], '
            '"meters": [300000001, {"address": "000300000002"}, true, ""]}'
        ),
    )
    sim.canned[("GET", "/readMeter")] = (
        200,
        (
            '{"readMeter": {"ReadSet": [null, {"Meter": "300000001", "ReadData": '
            '[{"Good": 1, "kWh_Tot": "12.5"}]}]}}'
        ),
    )
    client = make_client(session, sim)
    account = await client.account()
    assert account.key_type == "unknown"
    assert account.gateways == ("4016fa0500cd",)
    assert account.meters == ("300000001", "000300000002")
    readings = await client.read_meters(["000300000001"])
    assert readings["000300000001"].value("kWh_Tot") == 12.5


def data_condition(field: str, test: str, value: float, **extra: Any) -> dict[str, Any]:
    return {
        "type": "data",
        "source": "meter",
        "source_id": "000300000001",
        "field": field,
        "threshold_test": test,
        "threshold_value": value,
        **extra,
    }


async def test_data_triggers_fire_on_reads(
    sim: EkmSimulator, session: aiohttp.ClientSession, freezer: FrozenDateTimeFactory
) -> None:
    """Data conditions are evaluated on every read: plain tests, rise_* and hysteresis."""
    freezer.move_to("2026-11-23 10:00:00")
    client = make_client(session, sim)
    relay_2 = {
        "target": "meter",
        "target_id": "000300000001",
        "command": "setRelay",
        "params": {"relay": "relay_2", "status": "close"},
    }
    power = (
        await client.create_trigger(
            GATEWAY,
            {
                "trigger_name": "power above 10 kW",
                "conditions": [data_condition("RMS_Watts_Tot", ">", 10000, hysteresis=0)],
                "actions": [relay_2, {"command": "sendEmail", "target": "gateway"}],
            },
        )
    )["trigger_uuid"]
    kwh = sim.meters["000300000001"].kwh
    rise = (
        await client.create_trigger(
            GATEWAY,
            {
                "trigger_name": "total passes a mark",
                "conditions": [data_condition("kWh_Tot", "rise_gt", kwh + 0.6)],
                "actions": [{"command": "sendEmail", "target": "gateway"}],
            },
        )
    )["trigger_uuid"]
    continuous = (
        await client.create_trigger(
            GATEWAY,
            {
                "trigger_name": "every read while the frequency is normal",
                "conditions": [
                    data_condition("Line_Freq", "==", 60.05, continuous=True, hysteresis=30),
                    data_condition("RMS_Volts_Ln_3", "<=", 0),
                    data_condition("Amps_Ln_3", ">=", 0),
                    data_condition("State_Inputs", "!=", 5),
                    data_condition("CT_Ratio", "<", 1000),
                ],
                "actions": [{"command": "sendEmail", "target": "gateway"}],
            },
        )
    )["trigger_uuid"]
    # conditions on another meter, on a missing field and disabled triggers never fire
    for condition in (
        data_condition("RMS_Watts_Tot", ">", 0, source_id="000300000002"),
        data_condition("No_Such_Field", ">", 0),
    ):
        await client.create_trigger(
            GATEWAY,
            {
                "trigger_name": "never",
                "conditions": [condition, data_condition("RMS_Watts_Tot", ">", 1e9)],
                "actions": [relay_2],
            },
        )
    await client.create_trigger(
        GATEWAY,
        {
            "trigger_name": "disabled",
            "enabled": False,
            "conditions": [data_condition("RMS_Watts_Tot", ">", 0)],
            "actions": [relay_2],
        },
    )

    readings = await client.read_meters(["000300000001"])
    # the trigger fired during this read; the relay shows at the next one
    assert sim.relay("000300000001", 2) is True
    assert readings["000300000001"].relays == (False, False)
    fired = [uid for uid, _ in sim.executed]
    assert fired == [power, power, continuous]
    for _ in range(3):
        freezer.tick(20)
        await client.read_meters(["000300000001"])
    fired = [uid for uid, _ in sim.executed]
    # power: not continuous, fires once; rise: once when crossing; continuous: hysteresis 30 s
    assert fired.count(power) == 2
    assert fired.count(rise) == 1
    assert fired.count(continuous) == 2
