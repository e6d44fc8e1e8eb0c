"""scripts/validate: passes on the real tree, and catches each kind of breakage.

Every test breaks ONE thing in a scratch copy of the repository and asserts the validator
fails with the message naming it.
"""

from __future__ import annotations

from collections.abc import Callable
import importlib.util
import json
from pathlib import Path
import shutil
import sys
from types import ModuleType
from typing import Any

from PIL import Image
import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
PKG = "custom_components/energy_hub"


def _load_validate() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "energy_hub_validate", ROOT / "scripts" / "validate.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


validate = _load_validate()


@pytest.fixture
def scratch(tmp_path: Path) -> Path:
    """A copy of what the validator reads: the integration, hacs.json, README, configs."""
    shutil.copytree(
        ROOT / "custom_components",
        tmp_path / "custom_components",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    for name in ("hacs.json", "README.md", "setup.cfg", "LICENSE", "CHANGELOG.md"):
        shutil.copy(ROOT / name, tmp_path / name)
    shutil.copytree(ROOT / ".github", tmp_path / ".github")
    (tmp_path / "scripts").mkdir()
    shutil.copy(ROOT / "scripts" / "test", tmp_path / "scripts" / "test")
    return tmp_path


def problems(root: Path, **kwargs: Any) -> list[str]:
    kwargs.setdefault("probe", False)
    return validate.validate(root, **kwargs).problems


def assert_problem(root: Path, *fragments: str, **kwargs: Any) -> list[str]:
    """The validator fails and some problem contains all ``fragments``."""
    found = problems(root, **kwargs)
    assert found, "validate passed on a broken tree"
    assert any(all(f in p for f in fragments) for p in found), "\n".join(found)
    return found


def edit_json(path: Path, change: Callable[[Any], None]) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def edit_english(root: Path, change: Callable[[Any], None]) -> None:
    """Change strings.json and translations/en.json alike (they must stay equal)."""
    edit_json(root / PKG / "strings.json", change)
    edit_json(root / PKG / "translations" / "en.json", change)


def edit_all_languages(root: Path, change: Callable[[Any], None]) -> None:
    edit_english(root, change)
    edit_json(root / PKG / "translations" / "de.json", change)


def merge_json(root: Path, relative: str, addition: dict[str, Any]) -> None:
    """Deep-merge ``addition`` into a JSON file of the scratch copy (keeping the vendors')."""
    path = root / PKG / relative
    data = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}

    def deep(into: dict[str, Any], new: dict[str, Any]) -> None:
        for key, value in new.items():
            if isinstance(value, dict) and isinstance(into.get(key), dict):
                deep(into[key], value)
            else:
                into[key] = value

    deep(data, addition)
    path.write_text(json.dumps(data), encoding="utf-8")


def merge_services_yaml(root: Path, addition: dict[str, Any]) -> None:
    """Add service definitions to the scratch copy's services.yaml."""
    path = root / PKG / "services.yaml"
    data = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}) if path.exists() else {}
    data.update(addition)
    path.write_text(yaml.safe_dump(data), encoding="utf-8")


def write(root: Path, relative: str, text: str) -> Path:
    path = root / PKG / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


# -- the real tree ---------------------------------------------------------------------------


def test_real_tree_passes() -> None:
    """The repository itself passes every check, including the import probe."""
    report = validate.validate(ROOT)
    assert report.problems == []


def test_scratch_copy_passes(scratch: Path) -> None:
    """The unbroken copy passes, so every failure below comes from the one breakage."""
    assert problems(scratch) == []


