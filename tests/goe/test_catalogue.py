"""The go-e key catalogue: every row an entity, enabled entities decide the poll's filter,
firmware differences never break the poll, writes show what the charger really has."""

from __future__ import annotations

from collections import Counter
import json
from pathlib import Path
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import ATTR_ENTITY_ID, STATE_UNAVAILABLE, Platform
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.energy_hub.const import DOMAIN
from custom_components.energy_hub.vendors.goe.descriptions import CATALOGUE, charging_duration
from custom_components.energy_hub.vendors.goe.entities import MISSING, resolve
from simulators.goe import KEYS, GoeSimulator

from ..common import advance
from ..conftest import StartSimulator
from .conftest import cloud_data, local_data, setup_entry

PREFIX = "go_echarger_012345"
VENDOR_DIR = Path(__file__).parents[2] / "custom_components/energy_hub/vendors/goe"

#: Unique ids (after ``goe_<serial>_``) of the entities of earlier releases: must not change.
OLD_UNIQUE_IDS = {
    "power",
    "power_l1",
    "power_l2",
    "power_l3",
    "voltage_l1",
    "voltage_l2",
    "voltage_l3",
    "current_l1",
    "current_l2",
    "current_l3",
    "power_factor_l1",
    "power_factor_l2",
    "power_factor_l3",
    "wh",
    "eto",
    "car",
    "err",
    "modelStatus",
    "tma",
    "acu",
    "fwv",
    "rssi",
    "amp",
    "dwo",
    "frc",
    "psm",
    "lmo",
    "ust",
    "acs",
}


def _entity_ids(hass: HomeAssistant, entry_id: str) -> dict[str, er.RegistryEntry]:
    """Registry entries of the entry by catalogue key."""
    reg = er.async_get(hass)
    return {
        e.unique_id.removeprefix("goe_012345_"): e
        for e in er.async_entries_for_config_entry(reg, entry_id)
    }


def _polls(sim: GoeSimulator) -> list[Any]:
    return [r for r in sim.log if r.path.endswith("/api/status")]


def _filter(sim: GoeSimulator) -> set[str]:
    return set(_polls(sim)[-1].query["filter"].split(","))


async def _enable_all(hass: HomeAssistant, freezer: FrozenDateTimeFactory, entry_id: str) -> None:
    """Enable every entity, then let Home Assistant reload the entry as it does."""
    reg = er.async_get(hass)
    for entity in er.async_entries_for_config_entry(reg, entry_id):
        if entity.disabled_by is not None:
            reg.async_update_entity(entity.entity_id, disabled_by=None)
    await advance(hass, freezer, 31)


def test_catalogue_counts_strings_icons() -> None:
    """Counts per platform (printed for the README), strings in en and de, icons, keys."""
    platforms = Counter(row.platform.value for row in CATALOGUE)
    enabled = Counter(row.platform.value for row in CATALOGUE if row.enabled)
    print("\ngo-e catalogue: platform, entities, enabled by default")  # noqa: T201
    for platform in sorted(platforms):
        print(f"  {platform:14s} {platforms[platform]:4d} {enabled[platform]:4d}")  # noqa: T201
    print(f"  {'total':14s} {sum(platforms.values()):4d} {sum(enabled.values()):4d}")  # noqa: T201
    assert 25 <= sum(enabled.values()) <= 35
    assert len({row.key for row in CATALOGUE}) == len(CATALOGUE)
    assert {row.key for row in CATALOGUE} >= OLD_UNIQUE_IDS
    strings = {
        lang: json.loads((VENDOR_DIR / f"strings.{lang}.json").read_text(encoding="utf-8"))
        for lang in ("en", "de")
    }
    icons = json.loads((VENDOR_DIR / "icons.json").read_text(encoding="utf-8"))["entity"]
    sim_keys = set(KEYS) | {f"c{i}{x}" for i in range(10) for x in "nei"} | {"cards"}
    for row in CATALOGUE:
        platform = row.platform.value
        for lang, data in strings.items():
            entry = data["entity"][platform].get(row.translation_key)
            assert entry is not None, (lang, platform, row.translation_key)
            assert entry["name"], (lang, row.key)
            for state in (row.options or {}).values():
                assert state in entry["state"], (lang, row.key, state)
        assert row.translation_key in icons[platform], (platform, row.translation_key)
        # the simulator knows every key of the catalogue
        assert row.api_keys <= sim_keys, row.key
        # configuration under CONFIG, never a measurement there
        if row.category is not None and row.category.value == "config":
            assert row.state_class is None, row.key
    # every control the issue names exists
    controls = {str(row.path[0]) for row in CATALOGUE if row.writable}
    assert {
        "ama", "fup", "acp", "awe", "awp", "lse", "nmo", "frm", "bac", "ct", "tds", "loty",
        "lot", "lof", "lop", "ate", "att", "spl3", "psmd", "mptwt", "mpwst", "pgt", "fst",
        "sh", "psh", "po", "zfo", "mca", "fmt", "sch_week", "sch_satur", "sch_sund", "clp",
    } <= controls  # fmt: skip


