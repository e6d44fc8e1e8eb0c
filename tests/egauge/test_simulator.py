"""The simulated meter itself: the /register grammar, auth details, /sys, /local, reboot."""

from __future__ import annotations

import time
from typing import Any

import aiohttp
from freezegun.api import FrozenDateTimeFactory
import pytest
from yarl import URL

from simulators.egauge import HOUSEHOLD_DAY, REALM, SOLAR_DAY, EgaugeSimulator, digest_hash

from ..conftest import StartSimulator


class Raw:
    """A tiny raw-HTTP client of the simulator (query strings sent verbatim)."""

    def __init__(self, session: aiohttp.ClientSession, sim: EgaugeSimulator) -> None:
        self.session = session
        self.sim = sim
        self.token: str | None = None

    async def login(self, usr: str = "owner", pwd: str = "secret") -> dict[str, Any]:
        async with self.session.get(f"{self.sim.url}/api/auth/unauthorized") as resp:
            assert resp.status == 401
            challenge = await resp.json()
        body = {
            "rlm": challenge["rlm"],
            "usr": usr,
            "nnc": challenge["nnc"],
            "cnnc": "c0ffee",
            "hash": digest_hash(usr, challenge["rlm"], pwd, challenge["nnc"], "c0ffee"),
        }
        async with self.session.post(f"{self.sim.url}/api/auth/login", json=body) as resp:
            reply: dict[str, Any] = await resp.json()
        self.token = reply.get("jwt")
        return reply

    async def get(self, path: str, query: str = "") -> tuple[int, Any]:
        url = URL(f"{self.sim.url}{path}{'?' + query if query else ''}", encoded=True)
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        async with self.session.get(url, headers=headers) as resp:
            return resp.status, await resp.json(content_type=None)


async def test_register_selection_grammar(raw: Raw) -> None:
    """reg: all/none/n/n:m with + and - (a literal + and %2B both mean plus); view."""

    async def names(query: str) -> list[str]:
        status, body = await raw.get("/api/register", query)
        assert status == 200
        return [r["name"] for r in body.get("registers", [])]

    assert await names("reg=none+0+1") == ["Grid", "Solar"]
    assert await names("reg=none%2B0%2B1") == ["Grid", "Solar"]
    assert await names("reg=0:2-1") == ["Grid", "Apparent"]
    assert await names("reg=all-0:10") == ["Mystery"]  # virtuals need `virtual`
    assert await names("reg=all-0:10&virtual=formula") == ["Mystery", "use", "gen"]
    assert await names("reg=none&reg=%2B4") == ["L1 Voltage"]
    assert len(await names("")) == 12
    raw.sim.rename_register("L1 Voltage", "env.Voltage")
    raw.sim.rename_register("Outdoor", "env.Outdoor")
    assert await names("view==env") == ["env.Voltage", "env.Outdoor"]
    assert await names("view==env&reg=-4") == ["env.Outdoor"]
    assert "Grid" in await names("view=%2Benv")
    assert "env.Outdoor" not in await names("view=-env")
    status, body = await raw.get("/api/register", "reg=none")
    assert body.keys() == {"ts"}
    for bad in ("reg=x", "reg=1:x", "view=env", "virtual=maybe"):
        status, body = await raw.get("/api/register", bad)
        assert status == 200
        assert "error" in body, bad


async def test_rates_formulas_and_values(raw: Raw) -> None:
    """rate adds rates; virtual=formula adds formulas; virtual=value computes them."""
    _, body = await raw.get("/api/register", "reg=none+0+1+12+13&rate&virtual=formula")
    entries = {r["name"]: r for r in body["registers"]}
    assert entries["Grid"] == {"name": "Grid", "type": "P", "idx": 0, "did": 0, "rate": 1798.0}
    assert entries["use"]["formula"] == '+"Grid"+"Solar"'
    assert "did" not in entries["use"]
    assert entries["use"]["rate"] == pytest.approx(-702.0)
    _, body = await raw.get("/api/register", "reg=none+0+1+12&time=now&virtual=value")
    (row,) = body["ranges"][0]["rows"]
    assert body["ranges"][0]["delta"] == 1.0
    grid, solar, use = (int(v) for v in row)
    assert use == grid + solar
    # virtual=formula: virtual registers are listed but have no column
    _, body = await raw.get("/api/register", "reg=none+0+12&time=now&virtual=formula")
    assert len(body["ranges"][0]["rows"][0]) == 1