def test_cli_exit_code_and_output(scratch: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The command exits 1 and lists every problem on stderr; 0 and a summary when clean."""
    assert validate.main(["--root", str(scratch), "--no-probe", "--quiet"]) == 0
    assert "all Home Assistant and HACS checks passed" in capsys.readouterr().out
    edit_english(scratch, lambda d: d["config"]["error"].pop("unknown"))
    assert validate.main(["--root", str(scratch), "--no-probe"]) == 1
    err = capsys.readouterr().err
    assert "problem(s) in" in err
    assert "config-flow error 'unknown' is not in config.error" in err


# -- translations ----------------------------------------------------------------------------


def test_missing_error_key(scratch: Path) -> None:
    edit_english(scratch, lambda d: d["config"]["error"].pop("unknown"))
    found = assert_problem(scratch, "config_flow.py:", "config-flow error 'unknown'")
    # de.json still has it: reported as extra
    assert any("config.error.unknown is extra" in p for p in found)


def test_missing_abort_reason(scratch: Path) -> None:
    edit_all_languages(scratch, lambda d: d["config"]["abort"].pop("wrong_device"))
    assert_problem(scratch, "abort reason 'wrong_device' is not in config.abort")


def test_missing_implicit_abort_reason(scratch: Path) -> None:
    """_abort_if_unique_id_configured() needs already_configured."""
    edit_all_languages(scratch, lambda d: d["config"]["abort"].pop("already_configured"))
    assert_problem(scratch, "abort reason 'already_configured'")


def test_missing_exception_translation(scratch: Path) -> None:
    edit_all_languages(scratch, lambda d: d["exceptions"].pop("auth_failed"))
    assert_problem(scratch, "coordinator.py", "exception translation_key 'auth_failed'")


def test_missing_step_translation(scratch: Path) -> None:
    edit_all_languages(scratch, lambda d: d["config"]["step"].pop("reauth_confirm"))
    assert_problem(scratch, "form step 'reauth_confirm' is not in config.step")


def test_missing_vendor_options_step_translation(scratch: Path) -> None:
    """A vendor's options step (a function taking the options flow) needs options.step."""
    edit_all_languages(scratch, lambda d: d["options"]["step"].pop("goe_pv_surplus"))
    assert_problem(scratch, "flow.py", "form step 'goe_pv_surplus' is not in options.step")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("See https://example.com/help", "contains a URL"),
        ("Visit www.example.org", "contains a URL"),
        ("A <b>bold</b> title", "contains HTML"),
        (" Leading space", "leading or trailing spaces"),
        ("Bad {0bad} placeholder", "is not a valid identifier"),
        ("Quoted '{name}' placeholder", "inside single quotes"),
        ("Unbalanced {name", "unbalanced"),
        ("[%key:common::config_flow::data::host%]", "[%key:...%] reference"),
    ],
)
def test_bad_string_value(scratch: Path, value: str, message: str) -> None:
    def change(data: Any) -> None:
        data["config"]["step"]["user"]["title"] = value

    edit_all_languages(scratch, change)
    assert_problem(scratch, "config.step.user.title", message)


def test_data_description_without_data(scratch: Path) -> None:
    def change(data: Any) -> None:
        data["config"]["step"]["reconfigure"]["data_description"]["pin"] = "The PIN."

    edit_all_languages(scratch, change)
    assert_problem(scratch, "config.step.reconfigure.data_description.pin", "'pin' is not in data")


def test_invalid_translation_key(scratch: Path) -> None:
    def change(data: Any) -> None:
        data["exceptions"]["Bad_Key_"] = {"message": "Oops."}

    edit_all_languages(scratch, change)
    assert_problem(scratch, "exceptions.Bad_Key_", "invalid translation key")


def test_unknown_top_level_key(scratch: Path) -> None:
    edit_all_languages(scratch, lambda d: d.update({"entities": {}}))
    assert_problem(scratch, "entities", "is not a top-level translations key")


def test_strings_differs_from_english(scratch: Path) -> None:
    def change(data: Any) -> None:
        data["config"]["step"]["user"]["title"] = "Something else"

    edit_json(scratch / PKG / "translations" / "en.json", change)
    assert_problem(scratch, "config.step.user.title differs from translations/en.json")


def test_german_missing_and_extra_keys(scratch: Path) -> None:
    def change(data: Any) -> None:
        del data["config"]["error"]["invalid_auth"]
        data["config"]["error"]["nur_deutsch"] = "Nur auf Deutsch."

    edit_json(scratch / PKG / "translations" / "de.json", change)
    found = assert_problem(scratch, "de.json", "config.error.invalid_auth is missing")
    assert any("config.error.nur_deutsch is extra" in p for p in found)


def test_german_placeholder_mismatch(scratch: Path) -> None:
    def change(data: Any) -> None:
        data["exceptions"]["communication_error"]["message"] = "Keine Verbindung: {fehler}"

    edit_json(scratch / PKG / "translations" / "de.json", change)
    assert_problem(scratch, "exceptions.communication_error.message uses placeholders ['fehler']")


