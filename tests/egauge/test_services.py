"""The energy_hub.get_register_history action against the simulated meter (real HTTP)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
import voluptuous as vol

from custom_components.energy_hub.const import DOMAIN
from custom_components.energy_hub.vendors.egauge.services import MAX_ROWS
from simulators.egauge import EgaugeSimulator

from ..common import history_call
from .conftest import entry_data, setup_meter

SERIAL = "G10400"


async def _call(hass: HomeAssistant, **data: Any) -> Any:
    return await history_call(hass, "get_register_history", **data)


def _entity(hass: HomeAssistant, platform: str, unique_id: str) -> str:
    entity_id = er.async_get(hass).async_get_entity_id(platform, DOMAIN, f"{SERIAL}_{unique_id}")
    assert entity_id is not None, unique_id
    return entity_id


async def test_history_of_every_register(hass: HomeAssistant, meter: EgaugeSimulator) -> None:
    """One request for the range; totals and average rates from the stored counters."""
    await setup_meter(hass, meter)
    meter.clear_log()
    response = await _call(hass)
    requests = meter.requests("/api/register")
    assert len(requests) == 1
    assert "time=" in requests[0].query_string
    assert "delta" in requests[0].query_string
    assert response["meter"] == SERIAL
    assert response["step"] == 3600
    registers = {r["name"]: r for r in response["registers"]}
    assert {"Grid", "Solar", "L1 Voltage", "Mystery", "use", "gen"} <= registers.keys()
    grid = registers["Grid"]
    assert (grid["type"], grid["unit"], grid["rate_unit"]) == ("P", "kWh", "W")
    rows = grid["rows"]
    assert len(rows) == 3  # two hours, one row an hour, both ends included
    assert [r["time"] for r in rows] == sorted(r["time"] for r in rows)
    assert rows[0]["average"] is None  # nothing older in the reply
    for row in rows[1:]:
        assert row["average"] == pytest.approx(1798.0, abs=1)  # the simulated rate
    for row in rows:
        assert row["total"] == pytest.approx(row["value"] / 3_600_000)
    # the virtual register is computed by the meter: use = Grid + Solar
    assert registers["use"]["rows"][-1]["value"] == (
        rows[-1]["value"] + registers["Solar"]["rows"][-1]["value"]
    )
    # a voltage has an average but no total; an unknown type code only its stored values
    voltage = registers["L1 Voltage"]["rows"]
    assert voltage[-1]["total"] is None
    assert voltage[-1]["average"] == pytest.approx(121.5, abs=0.01)
    mystery = registers["Mystery"]
    assert mystery["unit"] is None
    assert all(r["total"] is None and r["average"] is None for r in mystery["rows"])


async def test_history_of_one_sensor(hass: HomeAssistant, meter: EgaugeSimulator) -> None:
    """A sensor's register only (``reg=none+<idx>``), over a custom step."""
    await setup_meter(hass, meter)
    meter.clear_log()
    response = await _call(hass, entity_id=_entity(hass, "sensor", "reg1_power"), step=1800)
    assert [r["name"] for r in response["registers"]] == ["Solar"]
    assert len(response["registers"][0]["rows"]) == 5
    assert response["registers"][0]["rows"][-1]["average"] == pytest.approx(-2500.0, abs=1)
    (request,) = meter.requests("/api/register")
    assert "reg=none%2B1&" in request.query_string


async def test_history_refuses_bad_calls(hass: HomeAssistant, meter: EgaugeSimulator) -> None:
    """Every wrong input is a translated message, before any request is made."""
    entry = await setup_meter(hass, meter)
    meter.clear_log()
    now = dt_util.utcnow()

    async def refused(**data: Any) -> ServiceValidationError:
        with pytest.raises(ServiceValidationError) as err:
            await _call(hass, **data)
        return err.value

    err = await refused(start=now.isoformat(), end=(now - timedelta(hours=1)).isoformat())
    assert err.translation_key == "egauge_history_range"
    err = await refused(step=1)  # two hours of 1 s rows
    assert err.translation_key == "egauge_history_too_many_rows"
    assert err.translation_placeholders == {"rows": "7201", "max_rows": str(MAX_ROWS)}
    err = await refused(entity_id=_entity(hass, "button", "reboot"))
    assert err.translation_key == "egauge_not_a_register"
    err = await refused(entity_id="sensor.not_there")
    assert err.translation_key == "egauge_not_a_register"
    err = await refused(config_entry_id="nope")
    assert err.translation_key == "egauge_no_entry"
    with pytest.raises(vol.Invalid):
        await _call(hass, step=0)
    assert meter.requests("/api/register") == []

    # a second meter that is not loaded: the call must name the meter
    other = MockConfigEntry(domain=DOMAIN, unique_id="G2", data=entry_data(meter))
    other.add_to_hass(hass)
    err = await refused()
    assert err.translation_key == "egauge_entry_required"
    err = await refused(config_entry_id=other.entry_id)
    assert err.translation_key == "egauge_entry_not_loaded"
    assert err.translation_placeholders == {"name": other.title}
    assert (await _call(hass, config_entry_id=entry.entry_id))["meter"] == SERIAL


async def test_history_meter_errors(hass: HomeAssistant, meter: EgaugeSimulator) -> None:
    """The meter's refusal and an unreachable meter are translated messages."""
    await setup_meter(hass, meter)
    meter.faults.body = b'{"error": "Invalid time range."}'
    meter.faults.paths = ("/api/register",)
    with pytest.raises(ServiceValidationError) as err:
        await _call(hass)
    assert err.value.translation_key == "egauge_history_refused"
    assert err.value.translation_placeholders == {"error": "Invalid time range."}
    meter.faults.reset()
    meter.faults.status = 503
    meter.faults.paths = ("/api/register",)
    with pytest.raises(HomeAssistantError) as failed:
        await _call(hass)
    assert failed.value.translation_key == "communication_error"
