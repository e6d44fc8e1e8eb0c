"""The real Home Assistant frontend in headless Chromium, against the simulators.

Home Assistant runs as a subprocess (``tests/browser/run_hass.py``: ``hass`` with the test-only
demo vendor registered next to the real ones) on a free port with a temporary config dir;
the simulators run in another subprocess. Onboarding is completed through Home Assistant's
onboarding HTTP API, then Chromium logs in through the login page and walks:
Settings -> Devices & services -> Add integration -> search "go-e" and "eGauge" -> Energy Hub
-> the vendor menu -> for each vendor whose simulator is registered (plus the demo vendor)
the config flow with the simulator's address and credentials -> the device page, where an
entity state read from the simulator must be shown. Then the Energy dashboard is configured
with Energy Hub's statistics (``_energy_dashboard``) and shown for yesterday.

Screenshots go to ``artifacts/screenshots/``; with ``ENERGY_HUB_DOC_IMAGES=1`` the flow form
and device page of the first real vendor (the demo vendor when none is registered) and the
Energy dashboard are also copied to ``docs/images/`` for the README.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
import os
from pathlib import Path
import re
import shutil
import time
from typing import Any

import pytest

from simulators import VENDORS

from .harness import CHROMIUM, CHROMIUM_ARGS, OWNER, ROOT, home_assistant, onboard, simulators

pytestmark = pytest.mark.browser

INTEGRATION_TITLE = "eGauge, EMS, EKM, go-e: Energy Hub"
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
DOC_IMAGES = ROOT / "docs" / "images"
#: Vendors in the order their screenshots are preferred for the README.
DOC_PREFERENCE = ("goe", "egauge", "ems", "ekm", "demo")
TIMEOUT_MS = 20_000
#: The browser window (width, height).
VIEWPORT = (1280, 900)
#: Form fields holding a secret (the wrong-secret check changes the first one it finds).
SECRET_FIELDS = frozenset({"password", "api_token", "api_key", "token"})
#: Input types the walk types into (check boxes and selectors keep their defaults).
TEXT_INPUTS = frozenset({"text", "password", "url", "email", "number", "search", "tel"})


@dataclass(frozen=True)
class Walk:
    """How the browser test walks one vendor's config flow.

    ``steps``: one entry per flow step, in order. A string picks that menu option; a dict
    fills a form: field name -> value, where ``{key}`` is replaced by the simulator's
    description (``{"url": ..., **Simulator.describe()}``). Form fields not listed are filled
    from the description by name (``host`` takes ``url``); optional fields with no value
    are left as they are.
    ``expect``: regular expressions of which at least one must be on the device page (besides the
    formatted state of up to three live entities, which are always checked).
    """

    steps: tuple[str | dict[str, str], ...] = ({},)
    expect: tuple[str, ...] = ()
    #: Submit a wrong password/token/key first and expect an error that keeps the other fields.
    wrong_secret: bool = True


#: A form step with this key is submitted with what the form preselects (no text fields).
ACCEPT_DEFAULTS = "_accept_defaults"

#: One entry per vendor key; vendors whose simulator is not registered are skipped.
WALKS: dict[str, Walk] = {
    # The demo simulator's channels: a = 100.0 W, b = 250.5 W (each channel is a device);
    # the frontend shows power without decimals by default (251 W).
    "demo": Walk(steps=({"host": "{url}"},), expect=(r"\b100\W*W\b", r"\b25(1|0\.5)\W*W\b")),
    "egauge": Walk(),
    "ems": Walk(),
    # key and token, then the gateway step and the meters step, each with its preselection
    "ekm": Walk(steps=({}, {ACCEPT_DEFAULTS: "yes"}, {ACCEPT_DEFAULTS: "yes"})),
    # the cloud mode: the simulator's cloud front stands in for <serial>.api.v3.go-e.io
    "goe": Walk(steps=("goe_cloud", {})),
}

#: Description keys tried, in order, for a form field the walk does not name.
FIELD_FALLBACKS: dict[str, tuple[str, ...]] = {
    "host": ("host", "url"),
    "api_token": ("api_token", "token"),
    "api_key": ("api_key", "key", "token"),
}


def _value_for(name: str, given: dict[str, str], sim: dict[str, Any]) -> str | None:
    if name in given:
        return given[name].format(**sim)
    for key in FIELD_FALLBACKS.get(name, (name,)):
        if key in sim and not isinstance(sim[key], (dict, list)):
            return str(sim[key])
    return None


class Frontend:
    """The Chromium page plus helpers that pierce Home Assistant's shadow DOM."""

    def __init__(self, page: Any, base_url: str) -> None:
        self.page = page
        self.base_url = base_url

    def shot(self, name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        self.page.screenshot(path=str(path))
        return path

    def navigate(self, path: str) -> None:
        """Client-side navigation (as a click on a link does), no page reload."""
        self.page.evaluate(
            "p => { history.pushState(null, '', p);"
            " window.dispatchEvent(new CustomEvent('location-changed')); }",
            path,
        )

    def ws(self, message: dict[str, Any]) -> Any:
        """A websocket command through the frontend's own connection."""
        return self.page.evaluate(
            "m => document.querySelector('home-assistant').hass.callWS(m)", message
        )

    def login(self) -> None:
        page = self.page
        page.goto(self.base_url + "/", timeout=60_000)
        page.locator("input[name=username]").fill(OWNER["username"])
        page.locator("input[name=password]").fill(OWNER["password"])
        page.get_by_role("button", name="Log in").click()
        page.wait_for_function(
            "() => { const h = document.querySelector('home-assistant');"
            " return !!(h && h.hass && h.hass.connected && h.hass.user); }",
            timeout=60_000,
        )
        assert (
            page.evaluate("() => document.querySelector('home-assistant').hass.user.name")
            == (OWNER["name"])
        )


def _walk_vendor(ui: Frontend, key: str, walk: Walk, sim: dict[str, Any]) -> dict[str, Any]:
    """Open the flow, pick ``key`` in the vendor menu, fill its steps; return the new entry."""
    page = ui.page
    dialog = page.locator("dialog-data-entry-flow")
    before = {e["entry_id"] for e in ui.ws({"type": "config_entries/get", "domain": "energy_hub"})}
    _open_energy_hub(ui, screenshot=None)
    _pick(ui, key)
    for index, step in enumerate(walk.steps):
        if isinstance(step, str):
            page.locator("step-flow-menu ha-list-item").first.wait_for(timeout=TIMEOUT_MS)
            _pick(ui, step)
            continue
        form_inputs = dialog.locator("ha-form input")
        if ACCEPT_DEFAULTS in step:
            # a form of selectors only (a drop-down) may have no <input> at all
            dialog.locator("step-flow-form ha-form").first.wait_for(timeout=TIMEOUT_MS)
            page.wait_for_timeout(400)
        else:
            form_inputs.first.wait_for(timeout=TIMEOUT_MS)
        fields = form_inputs.evaluate_all("els => els.map(e => [e.name, e.type])")
        names = [name for name, kind in fields if name and kind in TEXT_INPUTS]
        assert names or ACCEPT_DEFAULTS in step, f"{key}: step {index} shows no text fields"
        filled = {
            name: value for name in names if (value := _value_for(name, step, sim)) is not None
        }
        for name, value in filled.items():
            dialog.locator(f"ha-form input[name='{name}']").first.fill(value)
        secret = next((n for n in names if n in SECRET_FIELDS), None)
        if index == 0 and walk.wrong_secret and secret is not None:
            _expect_refused(ui, key, secret, names)
        page.keyboard.press("Tab")  # leave the last field so its label settles
        page.wait_for_timeout(400)
        _settle_fields(ui, key, filled)
        ui.shot(f"{key}-form-{index}")
        form = dialog.locator("step-flow-form")
        form_id = form.evaluate("el => el.step.step_id + ':' + el.step.flow_id")
        dialog.get_by_role("button", name="Submit").click()
        # Wait until this step is replaced (next step, success) or shows an error.
        page.wait_for_function(
            "([id]) => { const f = document.querySelector('dialog-data-entry-flow')"
            "?.shadowRoot?.querySelector('step-flow-form');"
            " return !f || !f.step || (f.step.step_id + ':' + f.step.flow_id) !== id"
            " || (f.step.errors && Object.keys(f.step.errors).length > 0); }",
            arg=[form_id],
            timeout=TIMEOUT_MS,
        )
    # The success step: the new devices with their names and areas ("Skip and finish").
    finish = dialog.get_by_role("button", name="finish")
    try:
        finish.wait_for(timeout=TIMEOUT_MS)
    except Exception as err:
        ui.shot(f"{key}-flow-failed")
        shown = dialog.locator("ha-alert").all_inner_texts()
        raise AssertionError(
            f"{key}: the config flow did not finish; the dialog shows {shown} "
            f"(artifacts/screenshots/{key}-flow-failed.png)"
        ) from err
    ui.shot(f"{key}-created")
    finish.click()
    finish.wait_for(state="hidden", timeout=TIMEOUT_MS)
    entries = ui.ws({"type": "config_entries/get", "domain": "energy_hub"})
    new = [e for e in entries if e["entry_id"] not in before]
    assert len(new) == 1, f"{key}: expected one new entry, got {new}"
    assert new[0]["state"] == "loaded", new[0]
    return dict(new[0])


def _settle_fields(ui: Frontend, key: str, filled: dict[str, str]) -> None:
    """Type again what a field lost while the form was still rendering, then check all.

    The frontend may replace an input right after it appears (the password field gets its
    show/hide button): text typed into the replaced element is gone.
    """
    dialog = ui.page.locator("dialog-data-entry-flow")
    for name, value in filled.items():
        field = dialog.locator(f"ha-form input[name='{name}']").first
        if field.input_value() != value:
            field.fill(value)
        shown = field.input_value()
        assert shown == value, f"{key}: {name} shows {shown!r} after typing {value!r}"


def _expect_refused(ui: Frontend, key: str, secret: str, names: list[str]) -> None:
    """Submit a wrong secret once: a translated error, the other fields kept, then the right one."""
    dialog = ui.page.locator("dialog-data-entry-flow")
    field = dialog.locator(f"ha-form input[name='{secret}']").first
    right = field.input_value()
    # what was typed stays after the error, secrets too (never a stored secret)
    secrets = {
        n: dialog.locator(f"ha-form input[name='{n}']").first.input_value()
        for n in names
        if n in SECRET_FIELDS
    }
    kept = {
        n: dialog.locator(f"ha-form input[name='{n}']").first.input_value()
        for n in names
        if n not in SECRET_FIELDS
    }
    field.fill("wrong-" + right)
    dialog.get_by_role("button", name="Submit").click()
    alert = dialog.locator("ha-alert")
    alert.first.wait_for(timeout=TIMEOUT_MS)
    text = " ".join(alert.all_inner_texts()).strip()
    assert text, f"{key}: a wrong {secret} shows an empty error"
    assert "Traceback" not in text, text
    assert "Error:" not in text, text
    typed = {**kept, **secrets, secret: "wrong-" + right}
    for name, value in typed.items():
        shown = dialog.locator(f"ha-form input[name='{name}']").first.input_value()
        assert shown == value, f"{key}: {name} was {value!r}, after the error {shown!r}"
    ui.shot(f"{key}-form-error")
    for name, value in {**secrets, secret: right}.items():
        dialog.locator(f"ha-form input[name='{name}']").first.fill(value)


def _open_energy_hub(ui: Frontend, screenshot: str | None) -> None:
    """Settings -> Devices & services -> Add integration -> search -> Energy Hub."""
    page = ui.page
    ui.navigate("/config/integrations/dashboard")
    page.get_by_role("button", name="Add integration").click(timeout=TIMEOUT_MS)
    add_dialog = page.locator("dialog-add-integration")
    search = add_dialog.get_by_placeholder("Search for a brand name")
    search.wait_for(timeout=TIMEOUT_MS)
    # Only the dialog's list: once an entry exists, the dashboard has a card of that name too.
    item = add_dialog.get_by_text(INTEGRATION_TITLE, exact=True)
    # Users find the integration by any vendor's name. The frontend's fuzzy search only
    # matches words near the start of a name, which is why the manifest name starts with them.
    for term in ("go-e", "EKM", "EMS", "eGauge"):
        search.fill(term)
        try:
            item.first.wait_for(timeout=TIMEOUT_MS)
        except Exception as err:  # playwright's TimeoutError
            raise AssertionError(f'Searching "{term}" does not find "{INTEGRATION_TITLE}"') from err
        if screenshot and term in ("go-e", "eGauge"):
            ui.shot(f"{screenshot}-search-{term.lower()}")
    item.first.click()
    # The flow starts with the vendor menu.
    page.locator("step-flow-menu ha-list-item").first.wait_for(timeout=TIMEOUT_MS)


def _menu_options(ui: Frontend) -> dict[str, Any]:
    """The menu shown in the flow dialog: option key -> its list item (in screen order)."""
    items = ui.page.locator("step-flow-menu ha-list-item")
    keys = items.evaluate_all("els => els.map(e => e.step)")
    return {key: items.nth(i) for i, key in enumerate(keys)}


def _pick(ui: Frontend, key: str) -> None:
    """Click menu option ``key`` of the flow dialog (waiting, bounded, for that menu)."""
    options = _menu_options(ui)
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while key not in options and time.monotonic() < deadline:
        ui.page.wait_for_timeout(100)  # the previous menu is still being replaced
        options = _menu_options(ui)
    assert key in options, f"menu option {key!r} missing; shown: {list(options)}"
    options[key].click()


def _device_page(ui: Frontend, key: str, entry: dict[str, Any], walk: Walk) -> list[str]:
    """Open the entry's device page; check live entity states are shown. Returns them."""
    page = ui.page
    devices = [
        d
        for d in ui.ws({"type": "config/device_registry/list"})
        if entry["entry_id"] in d["config_entries"]
    ]
    assert devices, f"{key}: the entry has no devices"
    entities = [
        e
        for e in ui.ws({"type": "config/entity_registry/list"})
        if e["config_entry_id"] == entry["entry_id"] and not e["disabled_by"]
    ]
    assert entities, f"{key}: the entry has no enabled entities"
    states = page.evaluate("() => document.querySelector('home-assistant').hass.states")
    live = [
        e
        for e in entities
        if e["entity_id"] in states
        and states[e["entity_id"]]["state"] not in ("unknown", "unavailable")
        and e["device_id"]
    ]
    assert live, f"{key}: no entity has a state from the simulator"
    # The device with the most live entities is the one worth a screenshot.
    device_id = max(
        {e["device_id"] for e in live}, key=lambda d: sum(e["device_id"] == d for e in live)
    )
    ui.navigate(f"/config/devices/device/{device_id}")
    shown: list[str] = []
    # sensors first: controls (numbers, selects) show their value in a widget, not as text
    on_device = sorted(
        (e for e in live if e["device_id"] == device_id),
        key=lambda e: not e["entity_id"].startswith("sensor."),
    )
    for ent in on_device[:3]:
        text = page.evaluate(
            "id => { const h = document.querySelector('home-assistant').hass;"
            " return h.formatEntityState(h.states[id]); }",
            ent["entity_id"],
        )
        page.get_by_text(text, exact=False).filter(visible=True).first.wait_for(timeout=TIMEOUT_MS)
        shown.append(text)
    if walk.expect:
        deadline = time.monotonic() + TIMEOUT_MS / 1000
        while not any(
            page.get_by_text(re.compile(pattern)).filter(visible=True).count()
            for pattern in walk.expect
        ):
            texts = page.get_by_text(re.compile(r"\d")).filter(visible=True).all_inner_texts()
            assert time.monotonic() < deadline, f"{key}: none of {walk.expect} in {texts}"
            page.wait_for_timeout(250)
    page.wait_for_timeout(500)  # let the cards settle for the screenshot
    ui.shot(f"{key}-device")
    return shown


def _ekm_second_gateway(ui: Frontend, first: dict[str, Any], sim: dict[str, Any]) -> None:
    """A second gateway of the same EKM account: each meter once, under its own gateway.

    Then the second entry is removed: the first entry's entities (disabled ones too) and
    devices are untouched.
    """

    def registry(entry_id: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        devices = [
            d
            for d in ui.ws({"type": "config/device_registry/list"})
            if entry_id in d["config_entries"]
        ]
        entities = sorted(
            (
                {
                    "entity_id": e["entity_id"],
                    "disabled_by": e["disabled_by"],
                    "device_id": e["device_id"],
                }
                for e in ui.ws({"type": "config/entity_registry/list"})
                if e["config_entry_id"] == entry_id
            ),
            key=lambda e: str(e["entity_id"]),
        )
        return devices, entities

    first_devices, first_entities = registry(first["entry_id"])
    assert any(e["disabled_by"] for e in first_entities), "ekm: no disabled-by-default entity"
    second = _walk_vendor(
        ui,
        "ekm",
        Walk(steps=({}, {ACCEPT_DEFAULTS: "yes"}, {ACCEPT_DEFAULTS: "yes"}), wrong_secret=False),
        sim,
    )
    assert second["title"] != first["title"], (first["title"], second["title"])
    second_devices, _ = registry(second["entry_id"])

    def meters(devices: list[dict[str, Any]]) -> dict[str, str | None]:
        gateway = next(d["id"] for d in devices if str(d["name"]).startswith("EKM Push3"))
        found = {str(d["name"]): d["via_device_id"] for d in devices if d["id"] != gateway}
        assert all(via == gateway for via in found.values()), (gateway, found)
        return found

    first_meters = meters(first_devices)
    second_meters = meters(second_devices)
    assert first_meters, "ekm: the first gateway has no meters"
    assert second_meters, "ekm: the second gateway has no meters"
    # every meter appears once, under exactly one gateway
    assert not set(first_meters) & set(second_meters), (first_meters, second_meters)
    devices, entities = registry(first["entry_id"])
    assert entities == first_entities, "ekm: adding a second gateway changed the first's"
    assert sorted(d["id"] for d in devices) == sorted(d["id"] for d in first_devices)
    ui.shot("ekm-second-gateway")

    # what the entry's "Delete" menu item does
    ui.page.evaluate(
        "id => document.querySelector('home-assistant').hass"
        ".callApi('DELETE', 'config/config_entries/entry/' + id)",
        second["entry_id"],
    )
    ui.page.wait_for_timeout(1000)
    assert not [
        e
        for e in ui.ws({"type": "config_entries/get", "domain": "energy_hub"})
        if e["entry_id"] == second["entry_id"]
    ]
    devices, entities = registry(first["entry_id"])
    assert entities == first_entities, "ekm: removing one gateway changed the other's entities"
    assert sorted(d["id"] for d in devices) == sorted(d["id"] for d in first_devices)


#: The Energy dashboard's statistics of the browser's eGauge meter (``use_household_day``):
#: role -> (register, kind). The Solar register reads negative, so *exported* is production.
ENERGY_STATISTICS: dict[str, tuple[str, str]] = {
    "grid_import": ("Grid", "imported"),
    "grid_export": ("Grid", "exported"),
    "solar": ("Solar", "exported"),
    "heat_pump": ("Heat pump", "imported"),
    "kitchen": ("Kitchen", "imported"),
}
#: Seconds the test waits for the eGauge history import (30 days, one request a second).
HISTORY_TIMEOUT = 180
#: Height of the browser window for the Energy dashboard's screenshot.
DASHBOARD_HEIGHT = 1500


def _registry_entity(ui: Frontend, entry: dict[str, Any], unique_suffix: str) -> str:
    """The entity id of the entry's entity whose unique id ends with ``unique_suffix``."""
    found = [
        e["entity_id"]
        for e in ui.ws({"type": "config/entity_registry/list"})
        if e["config_entry_id"] == entry["entry_id"]
        and str(e.get("unique_id", "")).endswith(unique_suffix)
    ]
    assert len(found) == 1, f"{entry['title']}: entities ending {unique_suffix!r}: {found}"
    return str(found[0])


def _wait_for_history(ui: Frontend, entry: dict[str, Any]) -> float:
    """Wait until the eGauge history import sensor shows 100 %; returns the seconds waited."""
    sensor = _registry_entity(ui, entry, "_history_import")
    started = time.monotonic()
    while True:
        state = ui.page.evaluate(
            "id => document.querySelector('home-assistant').hass.states[id]?.state", sensor
        )
        if state not in (None, "unknown", "unavailable") and float(state) >= 100:
            return time.monotonic() - started
        assert time.monotonic() - started < HISTORY_TIMEOUT, (
            f"egauge: the history import is at {state} % after {HISTORY_TIMEOUT}s"
        )
        ui.page.wait_for_timeout(1000)


def _hourly_changes(
    ui: Frontend, ids: list[str], start: datetime, end: datetime
) -> dict[str, list[float]]:
    """``recorder/statistics_during_period``: each statistic's hourly change, oldest first."""
    reply = ui.ws(
        {
            "type": "recorder/statistics_during_period",
            "start_time": start.isoformat(),
            "end_time": end.isoformat(),
            "statistic_ids": ids,
            "period": "hour",
            "types": ["change"],
        }
    )
    return {sid: [float(row["change"]) for row in reply.get(sid, [])] for sid in ids}


#: What the README's "The Energy dashboard" section names, as the 2026.10 frontend shows it.
ENERGY_LABELS = (
    "Electricity grid",
    "Add grid connection",
    "Solar panels",
    "Add solar production",
    "Home battery storage",
    "Add battery system",
    "Individual electrical devices",
    "Add device",
)
#: The fields of the grid connection dialog the README names.
GRID_DIALOG_LABELS = ("Energy imported from grid", "Energy exported to grid")


def _energy_configuration(ui: Frontend) -> None:
    """The way the README describes: the Energy dashboard's pencil opens its configuration.

    Every section and button the README names is there; the grid connection dialog has
    the two fields the README names.
    """
    page = ui.page
    page.get_by_role("button", name="Edit dashboard").first.click(timeout=TIMEOUT_MS)
    page.wait_for_url(re.compile(r"/config/energy"), timeout=TIMEOUT_MS)
    for label in ENERGY_LABELS:
        page.get_by_text(label, exact=True).first.wait_for(timeout=TIMEOUT_MS)
    ui.shot("energy-config")
    page.get_by_role("button", name="Add grid connection").first.click(timeout=TIMEOUT_MS)
    for label in GRID_DIALOG_LABELS:
        page.get_by_text(label, exact=False).first.wait_for(timeout=TIMEOUT_MS)
    page.wait_for_timeout(500)
    ui.shot("energy-config-grid")
    page.keyboard.press("Escape")


def _energy_dashboard(ui: Frontend, entries: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Configure the Energy dashboard with Energy Hub's statistics; screenshot yesterday.

    Grid (import and export) and solar from the eGauge meter's statistics (its history
    import writes them), two eGauge circuits and the go-e charger's total energy as
    individual devices. Yesterday's hourly changes are checked through the recorder's
    websocket API (solar never negative; import and export are two series, each with
    energy), so the screenshot cannot be empty by accident.
    """
    page = ui.page
    waited = _wait_for_history(ui, entries["egauge"])
    listed = ui.ws({"type": "recorder/list_statistic_ids", "statistic_type": "sum"})
    ids: dict[str, str] = {}
    for role, (register, kind) in ENERGY_STATISTICS.items():
        match = [
            s["statistic_id"]
            for s in listed
            if str(s["statistic_id"]).startswith("energy_hub:egauge_")
            and str(s.get("name") or "").endswith(f" {register} {kind}")
        ]
        assert len(match) == 1, f"statistic {register} {kind}: {match} in {listed}"
        ids[role] = match[0]
    charger = _registry_entity(ui, entries["goe"], "_eto")
    prefs = {
        "energy_sources": [
            {
                "type": "grid",
                "stat_energy_from": ids["grid_import"],
                "stat_energy_to": ids["grid_export"],
                "stat_cost": None,
                "entity_energy_price": None,
                "number_energy_price": None,
                "stat_compensation": None,
                "entity_energy_price_export": None,
                "number_energy_price_export": None,
                "cost_adjustment_day": 0,
            },
            {
                "type": "solar",
                "stat_energy_from": ids["solar"],
                "config_entry_solar_forecast": None,
            },
        ],
        "device_consumption": [
            {"stat_consumption": ids["heat_pump"], "name": "Heat pump"},
            {"stat_consumption": ids["kitchen"], "name": "Kitchen"},
            {"stat_consumption": charger, "name": "go-eCharger"},
        ],
    }
    ui.ws({"type": "energy/save_prefs", **prefs})
    # Home Assistant's own check of the choice (units, state classes, sums); the charger's
    # sensor has no statistics before the recorder's first compile (every 5 minutes)
    issues = ui.ws({"type": "energy/validate"})
    found = [
        issue
        for group in (*issues["energy_sources"], *issues["device_consumption"])
        for issue in group
        if issue["type"] != "statistics_not_defined"
        or [entity for entity, _ in issue["affected_entities"]] != [charger]
    ]
    assert not found, f"the Energy dashboard reports problems: {found}"

    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    yesterday = today - timedelta(days=1)
    changes = _hourly_changes(ui, list(ids.values()), yesterday, today)
    for role, sid in ids.items():
        assert len(changes[sid]) == 24, f"{role}: {len(changes[sid])} hours yesterday"
        assert all(c >= 0 for c in changes[sid]), f"{role}: a negative hour {changes[sid]}"
    solar = changes[ids["solar"]]
    imported, exported = changes[ids["grid_import"]], changes[ids["grid_export"]]
    assert max(solar) > 1, f"solar produced nothing yesterday: {solar}"
    assert ids["grid_import"] != ids["grid_export"]
    assert sum(imported) > 1, f"no grid import yesterday: {imported}"
    assert sum(exported) > 1, f"no grid export yesterday: {exported}"
    # separate series: hours of import only (night) and of export only (noon)
    assert any(i > 0.1 and e == 0 for i, e in zip(imported, exported, strict=True))
    assert any(e > 0.1 and i == 0 for i, e in zip(imported, exported, strict=True))

    # tall enough for the usage, solar and individual-device charts in one screenshot
    page.set_viewport_size({"width": VIEWPORT[0], "height": DASHBOARD_HEIGHT})
    ui.navigate("/energy")
    page.get_by_role("button", name="Previous").first.click(timeout=TIMEOUT_MS)
    # the dashboard's data collection has yesterday's 24 hours of the grid import
    start_ms = int(yesterday.timestamp() * 1000)
    page.wait_for_function(
        "([start, sid]) => { const c = document.querySelector('home-assistant').hass.connection;"
        " return Object.keys(c).filter(k => k.startsWith('_energy')).some(k => {"
        " const s = c[k].state; return s && s.start && s.start.getTime() === start"
        " && s.stats && (s.stats[sid] || []).length >= 24; }); }",
        arg=[start_ms, ids["grid_import"]],
        timeout=TIMEOUT_MS,
    )
    page.wait_for_timeout(2500)  # the charts animate in
    ui.shot("energy-dashboard")
    page.set_viewport_size({"width": VIEWPORT[0], "height": VIEWPORT[1]})
    _energy_configuration(ui)
    return {"history_wait_s": round(waited), "statistics": sorted(ids.values())}


def test_add_every_vendor_through_the_frontend(browser_tmp: Path) -> None:
    """Onboard, log in, add each vendor through the UI and see its live values."""
    if not CHROMIUM.exists():
        pytest.fail(
            "/usr/bin/chromium is missing: run scripts/setup (Debian's chromium package), "
            "or deselect this test with -m 'not browser'."
        )
    from playwright.sync_api import sync_playwright

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    with (
        simulators(browser_tmp) as sims,
        home_assistant(
            browser_tmp / "config",
            extra_env={k: v for info in sims.values() for k, v in info.get("env", {}).items()},
        ) as ha,
    ):
        assert set(sims) == {"demo", *VENDORS}
        onboard(ha)
        walked: dict[str, list[str]] = {}
        entries: dict[str, dict[str, Any]] = {}
        energy: dict[str, Any] = {}
        with sync_playwright() as pw:
            context = pw.chromium.launch_persistent_context(
                str(browser_tmp / "chromium-profile"),
                executable_path=str(CHROMIUM),
                args=CHROMIUM_ARGS,
                headless=True,
                viewport={"width": VIEWPORT[0], "height": VIEWPORT[1]},
                # the Energy dashboard's days and hours as Home Assistant's (config: UTC)
                timezone_id="UTC",
            )
            page = context.pages[0] if context.pages else context.new_page()
            try:
                context.set_default_timeout(TIMEOUT_MS)
                ui = Frontend(page, ha.url)
                ui.login()
                _open_energy_hub(ui, screenshot="add-integration")
                # The vendor menu lists every registered vendor, each with its label.
                options = _menu_options(ui)
                assert set(options) == set(sims), options
                for key in VENDORS:
                    assert options[key].inner_text().strip(), f"{key}: the menu label is empty"
                ui.shot("vendor-menu")
                page.keyboard.press("Escape")
                page.locator("step-flow-menu").wait_for(state="detached", timeout=TIMEOUT_MS)
                for key in ("demo", *VENDORS):
                    walk = WALKS.get(key)
                    assert walk is not None, f"no browser walk for vendor {key!r} in WALKS"
                    entry = _walk_vendor(ui, key, walk, sims[key])
                    entries[key] = entry
                    walked[key] = _device_page(ui, key, entry, walk)
                    if key == "ekm":
                        _ekm_second_gateway(ui, entry, sims[key])
                energy = _energy_dashboard(ui, entries)
            except Exception:
                page.screenshot(path=str(SCREENSHOTS / "failure.png"))
                raise
            finally:
                context.close()
        assert not ha.errors_logged("custom_components.energy_hub"), ha.errors_logged()
    assert set(walked) == {"demo", *VENDORS}
    if os.environ.get("ENERGY_HUB_DOC_IMAGES"):
        vendor = next(v for v in DOC_PREFERENCE if v in walked)
        DOC_IMAGES.mkdir(parents=True, exist_ok=True)
        form = min(SCREENSHOTS.glob(f"{vendor}-form-[0-9]*.png"))  # the first form, after any menu
        shutil.copyfile(form, DOC_IMAGES / "config-flow.png")
        shutil.copyfile(SCREENSHOTS / f"{vendor}-device.png", DOC_IMAGES / "device.png")
        shutil.copyfile(SCREENSHOTS / "energy-dashboard.png", DOC_IMAGES / "energy-dashboard.png")
    elapsed = time.monotonic() - started
    print(f"browser test: {sorted(walked)} in {elapsed:.0f}s: {walked}; energy: {energy}")  # noqa: T201