def test_json_that_does_not_parse(scratch: Path) -> None:
    write(scratch, "strings/common.icons.json", "{not json")
    assert_problem(scratch, "common.icons.json", "invalid JSON")


# -- code keys -------------------------------------------------------------------------------

FAKE_ENTITY = """
from homeassistant.components.sensor import SensorEntity, SensorEntityDescription
from homeassistant.exceptions import HomeAssistantError

ENERGY = SensorEntityDescription(key="energy", translation_key="grid_energy")
MAIN = SensorEntityDescription(key="main", translation_key="grid_energy", name=None)


class FakeSensor(SensorEntity):
    _attr_translation_key = "battery_level"


def fail() -> None:
    raise HomeAssistantError("the device said no")
"""


def test_entity_translation_keys_and_untranslated_raise(scratch: Path) -> None:
    write(scratch, "fake.py", FAKE_ENTITY)
    found = assert_problem(scratch, "entity translation_key 'grid_energy' is not in entity.sensor")
    assert any("'battery_level' is not in entity.sensor" in p for p in found)
    assert any("HomeAssistantError" in p and "without translation_key" in p for p in found)

    def change(data: Any) -> None:
        data.setdefault("entity", {}).setdefault("sensor", {}).update(
            {"grid_energy": {"name": "Grid"}, "battery_level": {}}
        )

    edit_all_languages(scratch, change)
    found = problems(scratch)
    assert not any("entity translation_key" in p for p in found)
    assert not any("hard-coded" in p for p in found)  # name=None is the device's name


def test_hard_coded_name_and_icon(scratch: Path) -> None:
    write(
        scratch,
        "fake.py",
        "from homeassistant.components.sensor import SensorEntity\n\n"
        "class FakeSensor(SensorEntity):\n"
        '    _attr_name = "Grid power"\n'
        '    _attr_icon = "mdi:flash"\n\n'
        'POWER = SensorEntityDescription(key="p", name="Power")\n',
    )
    found = assert_problem(scratch, "_attr_name = 'Grid power'", "hard-coded entity name")
    assert any("SensorEntityDescription(name='Power')" in p for p in found)
    assert any("icon set in code" in p for p in found)


def test_own_client_session(scratch: Path) -> None:
    write(
        scratch,
        "fake.py",
        "import aiohttp\n\nasync def make():\n    return aiohttp.ClientSession()\n",
    )
    found = assert_problem(scratch, "creates its own HTTP session")
    assert any("inject-websession: marked done" in p for p in found)


def test_undeclared_component_dependency(scratch: Path) -> None:
    write(scratch, "fake.py", "from homeassistant.components import mqtt\n")
    assert_problem(scratch, "imports homeassistant.components.mqtt")


def test_unavailable_reason_needs_translation(scratch: Path) -> None:
    write(
        scratch,
        "fake.py",
        "from .api.errors import EnergyHubUnavailableError\n\n"
        "def fail():\n"
        '    raise EnergyHubUnavailableError("offline", reason="charger_offline")\n',
    )
    assert_problem(scratch, "exception translation_key 'unavailable_charger_offline'")


# -- manifest --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "key",
    ["version", "documentation", "issue_tracker", "codeowners", "iot_class", "integration_type"],
)
def test_manifest_required_key_removed(scratch: Path, key: str) -> None:
    edit_json(scratch / PKG / "manifest.json", lambda d: d.pop(key))
    assert_problem(scratch, "manifest.json", f"{key}: required key not provided")


def test_manifest_keys_unsorted(scratch: Path) -> None:
    path = scratch / PKG / "manifest.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    reordered = {"version": data.pop("version"), **data}
    path.write_text(json.dumps(reordered, indent=2), encoding="utf-8")
    assert_problem(scratch, "manifest.json", "keys are not sorted correctly")


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("documentation", "http://example.com/docs", "https://"),
        (
            "documentation",
            "https://www.home-assistant.io/integrations/energy_hub",
            "home-assistant.io",
        ),
        ("codeowners", ["energy-hub-dev"], "starting with @"),
        ("iot_class", "cloud", "iot_class"),
        ("integration_type", "gadget", "integration_type"),
        ("version", "not a version", "is not a valid version"),
        ("requirements", ["somepkg>=1.0"], "pinned with =="),
        ("requirements", ["PyJWT==0.0.1"], "the tests run with"),
        ("domain", "energyhub", "must equal the folder"),
        ("colour", "blue", "colour: is not a manifest key"),
    ],
)
def test_manifest_bad_value(scratch: Path, key: str, value: Any, message: str) -> None:
    edit_json(scratch / PKG / "manifest.json", lambda d: d.update({key: value}))
    assert_problem(scratch, "manifest.json", message)