async def test_time_ranges(raw: Raw, freezer: FrozenDateTimeFactory) -> None:
    """now, now-N, epoch, a:step:b, a::b, functions, raw, delta, max-rows."""
    sim = raw.sim
    _, body = await raw.get("/api/register", "reg=0&time=now-10:5:now")
    (rng,) = body["ranges"]
    assert rng["delta"] == 5.0
    values = [int(r[0]) for r in rng["rows"]]
    assert len(values) == 3
    assert values[0] - values[1] == 1798 * 5  # youngest first, counters advance
    _, body = await raw.get("/api/register", "reg=0&time=now-10:5:now&delta")
    rows = [int(r[0]) for r in body["ranges"][0]["rows"]]
    assert rows[1:] == [-1798 * 5, -1798 * 5]
    _, body = await raw.get("/api/register", "reg=0&time=now-10::now")
    ends = [int(r[0]) for r in body["ranges"][0]["rows"]]
    assert ends[0] - ends[1] == 17980
    _, body = await raw.get("/api/register", "reg=0&time=epoch")
    assert body["ranges"][0]["rows"] == [["0"]]  # values are relative to the epoch
    _, body = await raw.get("/api/register", "reg=0&time=epoch&raw")
    assert int(body["ranges"][0]["rows"][0][0]) == pytest.approx(
        1798 * (sim.epoch - sim.db_created), abs=1798
    )
    _, body = await raw.get("/api/register", "reg=0&time=now,sod,som(now)%2B1d-1h,soy,sow,soh")
    assert len(body["ranges"]) == 6
    _, body = await raw.get("/api/register", "reg=0&time=sod-1d:1h:sod&max-rows=3")
    assert len(body["ranges"][0]["rows"]) == 3
    _, body = await raw.get(
        "/api/register", f"reg=0&time={int(sim.epoch)}%2B1m,soq,sob,soQ,soM,sos"
    )
    assert len(body["ranges"]) == 6
    _, body = await raw.get("/api/register", "reg=0&time=now-1y%2B2q%2B1b-1w")
    assert len(body["ranges"]) == 1
    for bad in (
        "time=bogus",
        "time=now-5x",
        "time=now:1:now-5",
        "time=now-5:0:now",
        "time=now-5:x:now",
        "time=1:2",
        "time=epoch:1:now",
        "time=now&max-rows=x",
    ):
        _, body = await raw.get("/api/register", bad)
        assert "error" in body, bad
    # the discrete type is stored, not accumulated
    sim.add_register("Mode", "d", 3)
    _, body = await raw.get("/api/register", "reg=12&time=now,epoch")
    assert [r["rows"] for r in body["ranges"]] == [[["3"]], [["3"]]]
    # a changed rate keeps the counter continuous
    before = sim.register("Grid").value_at(time.time())
    sim.set_rate("Grid", -500.0)
    freezer.tick(10)
    assert sim.register("Grid").value_at(time.time()) == before - 5000


async def test_auth_details(raw: Raw) -> None:
    """Wrong hash, unknown user, bad bodies, logout, rights, status when logged in."""
    sim = raw.sim
    status, body = await raw.get("/api/auth/unauthorized")
    assert (status, body) == (200, {"status": "You are logged in."})
    status, body = await raw.get("/api/auth/rights")
    assert body == {"usr": "owner", "rights": ["ctrl", "save"]}
    fresh = Raw(raw.session, sim)
    assert await fresh.login(pwd="wrong") == {"error": "Invalid credentials."}
    assert await fresh.login(usr="nobody") == {"error": "Invalid credentials."}
    url = f"{sim.url}/api/auth/login"
    async with raw.session.post(url, data="not json") as resp:
        assert resp.status == 400
    async with raw.session.post(url, json={"rlm": REALM, "usr": "owner"}) as resp:
        assert resp.status == 400
    async with raw.session.post(url, json=[1]) as resp:
        assert resp.status == 400
    async with raw.session.post(url, json={"rlm": REALM, "usr": "owner", "pwd": "secret"}) as resp:
        assert "HTTPS" in (await resp.json())["error"]
    # a nonce is used once
    async with raw.session.post(
        url, json={"rlm": REALM, "usr": "owner", "nnc": "unknown", "cnnc": "1", "hash": "x"}
    ) as resp:
        assert await resp.json() == {"error": "Nonce expired."}
    status, _ = await raw.get("/api/auth/logout")
    assert status == 200
    status, body = await raw.get("/api/register", "reg=none")
    assert status == 401
    assert body["rlm"] == REALM
    raw.token = "garbage"
    status, _ = await raw.get("/api/auth/logout")
    assert status == 401
    status, _ = await raw.get("/api/auth/rights")
    assert status == 401