@pytest.mark.parametrize("profile", ["v4-59", "v4-60", "pro-60"])
async def test_every_entity_on_each_firmware(
    hass: HomeAssistant,
    start_simulator: StartSimulator,
    freezer: FrozenDateTimeFactory,
    hass_client: ClientSessionGenerator,
    profile: str,
) -> None:
    """All entities enabled: one poll; only keys the model lacks are unavailable, with reasons."""
    sim = await start_simulator(GoeSimulator(profile=profile))
    entry = await setup_entry(hass, local_data(sim))
    await _enable_all(hass, freezer, entry.entry_id)
    assert entry.state is ConfigEntryState.LOADED
    sim.clear_log()
    await advance(hass, freezer, 10)
    await advance(hass, freezer, 10)
    polls = _polls(sim)
    assert len(polls) == 2
    # the second poll no longer names keys the charger lacks: a clean 200
    lacking = sim.profile.lacks | ({"cards"} if profile != "v4-59" else {"c0e", "c0n"})
    assert not (_filter(sim) & lacking)
    entities = _entity_ids(hass, entry.entry_id)
    lacked = {
        row.key for row in CATALOGUE if all(str(p[0]) in sim.profile.lacks for p in row.paths)
    }
    # entities enabled by default that the model never had are not created...
    never = {row.key for row in CATALOGUE if row.enabled and row.key in lacked}
    assert set(entities) == {row.key for row in CATALOGUE} - never
    assert never == ({"psm", "ust"} if profile == "pro-60" else set())
    unavailable = {
        key
        for key, e in entities.items()
        if (state := hass.states.get(e.entity_id)) is None or state.state == STATE_UNAVAILABLE
    }
    # ...those the user enabled are unavailable, everything else works
    expected = lacked - never
    assert unavailable == expected
    # RFID card energy on either firmware
    card = hass.states.get(entities["card_1_energy"].entity_id)
    assert card is not None
    assert card.state == "52.31"
    assert card.attributes["card_name"] == "Alice"
    diag = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    assert "Alice" not in repr(diag)  # RFID card names may be people's names
    unsupported = diag["device"]["unsupported_keys"]
    if profile == "pro-60":
        assert unsupported["cbl"] == "refused by the charger (HTTP 400)"
        assert diag["device"]["unavailable_entities"]["cbl"] == (
            "cbl: refused by the charger (HTTP 400)"
        )
    assert set(diag["device"]["unavailable_entities"]) == expected


async def test_enabling_and_disabling_changes_the_filter(
    hass: HomeAssistant, cloud: GoeSimulator, freezer: FrozenDateTimeFactory
) -> None:
    """An enabled entity's key is in the next poll after the reload; disabling drops it."""
    entry = await setup_entry(hass, cloud_data(cloud))
    cloud.clear_log()
    await advance(hass, freezer, 30)
    assert "fhz" not in _filter(cloud)
    reg = er.async_get(hass)
    entity_id = _entity_ids(hass, entry.entry_id)["fhz"].entity_id
    reg.async_update_entity(entity_id, disabled_by=None)
    await advance(hass, freezer, 31)  # Home Assistant reloads the entry
    assert entry.state is ConfigEntryState.LOADED
    cloud.clear_log()
    await advance(hass, freezer, 30)
    assert "fhz" in _filter(cloud)
    state = hass.states.get(entity_id)
    assert state is not None
    assert state.state == "49.98"
    reg.async_update_entity(entity_id, disabled_by=er.RegistryEntryDisabler.USER)
    await hass.async_block_till_done()
    await advance(hass, freezer, 30)
    assert "fhz" not in _filter(cloud)
    assert len(_polls(cloud)) == 2