def test_config_flow_flag_without_module(scratch: Path) -> None:
    edit_json(scratch / PKG / "manifest.json", lambda d: d.update({"config_flow": False}))
    assert_problem(scratch, "config_flow.py exists but config_flow is not true")


# -- icons -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("icons", "message"),
    [
        (
            {"entity": {"sensor": {"grid_energy": {"default": "flash"}}}},
            "not a Material Design icon",
        ),
        (
            {
                "entity": {
                    "sensor": {
                        "grid_energy": {"default": "mdi:flash", "state": {"high": "mdi:flash"}}
                    }
                }
            },
            "same as the default icon",
        ),
        ({"entity": {"sensor": {"nobody": {"default": "mdi:flash"}}}}, "no entity uses"),
        ({"services": {"set_current": "mdi:flash"}}, '{"service": "mdi:..."}'),
        ({"entities": {}}, "is not a key of icons.json"),
    ],
)
def test_bad_icons(scratch: Path, icons: dict[str, Any], message: str) -> None:
    def change(data: Any) -> None:
        data["entity"] = {"sensor": {"grid_energy": {"name": "Grid energy"}}}

    edit_all_languages(scratch, change)
    write(scratch, "icons.json", json.dumps(icons))
    assert_problem(scratch, "icons.json", message)


def test_entity_with_states_needs_an_icon(scratch: Path) -> None:
    def change(data: Any) -> None:
        data.setdefault("entity", {}).setdefault("sensor", {})["zz_fake_state"] = {
            "name": "Car",
            "state": {"idle": "Idle"},
        }

    edit_all_languages(scratch, change)
    assert_problem(scratch, "entity.sensor.zz_fake_state", "translated states needs an icon")
    merge_json(
        scratch, "icons.json", {"entity": {"sensor": {"zz_fake_state": {"default": "mdi:car"}}}}
    )
    assert problems(scratch) == []


def test_async_setup_needs_config_schema(scratch: Path) -> None:
    init = scratch / PKG / "__init__.py"
    init.write_text(
        init.read_text(encoding="utf-8").replace("CONFIG_SCHEMA = ", "_SCHEMA = "),
        encoding="utf-8",
    )
    assert_problem(scratch, "__init__.py", "defines async_setup but no CONFIG_SCHEMA")


# -- services --------------------------------------------------------------------------------

SERVICE_CODE = """
from homeassistant.core import HomeAssistant

SERVICE_SET_CURRENT = "set_current"


def register(hass: HomeAssistant) -> None:
    hass.services.async_register("energy_hub", SERVICE_SET_CURRENT, handler)


async def handler(call) -> None:
    return None
"""

SERVICES_YAML = {
    "set_current": {
        "fields": {
            "amps": {
                "required": True,
                "selector": {"number": {"min": 6, "max": 32, "unit_of_measurement": "A"}},
            }
        }
    }
}
SERVICE_STRINGS = {
    "set_current": {
        "name": "Set charging current",
        "description": "Sets the charging current.",
        "fields": {"amps": {"name": "Current", "description": "The current in amperes."}},
    }
}


def _add_service(root: Path, services_yaml: Any = None, strings: Any = None) -> None:
    write(root, "fake.py", SERVICE_CODE)
    if services_yaml is not None:
        merge_services_yaml(root, services_yaml)
    else:
        (root / PKG / "services.yaml").unlink(missing_ok=True)
    if strings is not None:
        edit_all_languages(root, lambda d: d.setdefault("services", {}).update(strings))
    merge_json(root, "icons.json", {"services": {"set_current": {"service": "mdi:flash"}}})


def test_service_complete_passes(scratch: Path) -> None:
    _add_service(scratch, SERVICES_YAML, SERVICE_STRINGS)
    assert problems(scratch) == []


def test_service_without_services_yaml(scratch: Path) -> None:
    _add_service(scratch, None, SERVICE_STRINGS)
    assert_problem(scratch, "services.yaml", "is missing but the code registers service actions")


