"""energy_hub.set_pv_surplus and the request spacing inside Home Assistant."""

from __future__ import annotations

import asyncio
import itertools

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import device_registry as dr
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
import voluptuous as vol

from custom_components.energy_hub.const import DOMAIN
from custom_components.energy_hub.vendors.goe import VENDOR
from simulators.goe import GoeSimulator

from ..common import advance
from .conftest import cloud_data, local_data, setup_entry


def _device_id(hass: HomeAssistant, entry: MockConfigEntry) -> str:
    device = dr.async_get(hass).async_get_device_by_identifier(
        (DOMAIN, "goe_012345"), entry.entry_id
    )
    assert device is not None
    return device.id


async def test_set_pv_surplus(
    hass: HomeAssistant, cloud: GoeSimulator, caplog: pytest.LogCaptureFixture
) -> None:
    """The values reach the charger as one ``ids`` object; optional ones are left out.

    Finding the charger uses the device's one config entry: no deprecation is reported.
    """
    entry = await setup_entry(hass, cloud_data(cloud))
    device_id = _device_id(hass, entry)
    cloud.clear_log()
    await hass.services.async_call(
        DOMAIN,
        "set_pv_surplus",
        {"device_id": device_id, "grid_power": -1500, "pv_power": 4200, "battery_power": -800},
        blocking=True,
    )
    (req,) = cloud.log
    assert req.query == {"ids": '{"pGrid":-1500.0,"pPv":4200.0,"pAkku":-800.0}'}
    assert (cloud.state["pgrid"], cloud.state["ppv"], cloud.state["pakku"]) == (
        -1500.0,
        4200.0,
        -800.0,
    )
    await hass.services.async_call(
        DOMAIN, "set_pv_surplus", {"device_id": device_id, "grid_power": "250"}, blocking=True
    )
    assert cloud.log[-1].query == {"ids": '{"pGrid":250.0}'}
    assert cloud.state["ppv"] is None
    assert "deprecated" not in caplog.text


async def test_set_pv_surplus_errors(hass: HomeAssistant, cloud: GoeSimulator) -> None:
    """Wrong devices, unloaded entries, bad values and refusals are clear errors."""
    entry = await setup_entry(hass, cloud_data(cloud))
    device_id = _device_id(hass, entry)

    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN, "set_pv_surplus", {"device_id": "nope", "grid_power": 1}, blocking=True
        )
    assert err.value.translation_key == "goe_not_a_charger_device"

    # a device of another entry of this domain that is not a charger
    other = MockConfigEntry(domain=DOMAIN, data={"vendor": "demo"})
    other.add_to_hass(hass)
    foreign = dr.async_get(hass).async_get_or_create(
        config_entry_id=other.entry_id, identifiers={(DOMAIN, "demo_1")}
    )
    with pytest.raises(ServiceValidationError):
        await hass.services.async_call(
            DOMAIN, "set_pv_surplus", {"device_id": foreign.id, "grid_power": 1}, blocking=True
        )

    with pytest.raises(vol.Invalid):
        await hass.services.async_call(
            DOMAIN,
            "set_pv_surplus",
            {"device_id": device_id, "grid_power": "lots"},
            blocking=True,
        )

    cloud.faults.status = 422
    with pytest.raises(HomeAssistantError) as herr:
        await hass.services.async_call(
            DOMAIN, "set_pv_surplus", {"device_id": device_id, "grid_power": 1}, blocking=True
        )
    assert herr.value.translation_key == "goe_rejected"
    assert herr.value.translation_placeholders["keys"] == "ids"
    cloud.faults.reset()

    assert await hass.config_entries.async_unload(entry.entry_id)
    assert entry.state is ConfigEntryState.NOT_LOADED
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN, "set_pv_surplus", {"device_id": device_id, "grid_power": 1}, blocking=True
        )
    assert err.value.translation_key == "goe_not_loaded"


async def test_requests_spaced_one_second(
    hass: HomeAssistant, sim: GoeSimulator, freezer: FrozenDateTimeFactory
) -> None:
    """Inside Home Assistant a write and the next read are at least a second apart."""
    VENDOR.min_request_interval = 1.0
    entry = await setup_entry(hass, local_data(sim))
    await advance(hass, freezer, 1)
    sim.clear_log()
    # a write and an immediate refresh: the refresh waits for the spacing
    await hass.services.async_call(
        "select",
        "select_option",
        {ATTR_ENTITY_ID: "select.go_echarger_012345_charging_control", "option": "on"},
        blocking=True,
    )
    refresh = hass.async_create_task(entry.runtime_data.coordinator.async_refresh())
    for _ in range(5):
        await asyncio.sleep(0)
    assert [r.path for r in sim.log] == ["/api/set"]
    await advance(hass, freezer, 1)
    await refresh
    assert [r.path for r in sim.log] == ["/api/set", "/api/status"]
    gaps = [b.time - a.time for a, b in itertools.pairwise(sim.log)]
    assert all(gap >= 1 for gap in gaps)