async def test_password_login_over_https(start_simulator: StartSimulator) -> None:
    """The password body is accepted over HTTPS only."""
    sim = EgaugeSimulator()
    sim.use_self_signed_certificate()
    await start_simulator(sim)
    async with aiohttp.ClientSession() as session:
        url = f"{sim.url}/api/auth/login"
        body = {"rlm": REALM, "usr": "owner", "pwd": "secret"}
        async with session.post(url, json=body, ssl=False) as resp:
            assert "jwt" in await resp.json()
        async with session.post(url, json={**body, "pwd": "no"}, ssl=False) as resp:
            assert "error" in await resp.json()


async def test_sys_local_epoch_and_reboot(raw: Raw, freezer: FrozenDateTimeFactory) -> None:
    """/sys with filter and sub-paths, /local, the epoch, reboot and the outage."""
    sim = raw.sim
    status, body = await raw.get("/api/sys", "filter=%7Bsn,model%7D")
    assert body == {"result": {"sn": "G10400", "model": "EG4030"}}
    _, body = await raw.get("/api/sys/version/firmware")
    assert body == {"result": "4.6.2"}
    status, body = await raw.get("/api/sys/nope")
    assert status == 404
    _, body = await raw.get("/api/config/db/epoch")
    assert body == {"result": str(int(sim.epoch))}
    _, body = await raw.get("/api/local")
    assert body["values"]["L1"]["rate"]["n"] == 121.5
    assert body["values"]["S2"]["type"] == "I"
    assert body["energy"]["S1*L1"]["rate"] == pytest.approx(2.5 * 121.5)
    sim.remove_register("L1 Voltage")
    _, body = await raw.get("/api/local")
    assert body["values"]["L1"]["rate"]["n"] == 120.0
    assert sim.describe() == {"username": "owner", "password": "secret", "serial": "G10400"}
    async with raw.session.post(
        f"{sim.url}/api/cmd/reboot", headers={"Authorization": f"Bearer {raw.token}"}
    ) as resp:
        assert await resp.json() == {"status": "OK"}
    with pytest.raises(aiohttp.ClientError):
        await raw.get("/api/sys")
    freezer.tick(sim.reboot_duration + 1)
    status, _ = await raw.get("/api/sys")
    assert status == 401  # every token was revoked
    await raw.login()
    _, body = await raw.get("/api/sys/uptime")
    assert body["result"] < 5
    with pytest.raises(KeyError):
        sim.register("nope")


async def test_household_day(raw: Raw) -> None:
    """use_household_day: every stored day follows the curves (grid = consumption - solar)."""
    raw.sim.use_household_day()
    _, body = await raw.get("/api/register", "reg=all&time=sod-1d:1h:sod&delta&rate&virtual=value")
    names = [r["name"] for r in body["registers"]]
    assert {"Heat pump", "Kitchen", "use", "gen"} <= set(names)
    (rng,) = body["ranges"]
    # delta rows: youngest first, each (older - younger), so -row is the hour's energy (Wh)
    hours = [[-int(v) / 3600 for v in row] for row in reversed(rng["rows"][1:])]
    assert len(hours) == 24
    column = {name: [hour[i] for hour in hours] for i, name in enumerate(names)}
    load = [sum(watts) for watts in zip(*HOUSEHOLD_DAY.values(), strict=True)]
    assert column["Solar"] == [-w for w in SOLAR_DAY]
    assert column["Grid"] == [use - sun for use, sun in zip(load, SOLAR_DAY, strict=True)]
    assert column["Heat pump"] == list(HOUSEHOLD_DAY["Heat pump"])
    assert column["use"] == load
    assert column["gen"] == list(SOLAR_DAY)
    # the grid both imports (night) and exports (noon); the rate follows the hour's curve
    assert min(column["Grid"]) < 0 < max(column["Grid"])
    hour = int(float(body["ts"]) % 86400 // 3600)
    grid_rate = next(r["rate"] for r in body["registers"] if r["name"] == "Grid")
    assert grid_rate == load[hour] - SOLAR_DAY[hour]