def test_service_missing_from_services_yaml(scratch: Path) -> None:
    _add_service(scratch, {"other": SERVICES_YAML["set_current"]}, SERVICE_STRINGS)
    assert_problem(scratch, "registers service 'set_current' which services.yaml lacks")


def test_service_without_translations(scratch: Path) -> None:
    _add_service(scratch, SERVICES_YAML, None)
    assert_problem(scratch, "services.set_current", "is missing (name and description)")


def test_service_field_without_translation(scratch: Path) -> None:
    strings = json.loads(json.dumps(SERVICE_STRINGS))
    del strings["set_current"]["fields"]["amps"]["description"]
    _add_service(scratch, SERVICES_YAML, strings)
    assert_problem(scratch, "services.set_current.fields.amps", "has no description")


def test_service_invalid_selector(scratch: Path) -> None:
    bad = {"set_current": {"fields": {"amps": {"selector": {"numbr": {}}}}}}
    _add_service(scratch, bad, SERVICE_STRINGS)
    assert_problem(scratch, "services.yaml", "amps")


def test_service_registered_per_entry(scratch: Path) -> None:
    write(
        scratch,
        "fake.py",
        "async def async_setup_entry(hass, entry):\n"
        '    hass.services.async_register("energy_hub", "set_current", None)\n',
    )
    write(scratch, "services.yaml", yaml.safe_dump(SERVICES_YAML))
    edit_all_languages(scratch, lambda d: d.update({"services": SERVICE_STRINGS}))
    write(
        scratch, "icons.json", json.dumps({"services": {"set_current": {"service": "mdi:flash"}}})
    )
    assert_problem(scratch, "register service actions in async_setup")


def test_service_without_icon(scratch: Path) -> None:
    _add_service(scratch, SERVICES_YAML, SERVICE_STRINGS)
    write(scratch, "icons.json", "{}")
    assert_problem(scratch, "icons.json: services.set_current", "needs an icon")


# -- quality scale ---------------------------------------------------------------------------


def _edit_rules(root: Path, change: Callable[[dict[str, Any]], None]) -> None:
    path = root / PKG / "quality_scale.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data["rules"])
    path.write_text(yaml.safe_dump(data), encoding="utf-8")


def test_quality_scale_has_all_54_rules() -> None:
    assert len(validate.QUALITY_RULES) == 54
    data = yaml.safe_load((ROOT / PKG / "quality_scale.yaml").read_text(encoding="utf-8"))
    assert set(data["rules"]) == set(validate.QUALITY_RULES)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda r: r.pop("diagnostics"), "rule diagnostics (gold) is missing"),
        (lambda r: r.update({"discovery": "exempt"}), "exempt needs a comment"),
        (lambda r: r.update({"devices": "doing"}), "is not done, exempt or todo"),
        (lambda r: r.update({"made-up-rule": "done"}), "is not a quality-scale rule"),
        (
            lambda r: r.update({"repair-issues": {"status": "exempt", "comment": "none"}}),
            "the code creates repair issues",
        ),
    ],
)
def test_quality_scale_broken(
    scratch: Path, change: Callable[[dict[str, Any]], None], message: str
) -> None:
    _edit_rules(scratch, change)
    assert_problem(scratch, "quality_scale.yaml", message)


def test_repair_issues_done_needs_a_repair(scratch: Path) -> None:
    """repair-issues is done: without any call creating an issue it fails."""
    creating = [
        path
        for path in (scratch / PKG).rglob("*.py")
        if "ir.async_create_issue(" in path.read_text(encoding="utf-8")
    ]
    assert scratch / PKG / "coordinator.py" in creating
    for path in creating:
        text = path.read_text(encoding="utf-8")
        text = text.replace("ir.async_create_issue(", "ir.async_get_issue(")
        path.write_text(text, encoding="utf-8")
    assert_problem(scratch, "repair-issues: marked done but the code creates no repair issue")


def test_quality_scale_done_needs_code(scratch: Path) -> None:
    """parallel-updates is done: a platform module without PARALLEL_UPDATES fails."""
    path = scratch / PKG / "sensor.py"
    path.write_text(
        path.read_text(encoding="utf-8").replace("PARALLEL_UPDATES = 0", "UPDATES = 0"),
        encoding="utf-8",
    )
    assert_problem(
        scratch, "parallel-updates: marked done but sensor.py does not set PARALLEL_UPDATES"
    )


