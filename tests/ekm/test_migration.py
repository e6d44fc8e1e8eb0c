"""Two gateways of one account, and the migration of the unscoped meter ids (1.1/1.2 -> 1.3)."""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.energy_hub.const import CONFIG_MINOR_VERSION, CONFIG_VERSION, DOMAIN
from simulators.ekm import GATEWAY, GATEWAY_2, EkmSimulator

from .conftest import entry_data, setup_entry

M1 = "000300000001"
M2 = "000300000002"


def _ids(hass: HomeAssistant, entry_id: str) -> dict[str, er.RegistryEntry]:
    ent_reg = er.async_get(hass)
    return {e.unique_id: e for e in er.async_entries_for_config_entry(ent_reg, entry_id)}


async def test_two_gateways_never_collide(hass: HomeAssistant, sim: EkmSimulator) -> None:
    """Two entries reading the same meter have their own entities and devices.

    Removing one leaves the other's registry entries (disabled-by-default ones too) alone.
    """
    first = await setup_entry(hass)
    before = _ids(hass, first.entry_id)
    assert any(e.disabled_by is not None for e in before.values())
    # an entry from an older version that also reads M1 (the flow no longer allows it)
    second = await setup_entry(
        hass, ekm_gateway=GATEWAY_2, ekm_meters=[M1, "000000010388"], ekm_meter_info={}
    )
    second_ids = _ids(hass, second.entry_id)
    assert f"ekm_{GATEWAY_2}_{M1}_kWh_Tot" in second_ids
    assert _ids(hass, first.entry_id) == before
    dev_reg = dr.async_get(hass)
    first_meter = dev_reg.async_get_device_by_identifier(
        (DOMAIN, f"ekm_{GATEWAY}_{M1}"), first.entry_id
    )
    second_meter = dev_reg.async_get_device_by_identifier(
        (DOMAIN, f"ekm_{GATEWAY_2}_{M1}"), second.entry_id
    )
    assert first_meter is not None
    assert second_meter is not None
    assert first_meter.id != second_meter.id

    assert await hass.config_entries.async_remove(second.entry_id)
    await hass.async_block_till_done()
    assert _ids(hass, first.entry_id) == before
    assert first.state is ConfigEntryState.LOADED
    assert dev_reg.async_get(first_meter.id) is not None


async def test_migrate_unscoped_ids(hass: HomeAssistant, sim: EkmSimulator) -> None:
    """Entries of 1.1 keep their entity ids (and so their history), now with scoped ids."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=f"EKM {GATEWAY}",
        unique_id=GATEWAY,
        data=entry_data(),
        version=1,
        minor_version=1,
    )
    entry.add_to_hass(hass)
    ent_reg = er.async_get(hass)
    dev_reg = dr.async_get(hass)
    old_device = dev_reg.async_get_or_create(
        config_entry_id=entry.entry_id, identifiers={(DOMAIN, f"ekm_{M1}")}, name="Omnimeter"
    )
    energy = ent_reg.async_get_or_create(
        "sensor",
        DOMAIN,
        f"ekm_{M1}_kWh_Tot",
        config_entry=entry,
        device_id=old_device.id,
        suggested_object_id="house_energy",
    )
    tariff = ent_reg.async_get_or_create(
        "sensor",
        DOMAIN,
        f"ekm_{M2}_kWh_Tariff_1",
        config_entry=entry,
        suggested_object_id="m2_tariff_1",
        disabled_by=er.RegistryEntryDisabler.INTEGRATION,
    )
    trigger = ent_reg.async_get_or_create(
        "switch", DOMAIN, f"ekm_{GATEWAY}_trigger_x", config_entry=entry
    )

    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert (entry.version, entry.minor_version) == (CONFIG_VERSION, CONFIG_MINOR_VERSION)

    migrated = ent_reg.async_get(energy.entity_id)
    assert migrated is not None
    assert migrated.unique_id == f"ekm_{GATEWAY}_{M1}_kWh_Tot"
    assert hass.states.get("sensor.house_energy") is not None
    migrated_tariff = ent_reg.async_get(tariff.entity_id)
    assert migrated_tariff is not None
    assert migrated_tariff.unique_id == f"ekm_{GATEWAY}_{M2}_kWh_Tariff_1"
    assert migrated_tariff.disabled_by is er.RegistryEntryDisabler.INTEGRATION
    # no second energy entity was created next to the migrated one
    assert [
        e.entity_id
        for e in _ids(hass, entry.entry_id).values()
        if e.unique_id.endswith(f"{M1}_kWh_Tot")
    ] == ["sensor.house_energy"]
    # the trigger's id was scoped already: untouched (then removed as gone from the gateway)
    assert (
        ent_reg.async_get_entity_id("switch", DOMAIN, f"ekm_{GATEWAY}_{GATEWAY}_trigger_x") is None
    )
    assert trigger.unique_id == f"ekm_{GATEWAY}_trigger_x"
    # the meter device keeps its registry id, now with a scoped identifier
    device = dev_reg.async_get(old_device.id)
    assert device is not None
    assert device.identifiers == {(DOMAIN, f"ekm_{GATEWAY}_{M1}")}
    assert migrated.device_id == old_device.id


async def test_migrate_taken_id(hass: HomeAssistant, sim: EkmSimulator) -> None:
    """A new id that is taken already is not overwritten; the old entry stays as it was."""
    entry = MockConfigEntry(
        domain=DOMAIN, title="EKM", unique_id=GATEWAY, data=entry_data(), minor_version=1
    )
    entry.add_to_hass(hass)
    ent_reg = er.async_get(hass)
    old = ent_reg.async_get_or_create("sensor", DOMAIN, f"ekm_{M1}_Line_Freq", config_entry=entry)
    new = ent_reg.async_get_or_create(
        "sensor", DOMAIN, f"ekm_{GATEWAY}_{M1}_Line_Freq", config_entry=entry
    )
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.minor_version == CONFIG_MINOR_VERSION
    assert ent_reg.async_get(new.entity_id).unique_id == f"ekm_{GATEWAY}_{M1}_Line_Freq"  # type: ignore[union-attr]
    assert ent_reg.async_get(old.entity_id).unique_id == f"ekm_{M1}_Line_Freq"  # type: ignore[union-attr]


async def test_migration_refused(hass: HomeAssistant) -> None:
    """A newer version (downgrade) or an EKM entry without gateway cannot be migrated."""
    newer = MockConfigEntry(domain=DOMAIN, data=entry_data(), version=CONFIG_VERSION + 1)
    broken = MockConfigEntry(domain=DOMAIN, data=entry_data(ekm_gateway=""), minor_version=1)
    for entry in (newer, broken):
        entry.add_to_hass(hass)
        assert not await hass.config_entries.async_setup(entry.entry_id)
        assert entry.state is ConfigEntryState.MIGRATION_ERROR