async def _call(hass: HomeAssistant, domain: str, service: str, key: str, **data: Any) -> None:
    entity_id = next(
        e.entity_id
        for e in er.async_entries_for_config_entry(
            er.async_get(hass), hass.config_entries.async_entries(DOMAIN)[0].entry_id
        )
        if e.unique_id == f"goe_012345_{key}"
    )
    await hass.services.async_call(
        domain, service, {ATTR_ENTITY_ID: entity_id, **data}, blocking=True
    )


def _value(hass: HomeAssistant, key: str) -> str:
    reg = er.async_get(hass)
    entity_id = reg.async_get_entity_id(
        next(row.platform.value for row in CATALOGUE if row.key == key), DOMAIN, f"goe_012345_{key}"
    )
    assert entity_id is not None, key
    state = hass.states.get(entity_id)
    assert state is not None, key
    return state.state


async def test_writes_read_back(
    hass: HomeAssistant, sim: GoeSimulator, freezer: FrozenDateTimeFactory
) -> None:
    """Clamped values show what the charger has; refused ones a translated error."""
    entry = await setup_entry(hass, local_data(sim))
    await _enable_all(hass, freezer, entry.entry_id)
    # clamped by the charger: the entity shows the charger's value after the refresh
    await _call(hass, "number", "set_value", "lbr", value=200)
    sim.state["var"] = 11
    await _call(hass, "number", "set_value", "ama", value=20)
    assert sim.state["ama"] == 16
    await advance(hass, freezer, 2)
    assert _value(hass, "ama") == "16.0"
    assert _value(hass, "lbr") == "200.0"
    # refused: a translated error, and the entity shows what the charger still has
    with pytest.raises(HomeAssistantError) as err:
        await _call(hass, "number", "set_value", "mca", value=20)  # above ama (16)
    assert err.value.translation_key == "goe_rejected"
    sim.state["mca"] = 7  # changed in the app meanwhile
    await advance(hass, freezer, 2)
    assert _value(hass, "mca") == "7.0"
    # off the step: said so, nothing written
    sim.clear_log()
    with pytest.raises(ServiceValidationError) as verr:
        await _call(hass, "number", "set_value", "amp", value=6.5)
    assert verr.value.translation_key == "goe_not_a_step"
    assert verr.value.translation_placeholders["value"] == "6.5"
    assert sim.log == []
    # scaled values: seconds -> ms, kWh -> Wh, W
    await _call(hass, "number", "set_value", "psmd", value=120)
    await _call(hass, "number", "set_value", "ate", value=20.5)
    await _call(hass, "number", "set_value", "pgt", value=-300)
    await _call(hass, "number", "set_value", "att", value=6.5)
    await _call(hass, "number", "set_value", "awp", value=12.3)
    assert sim.state["awp"] == 12.3
    assert (sim.state["psmd"], sim.state["ate"], sim.state["pgt"]) == (120_000, 20_500, -300)
    assert sim.state["att"] == 23_400
    # selects, schedulers (the whole object is written back), switches, text, presets
    await _call(hass, "select", "select_option", "bac", option="locked_when_charging")
    await _call(hass, "select", "select_option", "sch_week", option="inside")
    await _call(hass, "switch", "turn_on", "fup")
    await _call(hass, "switch", "turn_off", "acp")
    await _call(hass, "text", "set_value", "ct", value="My car")
    await _call(hass, "select", "select_option", "clp", option="10 A")
    assert sim.state["bac"] == 2
    assert sim.state["sch_week"]["control"] == 1
    assert sim.state["sch_week"]["ranges"][0]["end"]["hour"] == 6
    assert (sim.state["fup"], sim.state["acp"], sim.state["ct"]) == (True, False, "My car")
    assert sim.state["amp"] == 10
    await advance(hass, freezer, 2)
    assert _value(hass, "bac") == "locked_when_charging"
    assert _value(hass, "sch_week") == "inside"
    assert _value(hass, "fup") == "on"
    assert _value(hass, "acp") == "off"
    assert _value(hass, "ct") == "My car"
    assert _value(hass, "clp") == "10 A"
    assert _value(hass, "psmd") == "120.0"
    assert _value(hass, "att") == "6.5"
    # a value of an unexpected form is not overwritten blindly
    sim.state["sch_sund"] = "junk"
    await advance(hass, freezer, 10)
    assert _value(hass, "sch_sund") == "unknown"
    with pytest.raises(ServiceValidationError) as verr:
        await _call(hass, "select", "select_option", "sch_sund", option="inside")
    assert verr.value.translation_key == "goe_not_writable"
    assert sim.state["sch_sund"] == "junk"
    # a command
    await _call(hass, "button", "press", "rst")
    assert any(r.query.get("rst") == "1" for r in sim.log)