def test_quality_scale_exemption_must_be_true(scratch: Path) -> None:
    edit_json(
        scratch / PKG / "manifest.json",
        lambda d: d.update({"zeroconf": ["_energyhub._tcp.local."]}),
    )
    assert_problem(scratch, "discovery: marked exempt but the manifest declares discovery")


def test_quality_scale_tier_option(scratch: Path) -> None:
    """--tier platinum fails while a rule is todo (without --tier, todo is only a note)."""
    _edit_rules(scratch, lambda r: r.update({"docs-examples": "todo"}))
    found = problems(scratch, tier="platinum")
    assert any("is todo; platinum needs done or exempt" in p for p in found)
    assert problems(scratch) == []


def test_vendor_without_first_refresh(scratch: Path) -> None:
    """test-before-setup is done: a vendor folder must do the first refresh."""
    write(
        scratch, "vendors/fake/__init__.py", "async def async_setup_entry(hass, entry):\n    pass\n"
    )
    assert_problem(scratch, "test-before-setup", "vendor fake neither calls")


# -- layout, hacs.json, README, brand ------------------------------------------------------


def test_second_integration_folder(scratch: Path) -> None:
    (scratch / "custom_components" / "other").mkdir()
    assert_problem(scratch, "needs exactly one integration folder, found energy_hub, other")


def test_readme_missing(scratch: Path) -> None:
    (scratch / "README.md").unlink()
    assert_problem(scratch, "README.md", "is missing")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.pop("name"), "name is required"),
        (lambda d: d.update({"domains": ["sensor"]}), "domains: not a key HACS allows"),
        (lambda d: d.update({"homeassistant": "soon"}), "is not a Home Assistant version"),
        (lambda d: d.update({"homeassistant": "2025.1.0"}), "older than 2026.3.0"),
        (lambda d: d.update({"homeassistant": "2099.1.0"}), "newer than the Home Assistant"),
        (lambda d: d.update({"render_readme": "yes"}), "render_readme: wrong type"),
        (lambda d: d.update({"zip_release": True}), "zip_release needs filename"),
        (lambda d: d.update({"country": ["Germany"]}), "ISO 3166"),
    ],
)
def test_bad_hacs_json(scratch: Path, change: Callable[[Any], None], message: str) -> None:
    edit_json(scratch / "hacs.json", change)
    assert_problem(scratch, "hacs.json", message)


# -- licence, changelog, GitHub workflows ----------------------------------------------------


def test_license_missing(scratch: Path) -> None:
    (scratch / "LICENSE").unlink()
    assert_problem(scratch, "LICENSE", "is missing")


def test_license_not_recognised(scratch: Path) -> None:
    (scratch / "LICENSE").write_text("All rights reserved.\n", encoding="utf-8")
    assert_problem(scratch, "LICENSE", "known licence heading")


def test_changelog_missing(scratch: Path) -> None:
    (scratch / "CHANGELOG.md").unlink()
    assert_problem(scratch, "CHANGELOG.md", "is missing")


def test_changelog_without_the_manifest_version(scratch: Path) -> None:
    edit_json(scratch / PKG / "manifest.json", lambda d: d.update({"version": "0.99.0"}))
    assert_problem(scratch, "CHANGELOG.md", "no section '## 0.99.0'")


def test_workflows_missing(scratch: Path) -> None:
    shutil.rmtree(scratch / ".github")
    assert_problem(scratch, ".github/workflows", "has no workflow")


def test_workflow_that_does_not_parse(scratch: Path) -> None:
    (scratch / ".github" / "workflows" / "broken.yml").write_text(
        "name: x\njobs: [\n", encoding="utf-8"
    )
    assert_problem(scratch, ".github/workflows/broken.yml", "is not valid YAML")


def test_workflow_without_jobs_or_trigger(scratch: Path) -> None:
    (scratch / ".github" / "workflows" / "empty.yml").write_text("name: x\n", encoding="utf-8")
    found = assert_problem(scratch, "empty.yml", "has no jobs")
    assert any("empty.yml: has no 'on'" in p for p in found)


