"""The energy_hub.get_history action and the diagnostics of an EMS gateway."""

from __future__ import annotations

from typing import Any

from homeassistant.const import CONF_PASSWORD, CONF_USERNAME
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
import voluptuous as vol

from custom_components.energy_hub.const import CONF_VENDOR, DOMAIN
from simulators.ems import EmsSimulator

from ..common import history_call
from ..conftest import StartSimulator
from .common import SERIAL, setup_entry, signal_entity, user_input


@pytest.fixture
async def sim(start_simulator: StartSimulator) -> EmsSimulator:
    return await start_simulator(EmsSimulator())


def _energy_uid(sim: EmsSimulator) -> int:
    return next(uid for uid, s in sorted(sim.signals.items()) if s["si"] == 40)


async def _call(hass: HomeAssistant, **data: Any) -> Any:
    return await history_call(hass, "get_history", **data)


async def test_history_by_entity_and_by_uid(hass: HomeAssistant, sim: EmsSimulator) -> None:
    entry = await setup_entry(hass, sim)
    uid = _energy_uid(sim)
    entity_id = signal_entity(hass, uid)
    sim.clear_log()
    response = await _call(hass, entity_id=entity_id)
    assert response["signal_uid"] == uid
    assert response["signal_code"] == 40
    assert response["unit"] == "kWh"
    samples = response["samples"]
    assert 7 <= len(samples) <= 9  # one every 15 minutes over two hours
    values = [s["value"] for s in samples]
    assert values == sorted(values)  # an energy counter only grows
    assert samples[0]["time"] < samples[-1]["time"]
    assert samples[0]["period_end"] is not None
    [request] = sim.requests(f"/v1/signals/{uid}/history")
    assert int(request.query["end"]) - int(request.query["start"]) == 7_200_000

    limited = await _call(hass, signal_uid=uid, limit=3)
    assert len(limited["samples"]) == 3
    assert limited["samples"] == samples[:3]
    by_entry = await _call(hass, signal_uid=uid, config_entry_id=entry.entry_id, limit=2)
    assert by_entry["samples"] == samples[:2]


async def test_history_errors(
    hass: HomeAssistant, sim: EmsSimulator, start_simulator: StartSimulator
) -> None:
    # no gateway at all (the action exists as soon as the integration is set up)
    assert await async_setup_component(hass, DOMAIN, {})
    with pytest.raises(ServiceValidationError) as err:
        await _call(hass, signal_uid=100)
    assert err.value.translation_key == "ems_no_gateway"

    entry = await setup_entry(hass, sim)
    uid = _energy_uid(sim)
    # exactly one of entity and uid, said in a translated message
    with pytest.raises(ServiceValidationError) as err:
        await _call(hass)
    assert err.value.translation_key == "ems_signal_required"
    with pytest.raises(ServiceValidationError) as err:
        await _call(hass, signal_uid=uid, entity_id=signal_entity(hass, uid))
    assert err.value.translation_key == "ems_signal_required"
    # schema: a real time range; a sane limit
    with pytest.raises(vol.Invalid):
        await _call(hass, signal_uid=uid, start="yesterday")
    with pytest.raises(vol.Invalid):
        await _call(hass, signal_uid=uid, limit=0)

    now = dt_util.utcnow()
    with pytest.raises(ServiceValidationError) as err:
        await _call(hass, signal_uid=uid, start=now.isoformat(), end=now.isoformat())
    assert err.value.translation_key == "ems_history_range"

    with pytest.raises(ServiceValidationError) as err:
        await _call(hass, signal_uid=987654)
    assert err.value.translation_key == "ems_signal_not_found"
    assert err.value.translation_placeholders == {"uid": "987654"}

    with pytest.raises(ServiceValidationError) as err:
        await _call(hass, entity_id="sensor.does_not_exist")
    assert err.value.translation_key == "ems_not_a_signal"

    with pytest.raises(ServiceValidationError) as err:
        await _call(hass, signal_uid=uid, config_entry_id="nope")
    assert err.value.translation_key == "ems_no_gateway"

    # the gateway refuses the parameters (400): its reason is shown
    sim.faults.status = 400
    sim.faults.paths = (f"/v1/signals/{uid}/history",)
    with pytest.raises(ServiceValidationError) as err:
        await _call(hass, signal_uid=uid)
    assert err.value.translation_key == "ems_history_refused"
    assert err.value.translation_placeholders == {"error": "simulated HTTP 400"}
    sim.faults.status = 500
    with pytest.raises(HomeAssistantError) as err:
        await _call(hass, signal_uid=uid)
    assert err.value.translation_key == "invalid_response"
    sim.faults.reset()
    sim.faults.close_connection = True
    with pytest.raises(HomeAssistantError) as err:
        await _call(hass, signal_uid=uid)
    assert err.value.translation_key == "communication_error"
    sim.faults.reset()

    # a changed password: a translated error, and reauth starts
    sim.password = "changed"
    sim.tokens.revoke_all()
    with pytest.raises(HomeAssistantError) as err:
        await _call(hass, signal_uid=uid)
    assert err.value.translation_key == "auth_failed"
    await hass.async_block_till_done()
    flows = hass.config_entries.flow.async_progress()
    assert [f["context"]["source"] for f in flows] == ["reauth"]
    sim.password = "s3cret!"

    # a second gateway: a bare UID is ambiguous, an entity is not
    other_sim = await start_simulator(EmsSimulator(serial="BX20000000"))
    other = MockConfigEntry(
        domain=DOMAIN,
        unique_id="BX20000000",
        title="EMS gateway BX20000000",
        data={CONF_VENDOR: "ems", **user_input(other_sim)},
    )
    other.add_to_hass(hass)
    with pytest.raises(ServiceValidationError) as err:
        await _call(hass, signal_uid=uid)
    assert err.value.translation_key == "ems_entry_required"
    # ... and one that is not loaded says so
    with pytest.raises(ServiceValidationError) as err:
        await _call(hass, signal_uid=uid, config_entry_id=other.entry_id)
    assert err.value.translation_key == "ems_entry_not_loaded"
    response = await _call(hass, signal_uid=uid, config_entry_id=entry.entry_id, limit=1)
    assert len(response["samples"]) == 1


async def test_diagnostics_redacted(
    hass: HomeAssistant, sim: EmsSimulator, hass_client: ClientSessionGenerator
) -> None:
    entry = await setup_entry(hass, sim)
    diag = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    text = str(diag)
    assert SERIAL not in text
    assert "s3cret!" not in text
    assert "00:1A:2B:3C:4D:5E" not in text
    assert sim.url not in text
    assert diag["entry"]["data"][CONF_PASSWORD] == "**REDACTED**"
    assert diag["entry"]["data"][CONF_USERNAME] == "**REDACTED**"
    device = diag["device"]
    assert device["system"]["serial"] == "**REDACTED**"
    assert device["system"]["mac"] == "**REDACTED**"
    assert device["system"]["firmware"] == "EMS_1.0.0.0.250101.000000"
    assert device["signals"] == {"total": 258, "enabled": 257, "unknown_codes": [777, 901]}
    assert device["client"]["realtime_requests_per_poll"] == 1
    assert device["client"]["logins"] == 1
    assert len(device["devices"]) == 6
    assert len(device["loads"]) == 13
    assert device["realtime"]["count"] == 257
    assert len(device["realtime"]["first_samples"]) == 20
    assert diag["vendor"] == "ems"