def test_value_helpers() -> None:
    """Paths into lists and objects; the charging duration's two forms."""
    assert resolve({"a": [1, {"b": 2}]}, ("a", 1, "b")) == 2
    assert resolve({"a": [1]}, ("a", 5)) is MISSING
    assert resolve({"a": 3}, ("a", "b")) is MISSING
    assert charging_duration({"cdi": {"type": 1, "value": 90_000}}) == 90.0
    assert charging_duration({"cdi": {"type": 0, "value": 1_000}, "rbt": 61_000}) == 60.0
    assert charging_duration({"cdi": {"type": 0, "value": 1_000}}) is None
    assert charging_duration({"cdi": {"type": 1, "value": "x"}}) is None
    assert charging_duration({"cdi": None}) is None


async def test_device_page_fixes(
    hass: HomeAssistant, sim: GoeSimulator, freezer: FrozenDateTimeFactory
) -> None:
    """Issue 13 item 7: the current shows its value (box); no charging reason without a car."""
    await setup_entry(hass, local_data(sim))
    amp = hass.states.get(f"number.{PREFIX}_charging_current")
    assert amp is not None
    assert amp.attributes["mode"] == "box"
    assert amp.attributes["step"] == 1
    reason = hass.states.get(f"sensor.{PREFIX}_charging_reason")
    assert reason is not None
    assert reason.state == "no_car"
    assert reason.attributes["code"] == 15  # what the charger reports is kept
    sim.plug()
    await advance(hass, freezer, 10)
    reason = hass.states.get(f"sensor.{PREFIX}_charging_reason")
    assert reason is not None
    assert reason.state == "fallback_default"


async def test_old_unique_ids_are_kept(hass: HomeAssistant, sim: GoeSimulator) -> None:
    """Entities of earlier releases keep their unique ids (and so entity ids and history)."""
    entry = await setup_entry(hass, local_data(sim))
    entities = _entity_ids(hass, entry.entry_id)
    assert set(entities) >= OLD_UNIQUE_IDS
    assert entities["amp"].entity_id == f"number.{PREFIX}_charging_current"
    assert entities["modelStatus"].entity_id == f"sensor.{PREFIX}_charging_reason"
    assert entities["power"].entity_id == f"sensor.{PREFIX}_charging_power"


async def test_default_poll_on_a_strict_model(
    hass: HomeAssistant, start_simulator: StartSimulator, freezer: FrozenDateTimeFactory
) -> None:
    """A CORE/PRO: the first poll's 400 breaks nothing; later polls are clean 200s."""
    sim = await start_simulator(GoeSimulator(profile="pro-60"))
    entry = await setup_entry(hass, local_data(sim))
    assert entry.state is ConfigEntryState.LOADED
    # default-enabled entities of keys the model never had are not created
    assert hass.states.get(f"select.{PREFIX}_phase_mode") is None
    assert hass.states.get(f"select.{PREFIX}_cable_lock") is None
    sim.clear_log()
    await advance(hass, freezer, 10)
    assert not (_filter(sim) & {"psm", "ust"})
    assert hass.states.get(f"sensor.{PREFIX}_total_energy").state == "1234.567"  # type: ignore[union-attr]
    assert Platform.SENSOR