def _edit_workflows(root: Path, change: Callable[[str], str]) -> None:
    for path in (root / ".github" / "workflows").glob("*.yml"):
        path.write_text(change(path.read_text(encoding="utf-8")), encoding="utf-8")


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "home-assistant/actions/hassfest@master",
            "actions/checkout@v4",
            "no step uses home-assistant/actions/hassfest",
        ),
        ("hacs/action@main", "actions/checkout@v4", "no step uses hacs/action"),
        (
            "category: integration",
            "category: plugin",
            "hacs/action needs with: category: integration",
        ),
        ("hacs/action@main", "hacs/action", "uses: hacs/action has no @ref"),
        ("run: scripts/test", "run: scripts/lint", "no step runs scripts/test"),
        ("run: scripts/setup", "run: true", "no step runs scripts/setup"),
        ("runs-on: ubuntu-latest", "os: ubuntu-latest", "needs runs-on"),
    ],
)
def test_workflow_breakage(scratch: Path, old: str, new: str, message: str) -> None:
    _edit_workflows(scratch, lambda text: text.replace(old, new))
    assert_problem(scratch, message)


def test_real_workflows_use_the_official_actions() -> None:
    """The three workflows parse, and name the official actions with the documented inputs."""
    folder = ROOT / ".github" / "workflows"
    loaded = {p.name: yaml.safe_load(p.read_text(encoding="utf-8")) for p in folder.glob("*.yml")}
    assert set(loaded) == {"validate.yml", "tests.yml", "release.yml"}
    steps = {
        name: [s for job in wf["jobs"].values() for s in job["steps"]]
        for name, wf in loaded.items()
    }
    validate_uses = {s.get("uses"): s.get("with") for s in steps["validate.yml"]}
    assert validate_uses["home-assistant/actions/hassfest@master"] is None
    assert validate_uses["hacs/action@main"] == {"category": "integration"}
    matrix = loaded["tests.yml"]["jobs"]["test"]["strategy"]["matrix"]["include"]
    assert {m["args"] for m in matrix} == {"", "--ha oldest"}
    assert [s.get("run") for s in steps["tests.yml"]][1:] == [
        "scripts/setup",
        "scripts/test ${{ matrix.args }}",
    ]


def test_brand_icon_missing(scratch: Path) -> None:
    (scratch / PKG / "brand" / "icon.png").unlink()
    found = assert_problem(scratch, "brand/icon.png", "is missing")
    assert any("brands: marked done" in p for p in found)


def test_brand_icon_wrong_size_and_format(scratch: Path) -> None:
    brand = scratch / PKG / "brand"
    Image.new("RGBA", (200, 200)).save(brand / "icon.png")
    Image.new("RGB", (512, 512)).save(brand / "icon@2x.png", format="JPEG")
    Image.new("RGBA", (128, 300)).save(brand / "logo.png")
    found = assert_problem(scratch, "brand/icon.png", "is 200x200, must be 256x256")
    assert any("icon@2x.png: is a JPEG image, not a PNG" in p for p in found)
    assert any("logo.png: is 128x300: a logo is landscape" in p for p in found)


def test_brand_images_are_the_right_size() -> None:
    brand = ROOT / PKG / "brand"
    with Image.open(brand / "icon.png") as icon:
        assert (icon.format, icon.size) == ("PNG", (256, 256))
    with Image.open(brand / "icon@2x.png") as icon:
        assert icon.size == (512, 512)
    with Image.open(brand / "logo.png") as logo:
        assert logo.size[0] > logo.size[1]


# -- import probe ----------------------------------------------------------------------------

FAKE_VENDOR = """
from homeassistant.components.sensor import SensorEntityDescription
from homeassistant.const import Platform
import voluptuous as vol

from ...contract import DeviceIdentity, Vendor


class FakeVendor(Vendor):
    key = "fake"
    name = "Fake"
    platforms = (Platform.SENSOR,)
    reauth_keys = ("password",)

    def connection_schema(self, defaults):
        return vol.Schema({vol.Required("host"): str, vol.Required("fake_pin"): str})

    async def async_validate(self, hass, data):
        return DeviceIdentity(unique_id="x", title="x")

    async def async_setup_entry(self, hass, entry):
        raise NotImplementedError

    def async_setup_platform(self, setup):
        return None

    def options_schema(self, options):
        return {vol.Optional("fake_mode"): str}

    def async_register_services(self, hass):
        hass.services.async_register(
            "energy_hub",
            "fake_set_current",
            None,
            schema=vol.Schema({vol.Required("amps"): int, vol.Optional("phases"): int}),
        )
        hass.services.async_register(
            "energy_hub", "fake_refresh", None, schema=vol.Schema({vol.Required("entity_id"): list})
        )


VENDOR = FakeVendor()


def _description(key, translation_key, **kwargs):
    return SensorEntityDescription(key=key, translation_key=translation_key, **kwargs)


DESCRIPTIONS = (
    _description("a", "fake_missing"),
    _description("b", None, name="Hard-coded"),
)
"""


