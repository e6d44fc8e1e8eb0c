"""Interoperability: eGauge's own Python client (egauge-python) against the simulated meter.

egauge-python is synchronous (requests), so it runs in a worker thread while the simulator
serves on the test's event loop.
"""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

from egauge import webapi  # test-only requirement: egauge-python (+ crcmod, intelhex)
from egauge.webapi import device
import pytest

from simulators.egauge import EgaugeSimulator

from ..conftest import StartSimulator


def _read_with_egauge_python(url: str) -> dict[str, Any]:
    dev = device.Device(url, webapi.JWTAuth("owner", "secret"))
    hostname = dev.get("/config/net/hostname")["result"]
    serial = dev.get("/sys/sn")["result"]
    regs = device.Register(dev, {"rate": "", "time": "now,now-60"})
    row_now = regs[0]
    row_before = regs[1]
    delta = row_now - row_before
    selected = device.Register(dev, {"rate": ""}, regs=["Grid", "Solar"])
    local = device.Local(dev, {"values": "", "rate": "", "type": ""})
    return {
        "hostname": hostname,
        "serial": serial,
        "names": regs.regs,
        "virtuals": dev.reg_virtuals(),
        "grid_rate": regs.pq_rate("Grid").value,
        "grid_type": regs.type_code("Grid"),
        "grid_did": regs.database_id("Grid"),
        "grid_now": row_now.regs["Grid"],
        "use_now": row_now.regs["use"],
        "solar_now": row_now.regs["Solar"],
        "ts_step": row_now.ts - row_before.ts,
        "grid_avg_w": delta.pq_avg("Grid").value,
        "selected": sorted(selected.regs),
        "selected_query": selected.raw.get("registers"),
        "local_l1": local.rate("L1"),
        "local_type": local.type_code("S1"),
    }


async def test_egauge_python_reads_the_simulator(start_simulator: StartSimulator) -> None:
    """egauge-python logs in (digest + JWT) and reads registers, virtuals and /local."""
    meter = await start_simulator(EgaugeSimulator())
    result = await asyncio.to_thread(_read_with_egauge_python, meter.url)
    assert result["hostname"] == "egauge-sim"
    assert result["serial"] == "G10400"
    assert {"Grid", "Solar", "L1 Voltage", "Mystery"} <= set(result["names"])
    assert result["virtuals"] == ["use", "gen"]
    assert result["grid_type"] == "P"
    assert result["grid_did"] == 0
    # egauge-python prefers kW for power
    assert result["grid_rate"] == pytest.approx(1.798)
    # its client-side virtual register equals the sum of the physical ones
    assert result["use_now"] == result["grid_now"] + result["solar_now"]
    assert result["ts_step"] == Decimal(60)
    # the average power over the last minute from the counters equals the rate
    assert result["grid_avg_w"] == pytest.approx(1.798, rel=1e-3)
    assert result["selected"] == ["Grid", "Solar"]
    assert [r["name"] for r in result["selected_query"]] == ["Grid", "Solar"]
    assert result["local_l1"] == 121.5
    assert result["local_type"] == "I"
    # it logged in with the digest method exactly once and reused the token
    logins = meter.requests("/api/auth/login")
    assert len(logins) == 1
    assert '"hash"' in logins[0].body