def test_probe_finds_untranslated_vendor_fields(scratch: Path) -> None:
    """Import the integration: every vendor form field is labelled and described, and the
    services a vendor really registers match services.yaml field by field."""
    write(
        scratch, "vendors/fake/__init__.py", FAKE_VENDOR + "\n# async_config_entry_first_refresh\n"
    )
    registry = scratch / PKG / "vendors" / "__init__.py"
    registry.write_text(
        registry.read_text(encoding="utf-8")
        + "\nfrom .fake import VENDOR as _FAKE  # noqa: E402\n\nregister(_FAKE)\n",
        encoding="utf-8",
    )
    write(
        scratch,
        "services.yaml",
        yaml.safe_dump(
            {
                "fake_set_current": {
                    "fields": {
                        "amps": {"selector": {"number": {"min": 6, "max": 32}}},
                        "duration": {"selector": {"number": {"min": 1, "max": 60}}},
                    }
                },
                # entity_id comes from the target: not a field mismatch
                "fake_refresh": {"target": {"entity": {"integration": "energy_hub"}}},
            }
        ),
    )
    found = problems(scratch, probe=True)
    for message in (
        "service energy_hub.fake_set_current: schema field 'phases' is not in services.yaml",
        f"{PKG}/services.yaml: fake_set_current: field 'duration' is not in the service schema",
        f"{PKG}/services.yaml: fake_set_current.amps: is required by the schema",
        # descriptions built at run time, found by the probe
        (
            "custom_components.energy_hub.vendors.fake: entity description 'a': "
            "translation_key 'fake_missing' is not in entity.sensor"
        ),
        "custom_components.energy_hub.vendors.fake: entity description 'b': hard-coded name",
        "vendor fake: config.step.user.menu_options.fake is missing",
        "vendor fake: config.step.fake.data.fake_pin is missing",
        "vendor fake: config.step.fake.data_description.host is missing",
        "vendor fake: config.step.reconfigure.data.fake_pin is missing",
        "vendor fake: options.step.init.data_description.fake_mode is missing",
    ):
        assert any(p.startswith(message) for p in found), "\n".join(found)
    assert not any("fake_refresh" in p and "schema" in p for p in found), found
    # host and password are shared labels of the reconfigure/reauth steps
    assert "vendor fake: config.step.reconfigure.data.host is missing" not in found
    assert "vendor fake: config.step.reauth_confirm.data.password is missing" not in found


def test_probe_reports_import_errors(scratch: Path) -> None:
    registry = scratch / PKG / "vendors" / "__init__.py"
    registry.write_text(
        registry.read_text(encoding="utf-8") + "\nfrom .missing import VENDOR  # noqa: E402\n",
        encoding="utf-8",
    )
    assert_problem(scratch, "importing the integration failed", "missing", probe=True)


# -- the validator against Home Assistant's own files --------------------------------------


def test_accepts_a_platinum_core_integrations_icons_and_services() -> None:
    """No false alarms on a platinum core integration's icons.json and services.yaml."""
    import homeassistant

    peblar = Path(homeassistant.__file__).parent / "components" / "peblar"
    english = json.loads((peblar / "translations" / "en.json").read_text(encoding="utf-8"))
    report = validate.Report()
    icons = validate.check_icons(peblar, english, report)
    assert icons
    validate.check_strings_schema(english, "peblar en.json", report)
    # Our one stricter rule: a state icon equal to the default is an error here (the rule
    # hassfest documents), while core's peblar still has three of them.
    assert [p for p in report.problems if "same as the default icon" not in p] == []
    assert len(report.problems) <= 3
