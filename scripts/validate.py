"""Offline equivalent of Home Assistant's hassfest and the HACS action for Energy Hub.

hassfest lives only in Home Assistant core's repository and the HACS action reads the
repository through the GitHub API, so neither can run here. This script checks the
documented rules (see docs/quality.md) with the installed ``homeassistant`` package's own
validators where they exist (``config_validation``, ``selector.validate_selector``, the
services.yaml schema, AwesomeVersion for versions) and with Python's ``ast`` module for the
keys the code uses. It lists every problem it finds and exits non-zero if there is one.

    scripts/validate [--root DIR] [--no-probe] [--tier bronze|silver|gold|platinum]
"""

from __future__ import annotations

import argparse
import ast
from collections.abc import Callable, Iterable, Iterator
import configparser
from dataclasses import dataclass, field
import functools
from importlib import metadata
import json
from pathlib import Path
import re
import string
import subprocess
import sys
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent

# -- rule data ------------------------------------------------------------------------------

#: The 54 rules of the Integration Quality Scale and their tier (hassfest ALL_RULES).
QUALITY_RULES: dict[str, str] = {
    **dict.fromkeys(
        (
            "action-setup",
            "appropriate-polling",
            "brands",
            "common-modules",
            "config-flow",
            "config-flow-test-coverage",
            "dependency-transparency",
            "docs-actions",
            "docs-conditions",
            "docs-high-level-description",
            "docs-installation-instructions",
            "docs-removal-instructions",
            "docs-triggers",
            "entity-event-setup",
            "entity-unique-id",
            "has-entity-name",
            "runtime-data",
            "test-before-configure",
            "test-before-setup",
            "unique-config-entry",
        ),
        "bronze",
    ),
    **dict.fromkeys(
        (
            "action-exceptions",
            "config-entry-unloading",
            "docs-configuration-parameters",
            "docs-installation-parameters",
            "entity-unavailable",
            "integration-owner",
            "log-when-unavailable",
            "parallel-updates",
            "reauthentication-flow",
            "test-coverage",
        ),
        "silver",
    ),
    **dict.fromkeys(
        (
            "devices",
            "diagnostics",
            "discovery",
            "discovery-update-info",
            "docs-data-update",
            "docs-examples",
            "docs-known-limitations",
            "docs-supported-devices",
            "docs-supported-functions",
            "docs-troubleshooting",
            "docs-use-cases",
            "dynamic-devices",
            "entity-category",
            "entity-device-class",
            "entity-disabled-by-default",
            "entity-translations",
            "exception-translations",
            "icon-translations",
            "reconfiguration-flow",
            "repair-issues",
            "stale-devices",
        ),
        "gold",
    ),
    **dict.fromkeys(("async-dependency", "inject-websession", "strict-typing"), "platinum"),
}
TIERS = ("bronze", "silver", "gold", "platinum")

IOT_CLASSES = (
    "assumed_state",
    "calculated",
    "cloud_polling",
    "cloud_push",
    "local_polling",
    "local_push",
)
INTEGRATION_TYPES = ("device", "entity", "hardware", "helper", "hub", "service", "system")
MANIFEST_QUALITY_SCALES = (
    "bronze",
    "silver",
    "gold",
    "platinum",
    "internal",
    "custom",
    "no_score",
    "legacy",
)
DISCOVERY_KEYS = ("bluetooth", "dhcp", "homekit", "mqtt", "ssdp", "usb", "zeroconf")
#: ``homeassistant.components.<x>`` modules an integration may import without declaring
#: ``<x>`` a dependency (entity platforms and a few helpers every installation has).
IMPLICIT_COMPONENTS = frozenset({"diagnostics", "repairs", "system_health", "device_automation"})

HACS_KEYS: dict[str, tuple[type, ...]] = {
    "name": (str,),
    "content_in_root": (bool,),
    "country": (str, list),
    "filename": (str,),
    "hacs": (str,),
    "hide_default_branch": (bool,),
    "homeassistant": (str,),
    "persistent_directory": (str,),
    "render_readme": (bool,),
    "zip_release": (bool,),
}
#: Brand images inside the integration are read by Home Assistant from 2026.3 on.
BRAND_MIN_HA = "2026.3.0"

STRINGS_TOP_KEYS = frozenset(
    {
        "application_credentials",
        "common",
        "conditions",
        "config",
        "config_panel",
        "config_subentries",
        "conversation",
        "device",
        "device_automation",
        "entity",
        "entity_component",
        "exceptions",
        "issues",
        "options",
        "preview_features",
        "selector",
        "services",
        "system_health",
        "title",
        "triggers",
    }
)
FLOW_KEYS = frozenset(
    {"abort", "create_entry", "error", "flow_title", "initiate_flow", "progress", "step"}
)
STEP_KEYS = frozenset(
    {
        "data",
        "data_description",
        "description",
        "menu_option_descriptions",
        "menu_options",
        "sections",
        "submit",
        "title",
    }
)
ENTITY_KEYS = frozenset({"name", "state", "state_attributes", "unit_of_measurement"})

#: Lowercase letters, digits, ``-`` and ``_``; no separator first, last or doubled.
TRANSLATION_KEY = re.compile(r"[a-z0-9]+(?:[-_][a-z0-9]+)*")
URL = re.compile(
    r"(?:\b(?:https?|ftps?|mqtts?|scp|socket|socks5)://|\bwww\.)"
    r"[a-z0-9]+(?:[-.][a-z0-9]+)*\.[a-z]{2,}",
    re.IGNORECASE,
)
QUOTED_PLACEHOLDER = re.compile(r"'\{\w+\}'")
CODEOWNER = re.compile(r"@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:/[A-Za-z0-9._-]+)?")
COUNTRY = re.compile(r"[A-Z]{2}")

#: Home Assistant exceptions whose message users see; they must be translated.
HA_EXCEPTIONS = frozenset(
    {
        "ConfigEntryAuthFailed",
        "ConfigEntryError",
        "ConfigEntryNotReady",
        "HomeAssistantError",
        "PlatformNotReady",
        "ServiceValidationError",
        "UpdateFailed",
    }
)
EVENT_SUBSCRIPTIONS = re.compile(r"async_track_\w+|async_listen(?:_once)?|async_dispatcher_connect")


# -- report ---------------------------------------------------------------------------------


@dataclass
class Report:
    """Problems (fail the run) and notes (printed, informational)."""

    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    details: list[str] = field(default_factory=list)

    def error(self, where: str, message: str) -> None:
        """Record a problem found at ``where``."""
        self.problems.append(f"{where}: {message}")

    def note(self, where: str, message: str) -> None:
        """Record an informational note."""
        self.notes.append(f"{where}: {message}")


def _dotted(path: Iterable[Any]) -> str:
    return ".".join(str(p) for p in path)


def _get(tree: Any, *path: str) -> Any:
    """``tree[path[0]][path[1]]...`` or None when any level is missing."""
    for key in path:
        if not isinstance(tree, dict) or key not in tree:
            return None
        tree = tree[key]
    return tree


def _leaves(tree: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    if isinstance(tree, dict):
        for key, value in tree.items():
            yield from _leaves(value, (*path, str(key)))
    else:
        yield path, tree


def _load_json(path: Path, where: str, report: Report) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        report.error(where, "file is missing")
    except (ValueError, UnicodeDecodeError) as err:
        report.error(where, f"invalid JSON: {err}")
    return None


# -- layout, JSON, README ---------------------------------------------------------------


def check_layout(root: Path, report: Report) -> Path | None:
    """Exactly one integration folder under custom_components/ (what HACS installs)."""
    base = root / "custom_components"
    if not base.is_dir():
        report.error("custom_components", "folder is missing")
        return None
    folders = []
    for entry in sorted(base.iterdir()):
        if entry.name in {"__init__.py", "__pycache__"}:
            continue
        if entry.is_dir():
            folders.append(entry)
        else:
            report.error(
                f"custom_components/{entry.name}",
                "unexpected file: only the integration folder belongs here",
            )
    if len(folders) != 1:
        names = ", ".join(f.name for f in folders) or "none"
        report.error("custom_components", f"needs exactly one integration folder, found {names}")
    return folders[0] if len(folders) == 1 else None


def check_json_files(root: Path, pkg: Path, report: Report) -> None:
    """Every JSON file of the integration (and hacs.json) parses."""
    for path in sorted(pkg.rglob("*.json")):
        if "__pycache__" not in path.parts:
            _load_json(path, str(path.relative_to(root)), report)


def check_readme(root: Path, report: Report) -> None:
    """HACS shows the README; it must exist and say something."""
    readme = root / "README.md"
    if not readme.is_file():
        report.error("README.md", "is missing (HACS renders it as the integration's page)")
    elif not readme.read_text(encoding="utf-8").strip():
        report.error("README.md", "is empty")


# -- manifest ---------------------------------------------------------------------------


def _verify_version(value: Any) -> str:
    from awesomeversion import AwesomeVersion, AwesomeVersionException, AwesomeVersionStrategy  # noqa: PLC0415
    import probatio as vol  # noqa: PLC0415

    if not isinstance(value, str):
        raise vol.Invalid("must be a string")
    try:
        AwesomeVersion(
            value,
            ensure_strategy=[
                AwesomeVersionStrategy.CALVER,
                AwesomeVersionStrategy.SEMVER,
                AwesomeVersionStrategy.SIMPLEVER,
                AwesomeVersionStrategy.BUILDVER,
                AwesomeVersionStrategy.PEP440,
            ],
        )
    except AwesomeVersionException as err:
        raise vol.Invalid(f"'{value}' is not a valid version") from err
    return value


def _documentation_url(value: Any) -> str:
    from homeassistant.helpers import config_validation as cv  # noqa: PLC0415
    import probatio as vol  # noqa: PLC0415

    url: str = cv.url(value)
    if not url.startswith("https://"):
        raise vol.Invalid("must be an https:// address")
    if re.match(r"https://(www\.)?home-assistant\.io/integrations", url):
        raise vol.Invalid(
            "must not point at home-assistant.io/integrations (that is for core integrations)"
        )
    return url


def _codeowner(value: Any) -> str:
    import probatio as vol  # noqa: PLC0415

    if not isinstance(value, str) or not CODEOWNER.fullmatch(value):
        raise vol.Invalid(f"{value!r} is not a GitHub user or team starting with @")
    return value


def _requirement(value: Any) -> str:
    from packaging.requirements import InvalidRequirement, Requirement  # noqa: PLC0415
    import probatio as vol  # noqa: PLC0415

    if not isinstance(value, str) or re.search(r"\s", value):
        raise vol.Invalid(f"{value!r}: requirements are strings without spaces")
    try:
        req = Requirement(value)
    except InvalidRequirement as err:
        raise vol.Invalid(f"{value!r} is not a valid requirement: {err}") from err
    specs = list(req.specifier)
    if len(specs) != 1 or specs[0].operator != "==":
        raise vol.Invalid(f"{value!r} must be pinned with == to one version")
    try:
        installed = metadata.version(req.name)
    except metadata.PackageNotFoundError as err:
        raise vol.Invalid(f"{value!r} is not installed in the test environment") from err
    if installed != specs[0].version:
        raise vol.Invalid(f"{value!r} but the tests run with {req.name} {installed}")
    return value


def manifest_schema() -> Any:
    """The manifest schema of a custom integration (hassfest's rules, stricter on keys)."""
    from homeassistant.helpers import config_validation as cv  # noqa: PLC0415
    import probatio as vol  # noqa: PLC0415

    return vol.Schema(
        {
            vol.Required("domain"): str,
            vol.Required("name"): vol.All(str, vol.Length(min=1)),
            vol.Required("version"): _verify_version,
            vol.Required("documentation"): _documentation_url,
            vol.Required("issue_tracker"): cv.url,
            vol.Required("codeowners"): vol.All([_codeowner], vol.Length(min=1)),
            vol.Required("iot_class"): vol.In(IOT_CLASSES),
            vol.Required("integration_type"): vol.In(INTEGRATION_TYPES),
            vol.Optional("config_flow"): bool,
            vol.Optional("dependencies"): [str],
            vol.Optional("after_dependencies"): [str],
            vol.Optional("requirements"): [_requirement],
            vol.Optional("loggers"): [str],
            vol.Optional("quality_scale"): vol.In(MANIFEST_QUALITY_SCALES),
            vol.Optional("single_config_entry"): bool,
            vol.Optional("import_executor"): bool,
            vol.Optional("disabled"): str,
            **{vol.Optional(key): object for key in DISCOVERY_KEYS},
        }
    )


def _manifest_key_order(key: str) -> tuple[int, str]:
    return ({"domain": 0, "name": 1}.get(key, 2), key)


def check_manifest(pkg: Path, scan: CodeScan, report: Report) -> dict[str, Any]:
    """manifest.json: schema, key order, domain, config flow module, dependencies."""
    import probatio as vol  # noqa: PLC0415

    where = f"custom_components/{pkg.name}/manifest.json"
    manifest = _load_json(pkg / "manifest.json", where, report)
    if not isinstance(manifest, dict):
        if manifest is not None:
            report.error(where, "must be a JSON object")
        return {}
    try:
        manifest_schema()(manifest)
    except vol.MultipleInvalid as err:
        for error in err.errors:
            key = _dotted(error.path) or "(top level)"
            if isinstance(error, vol.ExtraKeysInvalid):
                report.error(where, f"{key}: is not a manifest key")
            else:
                report.error(where, f"{key}: {error.msg}")
    except vol.Invalid as err:
        report.error(where, str(err))
    keys = list(manifest)
    if keys != sorted(keys, key=_manifest_key_order):
        expected = ", ".join(sorted(keys, key=_manifest_key_order))
        report.error(
            where,
            f"keys are not sorted correctly: domain, name, then alphabetical ({expected})",
        )
    if manifest.get("domain") != pkg.name:
        report.error(where, f"domain {manifest.get('domain')!r} must equal the folder {pkg.name!r}")
    if scan.domain_constant is not None and scan.domain_constant != manifest.get("domain"):
        report.error(where, f"domain differs from DOMAIN = {scan.domain_constant!r} in const.py")
    has_flow_module = (pkg / "config_flow.py").is_file()
    if manifest.get("config_flow") is True and not has_flow_module:
        report.error(where, "config_flow is true but config_flow.py is missing")
    if has_flow_module and manifest.get("config_flow") is not True:
        report.error(where, "config_flow.py exists but config_flow is not true")
    init = pkg / "__init__.py"
    if _mentions([init], r"def (async_)?setup\(") and not _mentions([init], r"CONFIG_SCHEMA\b"):
        report.error(
            f"custom_components/{pkg.name}/__init__.py",
            "defines async_setup but no CONFIG_SCHEMA "
            "(e.g. cv.config_entry_only_config_schema(DOMAIN))",
        )
    declared = set(manifest.get("dependencies") or ()) | set(
        manifest.get("after_dependencies") or ()
    )
    from homeassistant.const import Platform  # noqa: PLC0415

    allowed = IMPLICIT_COMPONENTS | {p.value for p in Platform} | declared
    for component, loc in scan.component_imports:
        if component not in allowed:
            report.error(
                loc,
                f"imports homeassistant.components.{component} but the manifest does not "
                "list it in dependencies or after_dependencies",
            )
    return manifest


# -- hacs.json --------------------------------------------------------------------------


def check_hacs(root: Path, report: Report) -> None:
    """hacs.json: the keys the HACS action allows, types and the minimum HA version."""
    from awesomeversion import AwesomeVersion  # noqa: PLC0415
    from homeassistant.const import __version__ as ha_version  # noqa: PLC0415

    where = "hacs.json"
    data = _load_json(root / where, where, report)
    if data is None:
        return
    if not isinstance(data, dict):
        report.error(where, "must be a JSON object")
        return
    if not isinstance(data.get("name"), str) or not data["name"].strip():
        report.error(where, "name is required (the name HACS lists)")
    for key, value in data.items():
        if key not in HACS_KEYS:
            report.error(where, f"{key}: not a key HACS allows ({', '.join(sorted(HACS_KEYS))})")
        elif not isinstance(value, HACS_KEYS[key]) or isinstance(value, bool) != (
            bool in HACS_KEYS[key]
        ):
            report.error(where, f"{key}: wrong type {type(value).__name__}")
    if data.get("zip_release") and not data.get("filename"):
        report.error(where, "zip_release needs filename")
    if data.get("content_in_root"):
        report.error(where, "content_in_root is true but the integration is in custom_components/")
    countries = data.get("country", [])
    for country in [countries] if isinstance(countries, str) else countries:
        if not isinstance(country, str) or not COUNTRY.fullmatch(country):
            report.error(where, f"country: {country!r} is not an ISO 3166 alpha-2 code")
    minimum = data.get("homeassistant")
    if minimum is None:
        report.error(where, "homeassistant (the minimum Home Assistant version) is missing")
    elif isinstance(minimum, str):
        version = AwesomeVersion(minimum)
        if not version.valid or version.strategy.value != "CalVer":
            report.error(where, f"homeassistant: {minimum!r} is not a Home Assistant version")
        elif version < AwesomeVersion(BRAND_MIN_HA):
            report.error(
                where,
                f"homeassistant: {minimum} is older than {BRAND_MIN_HA}, the first version "
                "that shows brand images from the integration folder",
            )
        elif version > AwesomeVersion(ha_version):
            report.error(
                where,
                f"homeassistant: {minimum} is newer than the Home Assistant the tests "
                f"run with ({ha_version})",
            )


# -- licence, changelog, GitHub workflows ----------------------------------------------------

#: The first lines by which GitHub's licence detection (and so the HACS action) knows a licence.
LICENSE_HEADINGS = (
    "MIT License",
    "Apache License",
    "BSD 2-Clause License",
    "BSD 3-Clause License",
    "GNU GENERAL PUBLIC LICENSE",
    "GNU LESSER GENERAL PUBLIC LICENSE",
    "Mozilla Public License",
)
#: What the workflows of a published repository must run: the official actions, with inputs.
WORKFLOW_ACTIONS: dict[str, dict[str, str]] = {
    "home-assistant/actions/hassfest": {},
    "hacs/action": {"category": "integration"},
}
#: Commands some workflow step must run (the project's own checks).
WORKFLOW_COMMANDS = ("scripts/setup", "scripts/test")


def check_license(root: Path, report: Report) -> None:
    """A LICENSE file with an OSI licence GitHub recognises (HACS: "The repository has no license")."""
    path = root / "LICENSE"
    if not path.is_file():
        report.error("LICENSE", "is missing (the HACS action fails without a licence)")
        return
    text = path.read_text(encoding="utf-8").strip()
    first = text.splitlines()[0].strip() if text else ""
    if not any(first.startswith(heading) for heading in LICENSE_HEADINGS):
        report.error(
            "LICENSE",
            f"does not start with a known licence heading ({', '.join(LICENSE_HEADINGS)})",
        )


def check_changelog(root: Path, manifest: dict[str, Any], report: Report) -> None:
    """CHANGELOG.md has a section for manifest.json's version (the release workflow needs it)."""
    path = root / "CHANGELOG.md"
    if not path.is_file():
        report.error("CHANGELOG.md", "is missing (see README, Development: releases)")
        return
    version = manifest.get("version")
    if not isinstance(version, str):
        return
    heading = re.compile(rf"^## {re.escape(version)}(?:\s|$)", re.MULTILINE)
    if not heading.search(path.read_text(encoding="utf-8")):
        report.error("CHANGELOG.md", f"has no section '## {version}' (manifest.json's version)")


def _workflow_steps(workflow: dict[Any, Any]) -> Iterator[dict[str, Any]]:
    jobs = workflow.get("jobs")
    for job in jobs.values() if isinstance(jobs, dict) else ():
        steps = job.get("steps") if isinstance(job, dict) else None
        for step in steps if isinstance(steps, list) else ():
            if isinstance(step, dict):
                yield step


def check_workflows(root: Path, report: Report) -> None:
    """GitHub workflows: each parses; hassfest, the HACS action and scripts/test are run."""
    folder = root / ".github" / "workflows"
    files = sorted([*folder.glob("*.yml"), *folder.glob("*.yaml")]) if folder.is_dir() else []
    if not files:
        report.error(".github/workflows", "has no workflow (hassfest, HACS action, scripts/test)")
        return
    uses: dict[str, list[dict[str, Any]]] = {}
    runs: list[str] = []
    for path in files:
        where = str(path.relative_to(root))
        try:
            workflow = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as err:
            report.error(where, f"is not valid YAML: {err}")
            continue
        if not isinstance(workflow, dict):
            report.error(where, "is not a workflow (a YAML mapping)")
            continue
        # YAML 1.1 (PyYAML) reads the key ``on`` as True.
        if "on" not in workflow and True not in workflow:
            report.error(where, "has no 'on' (when it runs)")
        jobs = workflow.get("jobs")
        if not isinstance(jobs, dict) or not jobs:
            report.error(where, "has no jobs")
            continue
        for name, job in jobs.items():
            if not isinstance(job, dict) or "runs-on" not in job:
                report.error(where, f"job {name}: needs runs-on")
            elif not isinstance(job.get("steps"), list) or not job["steps"]:
                report.error(where, f"job {name}: needs steps")
        for step in _workflow_steps(workflow):
            if isinstance(action := step.get("uses"), str):
                name, _, ref = action.partition("@")
                if not ref:
                    report.error(where, f"uses: {action} has no @ref")
                uses.setdefault(name, []).append(step)
            if isinstance(command := step.get("run"), str):
                runs.append(command)
    for action, inputs in WORKFLOW_ACTIONS.items():
        if action not in uses:
            report.error(".github/workflows", f"no step uses {action}")
            continue
        for key, value in inputs.items():
            if not any((step.get("with") or {}).get(key) == value for step in uses[action]):
                report.error(".github/workflows", f"{action} needs with: {key}: {value}")
    for command in WORKFLOW_COMMANDS:
        if not any(re.search(rf"(^|\s){re.escape(command)}(\s|$)", run) for run in runs):
            report.error(".github/workflows", f"no step runs {command}")


# -- brand images -----------------------------------------------------------------------


def _image_size(path: Path, where: str, report: Report) -> tuple[int, int] | None:
    from PIL import Image, UnidentifiedImageError  # noqa: PLC0415

    try:
        with Image.open(path) as image:
            if image.format != "PNG":
                report.error(where, f"is a {image.format} image, not a PNG")
                return None
            if "A" not in image.getbands() and "transparency" not in image.info:
                report.note(where, "has no transparency (brand images should)")
            return image.size
    except (OSError, UnidentifiedImageError) as err:
        report.error(where, f"is not a readable image: {err}")
    return None


def check_brand(root: Path, pkg: Path, report: Report) -> None:
    """brand/icon.png (256x256) and optional @2x, logo and dark variants."""
    brand = pkg / "brand"
    rel = f"custom_components/{pkg.name}/brand"
    if not (brand / "icon.png").is_file():
        report.error(f"{rel}/icon.png", "is missing (HACS and Home Assistant show it)")
    for prefix in ("", "dark_"):
        for name, size in ((f"{prefix}icon.png", 256), (f"{prefix}icon@2x.png", 512)):
            path = brand / name
            got = _image_size(path, f"{rel}/{name}", report) if path.is_file() else None
            if got is not None and got != (size, size):
                report.error(f"{rel}/{name}", f"is {got[0]}x{got[1]}, must be {size}x{size}")
        for name, low, high in (
            (f"{prefix}logo.png", 128, 256),
            (f"{prefix}logo@2x.png", 256, 512),
        ):
            path = brand / name
            if path.is_file() and (got := _image_size(path, f"{rel}/{name}", report)):
                width, height = got
                if width < height:
                    report.error(f"{rel}/{name}", f"is {width}x{height}: a logo is landscape")
                if not low <= min(got) <= high:
                    report.error(
                        f"{rel}/{name}",
                        f"shortest side is {min(got)} px, must be {low} to {high}",
                    )
    if brand.is_dir():
        for path in sorted(brand.iterdir()):
            if not re.fullmatch(r"(dark_)?(icon|logo)(@2x)?\.png", path.name):
                report.error(f"{rel}/{path.name}", "is not a brand image name Home Assistant uses")


# -- code scan (ast) --------------------------------------------------------------------


@functools.cache
def _platform_names() -> dict[str, str]:
    """HA base class names (``SensorEntity``, ``SensorEntityDescription``) -> platform."""
    from homeassistant.const import Platform  # noqa: PLC0415

    names: dict[str, str] = {}
    for platform in Platform:
        camel = "".join(part.capitalize() for part in platform.value.split("_"))
        names[f"{camel}Entity"] = platform.value
        names[f"{camel}EntityDescription"] = platform.value
    return names


def _callee(node: ast.Call) -> str:
    func = node.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def _base_name(node: ast.expr) -> str:
    if isinstance(node, ast.Subscript):
        node = node.value
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def _kwarg(node: ast.Call, name: str) -> ast.expr | None:
    for keyword in node.keywords:
        if keyword.arg == name:
            return keyword.value
    return None


def _arg(node: ast.Call, index: int, name: str) -> ast.expr | None:
    if (value := _kwarg(node, name)) is not None:
        return value
    if len(node.args) > index and not isinstance(node.args[index], ast.Starred):
        return node.args[index]
    return None


@dataclass
class Key:
    """A translation key the code uses; ``pattern`` is set for f-strings."""

    value: str
    loc: str
    pattern: re.Pattern[str] | None = None


@dataclass
class CodeScan:
    """What the integration's Python code uses, found with ``ast``."""

    pkg: Path
    root: Path
    trees: dict[Path, ast.Module] = field(default_factory=dict)
    constants: dict[str, set[str]] = field(default_factory=dict)
    classes: dict[str, list[str]] = field(default_factory=dict)
    domain_constant: str | None = None
    errors: list[Key] = field(default_factory=list)
    aborts: list[Key] = field(default_factory=list)
    exceptions: list[Key] = field(default_factory=list)
    issues: list[Key] = field(default_factory=list)
    #: calls creating a repair issue, also those whose key is computed at run time
    issue_calls: int = 0
    selectors: list[Key] = field(default_factory=list)
    entities: list[tuple[str | None, Key]] = field(default_factory=list)
    steps: list[tuple[str, Key]] = field(default_factory=list)
    menu_options: list[tuple[str, str, Key]] = field(default_factory=list)
    services: list[Key] = field(default_factory=list)
    unresolved_services: list[str] = field(default_factory=list)
    service_outside_setup: list[str] = field(default_factory=list)
    untranslated_raises: list[str] = field(default_factory=list)
    hardcoded_names: list[str] = field(default_factory=list)
    hardcoded_icons: list[str] = field(default_factory=list)
    own_sessions: list[str] = field(default_factory=list)
    event_subscriptions: list[str] = field(default_factory=list)
    component_imports: list[tuple[str, str]] = field(default_factory=list)
    functions: dict[str, list[str]] = field(default_factory=dict)
    module_assigns: dict[Path, set[str]] = field(default_factory=dict)
    attr_assigns: list[tuple[str, str, str]] = field(default_factory=list)
    dynamic: list[str] = field(default_factory=list)
    parse_errors: list[str] = field(default_factory=list)
    _rels: dict[Path, str] = field(default_factory=dict)

    # -- collection ------------------------------------------------------------------

    def run(self) -> CodeScan:
        """Parse every module, then collect."""
        for path in sorted(self.pkg.rglob("*.py")):
            if "__pycache__" in path.parts:
                continue
            try:
                tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            except SyntaxError as err:
                self.parse_errors.append(f"{self._rel(path)}:{err.lineno}: {err.msg}")
                continue
            self.trees[path] = tree
            self._collect_definitions(path, tree)
        for path, tree in self.trees.items():
            self._scan(path, tree)
        return self

    def _rel(self, path: Path) -> str:
        if (rel := self._rels.get(path)) is None:
            rel = self._rels[path] = str(path.relative_to(self.root))
        return rel

    def _loc(self, path: Path, node: ast.AST) -> str:
        return f"{self._rel(path)}:{getattr(node, 'lineno', 0)}"

    def _collect_definitions(self, path: Path, tree: ast.Module) -> None:
        names: set[str] = set()
        for node in tree.body:
            targets: list[ast.expr] = []
            value: ast.expr | None = None
            if isinstance(node, ast.Assign):
                targets, value = node.targets, node.value
            elif isinstance(node, ast.AnnAssign):
                targets, value = [node.target], node.value
            for target in targets:
                if isinstance(target, ast.Name):
                    names.add(target.id)
                    if isinstance(value, ast.Constant) and isinstance(value.value, str):
                        self.constants.setdefault(target.id, set()).add(value.value)
                        if target.id == "DOMAIN" and path.name == "const.py":
                            self.domain_constant = value.value
        self.module_assigns[path] = names
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                self.classes.setdefault(node.name, []).extend(_base_name(b) for b in node.bases)
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                self.functions.setdefault(node.name, []).append(self._loc(path, node))

    def _resolve(self, node: ast.expr | None) -> str | None:
        """A string literal, or a module-level constant with one value."""
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        name = None
        if isinstance(node, ast.Name):
            name = node.id
        elif isinstance(node, ast.Attribute):
            name = node.attr
        if name is not None and len(values := self.constants.get(name, set())) == 1:
            return next(iter(values))
        return None

    def _key(self, node: ast.expr | None, loc: str) -> Key | None:
        if (value := self._resolve(node)) is not None:
            return Key(value, loc)
        if isinstance(node, ast.JoinedStr):
            parts = []
            for part in node.values:
                if isinstance(part, ast.Constant):
                    parts.append(re.escape(str(part.value)))
                else:
                    parts.append(".+")
            return Key(ast.unparse(node), loc, re.compile("".join(parts)))
        if node is not None:
            self.dynamic.append(f"{loc}: {ast.unparse(node)}")
        return None

    def platform_of(self, class_name: str, seen: frozenset[str] = frozenset()) -> str | None:
        """The entity platform a class (entity or entity description) belongs to."""
        known = _platform_names()
        if class_name in known:
            return known[class_name]
        if class_name in seen:
            return None
        for base in self.classes.get(class_name, []):
            if (platform := self.platform_of(base, seen | {class_name})) is not None:
                return platform
        return None

    def _reaches(self, class_name: str, targets: frozenset[str], seen: frozenset[str]) -> bool:
        if class_name in targets:
            return True
        if class_name in seen:
            return False
        return any(
            self._reaches(base, targets, seen | {class_name})
            for base in self.classes.get(class_name, [])
        )

    def is_ha_exception(self, class_name: str) -> bool:
        """A Home Assistant exception, or a subclass defined in the integration."""
        return self._reaches(class_name, HA_EXCEPTIONS, frozenset())

    def _scan(self, path: Path, tree: ast.Module) -> None:
        parents: dict[ast.AST, ast.AST] = {}
        for node in ast.walk(tree):
            for child in ast.iter_child_nodes(node):
                parents[child] = node

        def enclosing(node: ast.AST, kind: type | tuple[type, ...]) -> Any:
            while node in parents:
                node = parents[node]
                if isinstance(node, kind):
                    return node
            return None

        def flow_kind(node: ast.AST) -> str:
            func = enclosing(node, (ast.FunctionDef, ast.AsyncFunctionDef))
            if func is not None and any(
                arg.annotation is not None and "OptionsFlow" in ast.unparse(arg.annotation)
                for arg in func.args.args
            ):
                return "options"  # a vendor's options step (Vendor.options_steps)
            cls = enclosing(node, ast.ClassDef)
            if cls is not None and any(
                "OptionsFlow" in b or self._reaches(b, frozenset({"OptionsFlow"}), frozenset())
                for b in (_base_name(x) for x in cls.bases)
            ):
                return "options"
            # a vendor's options step: a function taking the options flow (VendorOptionsFlow)
            func = enclosing(node, ast.AsyncFunctionDef) or enclosing(node, ast.FunctionDef)
            if func is not None and any(
                arg.annotation is not None and "OptionsFlow" in ast.unparse(arg.annotation)
                for arg in func.args.args
            ):
                return "options"
            return "config"

        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                self._import(path, node, node.module, [a.name for a in node.names])
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    self._import(path, node, alias.name, [])
            elif isinstance(node, (ast.Assign, ast.AnnAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    self._assign(path, node, target, node.value, enclosing)
            elif isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
                call = node.exc
                name = _callee(call)
                if (
                    self.is_ha_exception(name)
                    and _kwarg(call, "translation_key") is None
                    and call.args
                    and isinstance(call.args[0], (ast.Constant, ast.JoinedStr))
                ):
                    self.untranslated_raises.append(
                        f"{self._loc(path, node)}: {name}({ast.unparse(call.args[0])[:60]})"
                    )
            if isinstance(node, ast.Call):
                self._call(path, node, enclosing, flow_kind)

    def _import(self, path: Path, node: ast.AST, module: str, names: list[str]) -> None:
        loc = self._loc(path, node)
        if module.startswith("homeassistant.components."):
            self.component_imports.append((module.split(".")[2], loc))
        elif module == "homeassistant.components":
            self.component_imports.extend((name, loc) for name in names)

    def _assign(
        self, path: Path, node: ast.AST, target: ast.expr, value: ast.expr | None, enclosing: Any
    ) -> None:
        loc = self._loc(path, node)
        # errors["base"] = "cannot_connect"
        if (
            isinstance(target, ast.Subscript)
            and _base_name(target.value).lstrip("_").endswith("errors")
            and (key := self._key(value, loc)) is not None
        ):
            self.errors.append(key)
        # errors = {"base": "cannot_connect"}
        if (
            isinstance(target, (ast.Name, ast.Attribute))
            and _base_name(target).lstrip("_").endswith("errors")
            and isinstance(value, ast.Dict)
        ):
            for item in value.values:
                if (key := self._key(item, loc)) is not None:
                    self.errors.append(key)
        attr = _base_name(target) if isinstance(target, (ast.Name, ast.Attribute)) else ""
        if attr in {"_attr_translation_key", "_attr_name", "_attr_icon"}:
            cls = enclosing(node, ast.ClassDef)
            self.attr_assigns.append((attr, cls.name if cls else "", loc))
            if attr == "_attr_translation_key" and (key := self._key(value, loc)) is not None:
                self.entities.append((self.platform_of(cls.name) if cls else None, key))
            elif attr == "_attr_name" and isinstance(value, (ast.Constant, ast.JoinedStr)):
                if not (isinstance(value, ast.Constant) and value.value is None):
                    self.hardcoded_names.append(f"{loc}: _attr_name = {ast.unparse(value)}")
            elif attr == "_attr_icon":
                self.hardcoded_icons.append(f"{loc}: _attr_icon")

    def _call(self, path: Path, node: ast.Call, enclosing: Any, flow_kind: Any) -> None:
        loc = self._loc(path, node)
        name = _callee(node)
        if name in {"async_create_issue", "create_issue"}:
            self.issue_calls += 1
            if (key := self._key(_kwarg(node, "translation_key"), loc)) is not None:
                self.issues.append(key)
            return
        self._flow_call(node, name, loc, enclosing, flow_kind)
        self._other_call(node, name, loc, enclosing)
        self._service_call(node, name, loc, enclosing)
        if "EntityDescription" in name or self.platform_of(name) is not None:
            value = _kwarg(node, "name")
            if isinstance(value, ast.JoinedStr) or (
                isinstance(value, ast.Constant) and isinstance(value.value, str)
            ):
                self.hardcoded_names.append(f"{loc}: {name}(name={ast.unparse(value)})")
        if (translation_key := _kwarg(node, "translation_key")) is not None:
            self._translation_key_call(node, name, loc, translation_key)

    def _flow_call(
        self, node: ast.Call, name: str, loc: str, enclosing: Any, flow_kind: Any
    ) -> None:
        """Config-flow errors, abort reasons and step ids."""
        if name == "FlowError" and (key := self._key(_arg(node, 0, "error"), loc)):
            self.errors.append(key)
        elif name in {"async_abort", "_abort_if_unique_id_mismatch"}:
            reason = _kwarg(node, "reason")
            if reason is None and name == "_abort_if_unique_id_mismatch":
                self.aborts.append(Key("unique_id_mismatch", loc))
            elif (key := self._key(reason, loc)) is not None:
                self.aborts.append(key)
        elif name in {"_abort_if_unique_id_configured", "_async_abort_entries_match"}:
            self.aborts.append(Key("already_configured", loc))
        elif name == "async_update_reload_and_abort":
            self._update_abort(node, loc, enclosing)
        elif name in {"async_show_form", "async_show_menu", "async_connection_step"}:
            step_node = (
                _arg(node, 1, "step_id")
                if name == "async_connection_step"
                else _kwarg(node, "step_id")
            )
            if (step := self._key(step_node, loc)) is None:
                return
            self.steps.append((flow_kind(node), step))
            options = _kwarg(node, "menu_options")
            if name == "async_show_menu" and isinstance(options, (ast.List, ast.Tuple)):
                for option in options.elts:
                    if (opt := self._resolve(option)) is not None:
                        self.menu_options.append((flow_kind(node), step.value, Key(opt, loc)))

    def _update_abort(self, node: ast.Call, loc: str, enclosing: Any) -> None:
        """async_update_reload_and_abort: its reason, or the default of its flow source."""
        reason = _kwarg(node, "reason")
        if reason is not None:
            if (key := self._key(reason, loc)) is not None:
                self.aborts.append(key)
            return
        func = enclosing(node, (ast.FunctionDef, ast.AsyncFunctionDef))
        fname = func.name if func else ""
        if "reauth" in fname:
            self.aborts.append(Key("reauth_successful", loc))
        elif "reconfigure" in fname:
            self.aborts.append(Key("reconfigure_successful", loc))

    def _other_call(self, node: ast.Call, name: str, loc: str, enclosing: Any) -> None:
        """Unavailable reasons, own HTTP sessions, event subscriptions in entities."""
        if name == "EnergyHubUnavailableError" and (
            reason := self._resolve(_kwarg(node, "reason"))
        ):
            self.exceptions.append(Key(f"unavailable_{reason}", loc))
        elif name in {"ClientSession", "TCPConnector"}:
            self.own_sessions.append(f"{loc}: {name}(...)")
        elif EVENT_SUBSCRIPTIONS.fullmatch(name):
            cls = enclosing(node, ast.ClassDef)
            if cls is not None and self.platform_of(cls.name) is not None:
                self.event_subscriptions.append(f"{loc}: {name} in entity {cls.name}")

    def _translation_key_call(
        self, node: ast.Call, name: str, loc: str, translation_key: ast.expr
    ) -> None:
        """A call passing translation_key=: an entity description, selector or exception."""
        platform = self.platform_of(name)
        if platform is not None or "EntityDescription" in name:
            if (key := self._key(translation_key, loc)) is not None:
                self.entities.append((platform, key))
        elif "Selector" in name:
            if (key := self._key(translation_key, loc)) is not None:
                self.selectors.append(key)
        elif self.is_ha_exception(name) or _kwarg(node, "translation_domain") is not None:
            if (key := self._key(translation_key, loc)) is not None:
                self.exceptions.append(key)
        else:
            self.dynamic.append(f"{loc}: translation_key in a call to {name} (not classified)")

    def _service_call(self, node: ast.Call, name: str, loc: str, enclosing: Any) -> None:
        service: ast.expr | None = None
        if name == "async_register" and isinstance(node.func, ast.Attribute):
            receiver = ast.unparse(node.func.value)
            if receiver.endswith("services"):
                service = _arg(node, 1, "service")
            else:
                return
        elif name in {"async_register_admin_service", "async_register_platform_entity_service"}:
            service = _arg(node, 2, "service")
            if service is None:
                service = _kwarg(node, "service_name")
        elif name == "async_register_entity_service":
            service = _arg(node, 0, "name")
        else:
            return
        func = enclosing(node, (ast.FunctionDef, ast.AsyncFunctionDef))
        if func is not None and func.name in {"async_setup_entry", "async_setup_platform"}:
            self.service_outside_setup.append(f"{loc}: {name} inside {func.name}")
        if (value := self._resolve(service)) is not None:
            self.services.append(Key(value, loc))
        else:
            shown = ast.unparse(service) if service is not None else "?"
            self.unresolved_services.append(f"{loc}: {name}({shown}, ...)")


def check_code(scan: CodeScan, report: Report) -> None:
    """Problems found in the code itself (syntax errors, untranslated user messages)."""
    for problem in scan.parse_errors:
        report.error(problem, "syntax error")
    for problem in scan.untranslated_raises:
        report.error(problem, "a user-facing exception without translation_key")
    for problem in scan.hardcoded_names:
        report.error(problem, "hard-coded entity name; use translation_key")
    for problem in scan.hardcoded_icons:
        report.error(problem, "icon set in code; use icons.json")
    for problem in scan.own_sessions:
        report.error(problem, "creates its own HTTP session; use Home Assistant's (injected)")
    for problem in scan.service_outside_setup:
        report.error(problem, "register service actions in async_setup, not per entry")


# -- translations -----------------------------------------------------------------------


def _placeholders(value: str) -> set[str] | None:
    try:
        return {name for _, name, _, _ in string.Formatter().parse(value) if name}
    except ValueError:
        return None


def check_string(value: Any, where: str, report: Report) -> None:
    """The rules every translated string follows (hassfest translations)."""
    from homeassistant.helpers import config_validation as cv  # noqa: PLC0415
    import probatio as vol  # noqa: PLC0415

    if not isinstance(value, str):
        report.error(where, f"must be a string, not {type(value).__name__}")
        return
    try:
        cv.string_with_no_html(value)
    except vol.Invalid:
        report.error(where, "contains HTML")
    if value != value.strip():
        report.error(where, "has leading or trailing spaces")
    if not value.strip():
        report.error(where, "is empty")
    if URL.search(value):
        report.error(where, "contains a URL; use a description placeholder instead")
    if QUOTED_PLACEHOLDER.search(value):
        report.error(where, "has a placeholder inside single quotes")
    if "[%key:" in value:
        report.error(where, "uses a [%key:...%] reference; custom integrations cannot resolve it")
    names = _placeholders(value)
    if names is None:
        report.error(where, "has unbalanced { } braces")
    else:
        for name in sorted(names):
            if not name.isidentifier():
                report.error(where, f"placeholder {{{name}}} is not a valid identifier")


def _check_key(key: str, where: str, report: Report) -> None:
    if not TRANSLATION_KEY.fullmatch(key):
        report.error(
            where,
            f"invalid translation key {key!r}: use [a-z0-9-_], not starting or ending with - or _",
        )


def _check_mapping(tree: Any, where: str, report: Report) -> dict[str, Any]:
    if not isinstance(tree, dict):
        report.error(where, "must be an object")
        return {}
    return tree


def _check_flow(flow: Any, where: str, report: Report) -> None:
    flow = _check_mapping(flow, where, report)
    for key in flow:
        if key not in FLOW_KEYS:
            report.error(f"{where}.{key}", "is not a key of a flow's translations")
    for section in ("error", "abort", "progress", "create_entry"):
        for key in _check_mapping(flow.get(section, {}), f"{where}.{section}", report):
            _check_key(key, f"{where}.{section}.{key}", report)
    for step_id, raw_step in _check_mapping(flow.get("step", {}), f"{where}.step", report).items():
        here = f"{where}.step.{step_id}"
        step = _check_mapping(raw_step, here, report)
        for key in step:
            if key not in STEP_KEYS:
                report.error(f"{here}.{key}", "is not a key of a flow step")
        _check_data_description(step, here, report)
        for name, section in _check_mapping(step.get("sections", {}), here, report).items():
            _check_data_description(
                _check_mapping(section, f"{here}.sections.{name}", report),
                f"{here}.sections.{name}",
                report,
            )


def _check_data_description(step: dict[str, Any], where: str, report: Report) -> None:
    data = step.get("data") or {}
    for key in step.get("data_description") or {}:
        if key not in data:
            report.error(f"{where}.data_description.{key}", f"key {key!r} is not in data")


def _check_entity_strings(entity: Any, where: str, report: Report) -> None:
    from homeassistant.const import Platform  # noqa: PLC0415

    platforms = {p.value for p in Platform}
    for platform, keys in _check_mapping(entity, where, report).items():
        if platform not in platforms:
            report.error(f"{where}: entity.{platform}", "is not an entity platform")
        for tk, raw in _check_mapping(keys, f"{where}: entity.{platform}", report).items():
            here = f"{where}: entity.{platform}.{tk}"
            _check_key(tk, here, report)
            spec = _check_mapping(raw, here, report)
            for key in spec:
                if key not in ENTITY_KEYS:
                    report.error(f"{here}.{key}", "is not a key of an entity translation")
            for state in _check_mapping(spec.get("state", {}), here, report):
                _check_key(state, f"{here}.state.{state}", report)


def _check_service_strings(services: Any, where: str, report: Report) -> None:
    for name, raw in _check_mapping(services, where, report).items():
        here = f"{where}: services.{name}"
        _check_key(name, here, report)
        spec = _check_mapping(raw, here, report)
        for key in ("name", "description"):
            if key not in spec:
                report.error(here, f"needs a {key}")
        for field_name, raw_field in _check_mapping(spec.get("fields", {}), here, report).items():
            fspec = _check_mapping(raw_field, f"{here}.fields.{field_name}", report)
            for key in ("name", "description"):
                if key not in fspec:
                    report.error(f"{here}.fields.{field_name}", f"needs a {key}")


def check_strings_schema(strings: Any, where: str, report: Report) -> None:
    """Structure of a strings/translations file plus the rules for every string in it."""
    strings = _check_mapping(strings, where, report)
    for key in strings:
        if key not in STRINGS_TOP_KEYS:
            report.error(f"{where}: {key}", "is not a top-level translations key")
    for path, value in _leaves(strings):
        check_string(value, f"{where}: {_dotted(path)}", report)
    for flow in ("config", "options"):
        if flow in strings:
            _check_flow(strings[flow], f"{where}: {flow}", report)
    _check_entity_strings(strings.get("entity", {}), where, report)
    for key, spec in _check_mapping(strings.get("exceptions", {}), where, report).items():
        _check_key(key, f"{where}: exceptions.{key}", report)
        if not isinstance(spec, dict) or "message" not in spec:
            report.error(f"{where}: exceptions.{key}", "needs a message")
    for key, raw in _check_mapping(strings.get("issues", {}), where, report).items():
        here = f"{where}: issues.{key}"
        _check_key(key, here, report)
        spec = _check_mapping(raw, here, report)
        if "title" not in spec:
            report.error(here, "needs a title")
        if "description" not in spec and "fix_flow" not in spec:
            report.error(here, "needs a description or a fix_flow")
        if "fix_flow" in spec:
            _check_flow(spec["fix_flow"], f"{here}.fix_flow", report)
    _check_service_strings(strings.get("services", {}), where, report)
    for name, spec in _check_mapping(strings.get("selector", {}), where, report).items():
        _check_key(name, f"{where}: selector.{name}", report)
        for option in _check_mapping(
            _check_mapping(spec, f"{where}: selector.{name}", report).get("options", {}),
            f"{where}: selector.{name}.options",
            report,
        ):
            _check_key(option, f"{where}: selector.{name}.options.{option}", report)


def check_translations(pkg: Path, root: Path, report: Report) -> tuple[Any, Any]:
    """strings.json == translations/en.json, schema of both, de.json mirrors en.json."""
    rel = f"custom_components/{pkg.name}"
    strings = _load_json(pkg / "strings.json", f"{rel}/strings.json", report)
    english = _load_json(pkg / "translations" / "en.json", f"{rel}/translations/en.json", report)
    german = _load_json(pkg / "translations" / "de.json", f"{rel}/translations/de.json", report)
    if strings is not None and english is not None and strings != english:
        mine = dict(_leaves(strings))
        theirs = dict(_leaves(english))
        for path in sorted(mine.keys() ^ theirs.keys()):
            side = "strings.json" if path in mine else "translations/en.json"
            report.error(f"{rel}/strings.json", f"{_dotted(path)} only in {side}")
        for path in sorted(mine.keys() & theirs.keys()):
            if mine[path] != theirs[path]:
                report.error(
                    f"{rel}/strings.json", f"{_dotted(path)} differs from translations/en.json"
                )
    if strings is not None:
        check_strings_schema(strings, f"{rel}/strings.json", report)
    if english is not None and english != strings:
        check_strings_schema(english, f"{rel}/translations/en.json", report)
    if german is not None:
        check_strings_schema(german, f"{rel}/translations/de.json", report)
    reference = english if english is not None else strings
    if reference is not None and german is not None:
        en_leaves = dict(_leaves(reference))
        de_leaves = dict(_leaves(german))
        where = f"{rel}/translations/de.json"
        for path in sorted(en_leaves.keys() - de_leaves.keys()):
            report.error(where, f"{_dotted(path)} is missing (present in en.json)")
        for path in sorted(de_leaves.keys() - en_leaves.keys()):
            report.error(where, f"{_dotted(path)} is extra (not in en.json)")
        for path in sorted(en_leaves.keys() & de_leaves.keys()):
            en_value, de_value = en_leaves[path], de_leaves[path]
            if isinstance(en_value, str) and isinstance(de_value, str):
                en_names, de_names = _placeholders(en_value), _placeholders(de_value)
                if None not in (en_names, de_names) and en_names != de_names:
                    report.error(
                        where,
                        f"{_dotted(path)} uses placeholders {sorted(de_names or ())} but en.json "
                        f"uses {sorted(en_names or ())}",
                    )
    for path in sorted((pkg / "translations").glob("*.json")):
        if path.stem not in {"en", "de"}:
            data = _load_json(path, f"{rel}/translations/{path.name}", report)
            if data is not None:
                check_strings_schema(data, f"{rel}/translations/{path.name}", report)
    return reference if isinstance(reference, dict) else {}, german


def _has_key(tree: dict[str, Any], key: Key, *path: str) -> bool:
    section = _get(tree, *path)
    if not isinstance(section, dict):
        return False
    if key.pattern is not None:
        return any(key.pattern.fullmatch(k) for k in section)
    return key.value in section


def check_code_keys(scan: CodeScan, en: dict[str, Any], report: Report) -> None:
    """Every key the code uses is in translations/en.json."""
    for key in scan.errors:
        if not (_has_key(en, key, "config", "error") or _has_key(en, key, "options", "error")):
            report.error(key.loc, f"config-flow error {key.value!r} is not in config.error")
    for key in scan.aborts:
        if not (_has_key(en, key, "config", "abort") or _has_key(en, key, "options", "abort")):
            report.error(key.loc, f"abort reason {key.value!r} is not in config.abort")
    for key in scan.exceptions:
        if key.pattern is not None:
            # e.g. f"unavailable_{err.reason}": each reason is checked where it is raised
            continue
        if not _has_key(en, key, "exceptions"):
            report.error(key.loc, f"exception translation_key {key.value!r} is not in exceptions")
        elif not _get(en, "exceptions", key.value, "message"):
            report.error(key.loc, f"exceptions.{key.value} has no message")
    for key in scan.issues:
        if not _has_key(en, key, "issues"):
            report.error(key.loc, f"repair issue {key.value!r} is not in issues")
    for key in scan.selectors:
        if not _has_key(en, key, "selector"):
            report.error(key.loc, f"selector translation_key {key.value!r} is not in selector")
    for platform, key in scan.entities:
        if platform is None:
            entity = en.get("entity") or {}
            if not any(_has_key(en, key, "entity", p) for p in entity):
                report.error(key.loc, f"entity translation_key {key.value!r} is in no platform")
        elif not _has_key(en, key, "entity", platform):
            report.error(
                key.loc, f"entity translation_key {key.value!r} is not in entity.{platform}"
            )
    for kind, key in scan.steps:
        if not _has_key(en, key, kind, "step"):
            report.error(key.loc, f"form step {key.value!r} is not in {kind}.step")
    for kind, step, key in scan.menu_options:
        if not _has_key(en, key, kind, "step", step, "menu_options"):
            report.error(
                key.loc, f"menu option {key.value!r} is not in {kind}.step.{step}.menu_options"
            )


# -- services ---------------------------------------------------------------------------

ICON_TOP_KEYS = frozenset(
    {
        "conditions",
        "config",
        "entity",
        "entity_component",
        "issues",
        "options",
        "services",
        "triggers",
    }
)
SERVICE_KEYS = frozenset({"name", "description", "target", "fields"})
FIELD_KEYS = frozenset(
    {"name", "description", "example", "default", "required", "advanced", "selector", "filter"}
)
SECTION_KEYS = frozenset({"collapsed", "fields"})


def _load_services_yaml(path: Path, rel: str, report: Report) -> dict[str, Any] | None:
    """services.yaml parsed and checked with Home Assistant's own schema (None: unusable)."""
    import probatio as vol  # noqa: PLC0415

    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        report.error(rel, f"does not parse: {err}")
        return None
    if loaded is None:
        loaded = {}
    if not isinstance(loaded, dict):
        report.error(rel, "must be a mapping of service names")
        return None
    # keys starting with "." hold YAML anchors; Home Assistant drops them
    services = {k: v for k, v in loaded.items() if not str(k).startswith(".")}
    try:
        from homeassistant.helpers.service import _SERVICES_SCHEMA as HA_SERVICES_SCHEMA  # noqa: PLC0415

        HA_SERVICES_SCHEMA(services)
    except ImportError:  # pragma: no cover - a Home Assistant without the schema
        pass
    except vol.MultipleInvalid as err:
        for error in err.errors:
            report.error(rel, f"{_dotted(error.path)}: {error.msg}")
    except vol.Invalid as err:
        report.error(rel, str(err))
    return services


def _check_service_field(spec: Any, where: str, report: Report) -> None:
    from homeassistant.helpers import selector  # noqa: PLC0415
    import probatio as vol  # noqa: PLC0415

    if not isinstance(spec, dict):
        report.error(where, "must be a mapping")
        return
    for key in spec:
        if key not in FIELD_KEYS:
            report.error(f"{where}.{key}", "is not a key of a service field")
    if "selector" not in spec:
        report.error(where, "has no selector (the UI cannot show an input)")
        return
    try:
        selector.validate_selector(spec["selector"])
    except (vol.Invalid, KeyError, TypeError, ValueError) as err:
        report.error(where, f"invalid selector: {err}")


def _check_service_spec(
    name: str, raw: Any, here: str, report: Report
) -> tuple[list[str], list[str]]:
    """One service of services.yaml; returns its field names and section names."""
    if not TRANSLATION_KEY.fullmatch(str(name)):
        report.error(here, "service names are lowercase slugs")
    spec = raw or {}
    if not isinstance(spec, dict):
        report.error(here, "must be a mapping")
        return [], []
    for key in spec:
        if key not in SERVICE_KEYS:
            report.error(f"{here}.{key}", "is not a key of a service")
    fields: list[str] = []
    sections: list[str] = []
    for fname, fspec in (spec.get("fields") or {}).items():
        if isinstance(fspec, dict) and "fields" in fspec:
            sections.append(fname)
            for key in fspec:
                if key not in SECTION_KEYS:
                    report.error(f"{here}.fields.{fname}.{key}", "is not a key of a section")
            inner = fspec.get("fields") or {}
        else:
            inner = {fname: fspec}
        for iname, ispec in inner.items():
            fields.append(iname)
            _check_service_field(ispec, f"{here}.fields.{iname}", report)
    return fields, sections


def _check_service_translation(
    name: str, tree: Any, lang: str, *, fields: list[str], sections: list[str], report: Report
) -> None:
    if not isinstance(tree, dict):
        return
    tr = _get(tree, "services", name)
    where = f"translations/{lang}.json: services.{name}"
    if not isinstance(tr, dict):
        report.error(where, "is missing (name and description)")
        return
    for key in ("name", "description"):
        if not tr.get(key):
            report.error(where, f"has no {key}")
    for fname in fields:
        for key in ("name", "description"):
            if not _get(tr, "fields", fname, key):
                report.error(f"{where}.fields.{fname}", f"has no {key}")
    for sname in sections:
        if not _get(tr, "sections", sname, "name"):
            report.error(f"{where}.sections.{sname}", "has no name")
    for fname in _get(tr, "fields") or {}:
        if fname not in fields:
            report.error(f"{where}.fields.{fname}", "is not a field in services.yaml")


def check_services(
    pkg: Path,
    *,
    scan: CodeScan,
    en: dict[str, Any],
    de: Any,
    icons: Any,
    report: Report,
) -> None:
    """services.yaml: present when services are registered, schema, translations, icons."""
    rel = f"custom_components/{pkg.name}/services.yaml"
    path = pkg / "services.yaml"
    services: dict[str, Any] = {}
    if path.is_file():
        if (loaded := _load_services_yaml(path, rel, report)) is None:
            return
        services = loaded
    elif scan.services or scan.unresolved_services:
        report.error(rel, "is missing but the code registers service actions")
    for name, raw in services.items():
        fields, sections = _check_service_spec(name, raw, f"{rel}: {name}", report)
        for lang, tree in (("en", en), ("de", de)):
            _check_service_translation(
                name, tree, lang, fields=fields, sections=sections, report=report
            )
        if not isinstance(_get(icons, "services", name), dict):
            report.error(
                f"custom_components/{pkg.name}/icons.json: services.{name}",
                "is missing (every service action needs an icon)",
            )
    for name in _get(en, "services") or {}:
        if name not in services:
            report.error(f"translations/en.json: services.{name}", "is not in services.yaml")
    registered = {key.value: key for key in scan.services}
    for name, key in registered.items():
        if name not in services:
            report.error(key.loc, f"registers service {name!r} which services.yaml lacks")
    for loc in scan.unresolved_services:
        report.note(loc, "service name not known statically; not cross-checked")
    if not scan.unresolved_services:
        for name in services:
            if name not in registered:
                report.error(f"{rel}: {name}", "is described but the code never registers it")


# -- icons ------------------------------------------------------------------------------


def _check_icon(value: Any, where: str, report: Report) -> None:
    if not isinstance(value, str) or not value.startswith("mdi:") or len(value) <= len("mdi:"):
        report.error(where, f"{value!r} is not a Material Design icon (mdi:...)")


def _check_entity_icon(spec: dict[str, Any], here: str, known_states: Any, report: Report) -> None:
    """One entity.<platform>.<translation_key> entry of icons.json."""
    for key in spec:
        if key not in {"default", "state", "state_attributes", "range"}:
            report.error(f"{here}.{key}", "is not a key of an entity icon")
    if "default" in spec:
        _check_icon(spec["default"], f"{here}.default", report)
    states = _check_mapping(spec.get("state", {}), f"{here}.state", report)
    for state, icon in states.items():
        _check_icon(icon, f"{here}.state.{state}", report)
        if icon == spec.get("default"):
            report.error(f"{here}.state.{state}", "is the same as the default icon")
        if isinstance(known_states, dict) and state not in known_states:
            report.error(f"{here}.state.{state}", "is not a state in translations")
    for bound, icon in _check_mapping(spec.get("range", {}), f"{here}.range", report).items():
        try:
            float(bound)
        except ValueError:
            report.error(f"{here}.range.{bound}", "range keys are numbers")
        _check_icon(icon, f"{here}.range.{bound}", report)
    for attr, raw_attr in _check_mapping(
        spec.get("state_attributes", {}), f"{here}.state_attributes", report
    ).items():
        aspec = _check_mapping(raw_attr, f"{here}.state_attributes.{attr}", report)
        if "default" in aspec:
            _check_icon(aspec["default"], f"{here}.state_attributes.{attr}.default", report)
        for state, icon in _check_mapping(aspec.get("state", {}), here, report).items():
            _check_icon(icon, f"{here}.state_attributes.{attr}.state.{state}", report)


def check_icons(pkg: Path, en: dict[str, Any], report: Report, scan: CodeScan | None = None) -> Any:
    """icons.json: shape, mdi: icons, state icons differ from the default, keys exist."""
    rel = f"custom_components/{pkg.name}/icons.json"
    path = pkg / "icons.json"
    icons = _load_json(path, rel, report) if path.is_file() else {}
    if not isinstance(icons, dict):
        if icons is not None:
            report.error(rel, "must be a JSON object")
        return {}
    for key in icons:
        if key not in ICON_TOP_KEYS:
            report.error(f"{rel}: {key}", "is not a key of icons.json")
    for platform, keys in _check_mapping(icons.get("entity", {}), f"{rel}: entity", report).items():
        for tk, raw in _check_mapping(keys, f"{rel}: entity.{platform}", report).items():
            here = f"{rel}: entity.{platform}.{tk}"
            _check_key(tk, here, report)
            _check_entity_icon(
                _check_mapping(raw, here, report),
                here,
                _get(en, "entity", platform, tk, "state"),
                report,
            )
            used = scan is None or any(
                key.value == tk or (key.pattern is not None and key.pattern.fullmatch(tk))
                for p, key in scan.entities
                if p in {platform, None}
            )
            if _get(en, "entity", platform, tk) is None and not used:
                report.error(here, "no entity uses this translation_key (the icon is never shown)")
    for name, spec in _check_mapping(icons.get("services", {}), f"{rel}: services", report).items():
        here = f"{rel}: services.{name}"
        if not isinstance(spec, dict) or "service" not in spec:
            report.error(here, 'must be {"service": "mdi:..."} (optionally with "sections")')
            continue
        for key in spec:
            if key not in {"service", "sections"}:
                report.error(f"{here}.{key}", "is not a key of a service icon")
        _check_icon(spec["service"], f"{here}.service", report)
        for section, icon in _check_mapping(spec.get("sections", {}), here, report).items():
            _check_icon(icon, f"{here}.sections.{section}", report)
    for platform, keys in (_get(en, "entity") or {}).items():
        for tk, spec in (keys or {}).items():
            if (
                isinstance(spec, dict)
                and spec.get("state")
                and not _get(icons, "entity", platform, tk)
            ):
                report.error(
                    f"{rel}: entity.{platform}.{tk}",
                    "is missing: an entity with translated states needs an icon",
                )
    for flow in ("config", "options"):
        for step, spec in _check_mapping(_get(icons, flow, "step") or {}, rel, report).items():
            for section, icon in _check_mapping(
                _get(spec, "sections") or {}, f"{rel}: {flow}.step.{step}", report
            ).items():
                _check_icon(icon, f"{rel}: {flow}.step.{step}.sections.{section}", report)
    return icons


# -- quality scale ----------------------------------------------------------------------


def _platform_modules(pkg: Path) -> list[Path]:
    from homeassistant.const import Platform  # noqa: PLC0415

    return [pkg / f"{p.value}.py" for p in Platform if (pkg / f"{p.value}.py").is_file()]


def _vendor_dirs(pkg: Path) -> list[Path]:
    vendors = pkg / "vendors"
    if not vendors.is_dir():
        return []
    return sorted(p for p in vendors.iterdir() if p.is_dir() and not p.name.startswith(("_", ".")))


def _mentions(paths: Iterable[Path], pattern: str) -> bool:
    regex = re.compile(pattern)
    return any(regex.search(p.read_text(encoding="utf-8")) for p in paths if p.is_file())


#: Rules marked done that one module must back: rule -> (module, pattern, problem otherwise).
DONE_PATTERNS: dict[str, tuple[str, str, str]] = {
    "runtime-data": (
        "__init__.py",
        r"\.runtime_data\s*=",
        "__init__.py never assigns entry.runtime_data",
    ),
    "unique-config-entry": (
        "config_flow.py",
        r"(?s)(?=.*async_set_unique_id)(?=.*(_abort_if_unique_id_configured|_async_abort_entries_match))",
        "config_flow.py must set a unique id and abort if it is configured",
    ),
    "config-entry-unloading": (
        "__init__.py",
        r"def async_unload_entry\b",
        "__init__.py has no async_unload_entry",
    ),
    "reauthentication-flow": (
        "config_flow.py",
        r"def async_step_reauth\b",
        "config_flow.py has no async_step_reauth",
    ),
    "reconfiguration-flow": (
        "config_flow.py",
        r"def async_step_reconfigure\b",
        "config_flow.py has no async_step_reconfigure",
    ),
    "diagnostics": (
        "diagnostics.py",
        r"def async_get_config_entry_diagnostics\b",
        "diagnostics.py lacks async_get_config_entry_diagnostics",
    ),
    "has-entity-name": (
        "entity.py",
        r"_attr_has_entity_name\s*=\s*True",
        "entity.py does not set _attr_has_entity_name = True",
    ),
    "stale-devices": (
        "__init__.py",
        r"def async_remove_config_entry_device\b",
        "__init__.py has no async_remove_config_entry_device",
    ),
}


def _first_refresh_gate(pkg: Path) -> list[str]:
    return [
        f"vendor {vendor.name} neither calls async_config_entry_first_refresh "
        "nor raises ConfigEntryNotReady"
        for vendor in _vendor_dirs(pkg)
        if not _mentions(
            vendor.rglob("*.py"), r"async_config_entry_first_refresh|ConfigEntryNotReady"
        )
    ]


def _strict_typing_gate(root: Path) -> list[str]:
    config = configparser.ConfigParser()
    config.read(root / "setup.cfg")
    if config.get("mypy", "strict", fallback="").lower() != "true":
        return ["setup.cfg [mypy] does not set strict = True"]
    return []


def _coverage_gate(root: Path) -> list[str]:
    script = root / "scripts" / "test"
    text = script.read_text(encoding="utf-8") if script.is_file() else ""
    match = re.search(r"--cov-fail-under[= ](\d+)", text)
    if match is None or int(match.group(1)) < 95 or "--cov-branch" not in text:
        return ["scripts/test must enforce --cov-branch and --cov-fail-under >= 95"]
    return []


def _done_gates(
    rule: str, root: Path, pkg: Path, scan: CodeScan, manifest: dict[str, Any]
) -> list[str]:
    """Why a rule marked done is not backed by the code (empty list: backed)."""
    if rule in DONE_PATTERNS:
        module, pattern, problem = DONE_PATTERNS[rule]
        return [] if _mentions([pkg / module], pattern) else [problem]
    checks: dict[str, Callable[[], list[str]]] = {
        "config-flow": lambda: (
            []
            if manifest.get("config_flow") is True and (pkg / "config_flow.py").is_file()
            else ["it needs config_flow.py and config_flow: true"]
        ),
        "test-before-setup": lambda: _first_refresh_gate(pkg),
        "parallel-updates": lambda: [
            f"{module.name} does not set PARALLEL_UPDATES"
            for module in _platform_modules(pkg)
            if "PARALLEL_UPDATES" not in scan.module_assigns.get(module, set())
        ],
        "integration-owner": lambda: [] if manifest.get("codeowners") else ["no codeowners"],
        "brands": lambda: (
            [] if (pkg / "brand" / "icon.png").is_file() else ["brand/icon.png is missing"]
        ),
        "strict-typing": lambda: _strict_typing_gate(root),
        "test-coverage": lambda: _coverage_gate(root),
        "repair-issues": lambda: [] if scan.issue_calls else ["the code creates no repair issue"],
        "action-setup": lambda: (
            ["services are registered outside async_setup"] if scan.service_outside_setup else []
        ),
        "inject-websession": lambda: (
            ["the code creates its own HTTP session"] if scan.own_sessions else []
        ),
    }
    check = checks.get(rule)
    return check() if check is not None else []


def _exempt_gates(rule: str, pkg: Path, scan: CodeScan, manifest: dict[str, Any]) -> list[str]:
    """Why an exemption is not true of the code (empty list: true)."""
    problems: list[str] = []
    if rule in {"discovery", "discovery-update-info"}:
        if found := [k for k in DISCOVERY_KEYS if k in manifest]:
            problems.append(f"the manifest declares discovery ({', '.join(found)})")
        steps = [f"async_step_{k}" for k in (*DISCOVERY_KEYS, "discovery", "hassio")]
        if found := [s for s in steps if s in scan.functions]:
            problems.append(f"the config flow has {', '.join(found)}")
    elif rule == "entity-event-setup" and scan.event_subscriptions:
        problems.extend(f"entities subscribe to events ({s})" for s in scan.event_subscriptions)
    elif rule == "docs-triggers" and (pkg / "triggers.yaml").exists():
        problems.append("triggers.yaml exists")
    elif rule == "docs-conditions" and (pkg / "conditions.yaml").exists():
        problems.append("conditions.yaml exists")
    elif rule == "dependency-transparency" and manifest.get("requirements"):
        problems.append("the manifest has requirements")
    elif rule == "repair-issues" and scan.issue_calls:
        problems.append("the code creates repair issues")
    elif rule == "action-setup" and (scan.services or scan.unresolved_services):
        problems.append("the code registers service actions")
    return problems


def check_quality_scale(
    root: Path,
    pkg: Path,
    *,
    scan: CodeScan,
    manifest: dict[str, Any],
    report: Report,
    tier: str | None = None,
) -> None:
    """quality_scale.yaml: all 54 rules, valid statuses, claims the code backs."""
    rel = f"custom_components/{pkg.name}/quality_scale.yaml"
    path = pkg / "quality_scale.yaml"
    if not path.is_file():
        report.error(rel, "is missing")
        return
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        report.error(rel, f"does not parse: {err}")
        return
    rules = data.get("rules") if isinstance(data, dict) else None
    if not isinstance(rules, dict):
        report.error(rel, "needs a top-level 'rules' mapping")
        return
    if extra := set(data) - {"rules"}:
        report.error(rel, f"unknown top-level keys {sorted(extra)}")
    statuses: dict[str, str] = {}
    todo: list[str] = []
    for rule, value in rules.items():
        here = f"{rel}: {rule}"
        if rule not in QUALITY_RULES:
            report.error(here, "is not a quality-scale rule")
            continue
        if isinstance(value, str):
            status, comment = value, None
        elif isinstance(value, dict):
            status, comment = value.get("status"), value.get("comment")
            if extra_keys := set(value) - {"status", "comment"}:
                report.error(here, f"unknown keys {sorted(extra_keys)}")
        else:
            report.error(here, "must be a status or {status, comment}")
            continue
        if status not in {"done", "exempt", "todo"}:
            report.error(here, f"status {status!r} is not done, exempt or todo")
            continue
        if status == "exempt" and not (isinstance(comment, str) and comment.strip()):
            report.error(here, "exempt needs a comment saying why")
        statuses[rule] = status
        gates = (
            _done_gates(rule, root, pkg, scan, manifest)
            if status == "done"
            else _exempt_gates(rule, pkg, scan, manifest)
            if status == "exempt"
            else []
        )
        for problem in gates:
            report.error(here, f"marked {status} but {problem}")
        if status == "todo":
            todo.append(rule)
            report.details.append(f"{here}: todo: {str(comment or '').strip()}")
    if todo:
        report.note(rel, f"{len(todo)} rule(s) todo (-v shows why): {', '.join(todo)}")
    for rule, rule_tier in QUALITY_RULES.items():
        if rule not in rules:
            report.error(rel, f"rule {rule} ({rule_tier}) is missing")
    if tier is not None:
        wanted = TIERS[: TIERS.index(tier) + 1]
        for rule, rule_tier in QUALITY_RULES.items():
            if rule_tier in wanted and statuses.get(rule) == "todo":
                report.error(rel, f"{rule} ({rule_tier}) is todo; {tier} needs done or exempt")


# -- runtime probe ----------------------------------------------------------------------


def _probe_main(root: Path, domain: str) -> int:
    """In a child process: import the integration under ``root`` and describe its vendors."""
    sys.path.insert(0, str(root))
    import importlib  # noqa: PLC0415

    import probatio as vol  # noqa: PLC0415

    importlib.import_module(f"custom_components.{domain}.config_flow")
    importlib.import_module(f"custom_components.{domain}.vendors")  # fills the registry
    vendors_mod = importlib.import_module(f"custom_components.{domain}.contract")

    def field_keys(schema: Any) -> list[str]:
        items = schema.schema if isinstance(schema, vol.Schema) else schema
        return [str(m.schema) if isinstance(m, vol.Marker) else str(m) for m in items]

    out = []
    for vendor in vendors_mod.VENDORS.values():
        info: dict[str, Any] = {"key": vendor.key, "problems": []}
        try:
            info["steps"] = list(vendor.flow_steps())
        except Exception as err:  # noqa: BLE001 - reported, not raised
            info["steps"] = []
            info["problems"].append(f"flow_steps() failed: {err!r}")
        for name, build in (
            ("connection", lambda v=vendor: v.connection_schema({})),
            ("reauth", lambda v=vendor: v.reauth_schema()),
            ("options", lambda v=vendor: v.options_schema({})),
        ):
            try:
                info[name] = field_keys(build())
            except Exception as err:  # noqa: BLE001 - reported, not raised
                info[name] = []
                info["problems"].append(f"{name} schema could not be built: {err!r}")
        out.append(info)
    print(
        json.dumps(
            {
                "vendors": out,
                "services": _probe_services(vendors_mod.VENDORS),
                "descriptions": _probe_descriptions(f"custom_components.{domain}"),
            }
        )
    )
    return 0


def _probe_descriptions(package: str) -> list[dict[str, Any]]:
    """Entity descriptions held at module level (also in lists, tuples and dicts)."""
    import importlib  # noqa: PLC0415
    import pkgutil  # noqa: PLC0415

    found: list[dict[str, Any]] = []
    seen: set[int] = set()
    platforms = _platform_names()

    # Home Assistant builds descriptions through a frozen-dataclass compatibility layer,
    # so isinstance() does not work: the class names in the MRO do.
    def is_description(value: Any) -> bool:
        return any(cls.__name__ == "EntityDescription" for cls in type(value).__mro__)

    def platform_of(obj: Any) -> str | None:
        for cls in type(obj).__mro__:
            if cls.__name__ in platforms:
                return platforms[cls.__name__]
        return None

    def visit(value: Any, module: str, depth: int = 0) -> None:
        if is_description(value):
            if id(value) in seen:
                return
            seen.add(id(value))
            name = value.name if isinstance(value.name, str) else None
            found.append(
                {
                    "module": module,
                    "key": value.key,
                    "platform": platform_of(value),
                    "translation_key": value.translation_key,
                    "name": name,
                }
            )
        elif depth < 3 and isinstance(value, (list, tuple, set, frozenset)):
            for item in value:
                visit(item, module, depth + 1)
        elif depth < 3 and isinstance(value, dict):
            for item in value.values():
                visit(item, module, depth + 1)

    root = importlib.import_module(package)
    for info in pkgutil.walk_packages(root.__path__, f"{package}."):
        try:
            module = importlib.import_module(info.name)
        except Exception:  # noqa: BLE001, S112 - import problems are reported elsewhere
            continue
        for value in vars(module).values():
            visit(value, info.name)
    return found


#: Service-call keys that come from the target selector, not from fields.
TARGET_KEYS = frozenset({"entity_id", "device_id", "area_id", "floor_id", "label_id"})


def _schema_fields(schema: Any) -> dict[str, bool] | None:
    """Field name -> required, for a (possibly wrapped) probatio schema; None if unknown."""
    import probatio as vol  # noqa: PLC0415

    if isinstance(schema, vol.All):
        for validator in schema.validators:
            if (found := _schema_fields(validator)) is not None:
                return found
        return None
    if isinstance(schema, vol.Schema):
        schema = schema.schema
    if not isinstance(schema, dict):
        return None
    fields: dict[str, bool] = {}
    for marker in schema:
        key = str(marker.schema) if isinstance(marker, vol.Marker) else str(marker)
        fields[key] = isinstance(marker, vol.Required)
    return fields


def _probe_services(vendors: dict[str, Any]) -> list[dict[str, Any]]:
    """Call every vendor's async_register_services on a recorder; return what it registers."""
    recorded: list[dict[str, Any]] = []

    class Services:
        def async_register(
            self, domain: str, service: str, func: Any, schema: Any = None, *args: Any, **kw: Any
        ) -> None:
            recorded.append(
                {"domain": domain, "service": service, "fields": _schema_fields(schema)}
            )

        def has_service(self, *args: Any) -> bool:
            return False

    class Hass:
        def __init__(self) -> None:
            self.services = Services()
            self.data: dict[str, Any] = {}

    for vendor in vendors.values():
        try:
            vendor.async_register_services(Hass())
        except Exception as err:  # noqa: BLE001 - reported as a note by the caller
            recorded.append({"vendor": vendor.key, "error": repr(err)})
    return recorded


def check_runtime(root: Path, pkg: Path, en: dict[str, Any], report: Report) -> None:
    """Import the integration and check every vendor's forms are translated."""
    result = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--probe", str(root), pkg.name],
        capture_output=True,
        text=True,
        check=False,
        cwd=root,
    )
    if result.returncode != 0:
        tail = "\n    ".join(result.stderr.strip().splitlines()[-6:])
        report.error(
            f"custom_components/{pkg.name}", f"importing the integration failed:\n    {tail}"
        )
        return
    probe = json.loads(result.stdout.strip().splitlines()[-1])
    _check_registered_services(pkg, probe["services"], report)
    _check_descriptions(probe["descriptions"], en, report)
    for vendor in probe["vendors"]:
        key = vendor["key"]
        where = f"vendor {key}"
        for problem in vendor["problems"]:
            report.error(where, problem)
        if _get(en, "config", "step", "user", "menu_options", key) is None:
            report.error(where, f"config.step.user.menu_options.{key} is missing (menu label)")
        forms = [("reconfigure", vendor["connection"])]
        if key not in vendor["steps"]:
            forms.append((key, vendor["connection"]))
        forms.append(("reauth_confirm", vendor["reauth"]))
        for step, fields in forms:
            for name in fields:
                for part in ("data", "data_description"):
                    if _get(en, "config", "step", step, part, name) is None:
                        report.error(where, f"config.step.{step}.{part}.{name} is missing")
        for name in vendor["options"]:
            for part in ("data", "data_description"):
                if _get(en, "options", "step", "init", part, name) is None:
                    report.error(where, f"options.step.init.{part}.{name} is missing")


def _check_descriptions(
    descriptions: list[dict[str, Any]], en: dict[str, Any], report: Report
) -> None:
    """Entity descriptions found at run time: translation key present, no hard-coded name."""
    for item in descriptions:
        where = f"{item['module']}: entity description {item['key']!r}"
        if item["name"] is not None:
            report.error(where, f"hard-coded name {item['name']!r}; use translation_key")
        tk = item["translation_key"]
        if tk is None or item["platform"] is None:
            continue
        if _get(en, "entity", item["platform"], tk) is None:
            report.error(where, f"translation_key {tk!r} is not in entity.{item['platform']}")


def _yaml_fields(spec: Any) -> dict[str, bool]:
    """Field name -> required, from one services.yaml entry (sections flattened)."""
    fields: dict[str, bool] = {}
    for name, fspec in ((spec or {}).get("fields") or {}).items():
        if isinstance(fspec, dict) and "fields" in fspec:
            fields.update(_yaml_fields(fspec))
        else:
            fields[name] = bool(isinstance(fspec, dict) and fspec.get("required"))
    return fields


def _check_registered_services(pkg: Path, registered: list[dict[str, Any]], report: Report) -> None:
    """The services the vendors really register match services.yaml, field by field."""
    path = pkg / "services.yaml"
    try:
        described = yaml.safe_load(path.read_text(encoding="utf-8")) if path.is_file() else {}
    except yaml.YAMLError:
        return  # reported by check_services
    described = described if isinstance(described, dict) else {}
    rel = f"custom_components/{pkg.name}/services.yaml"
    for entry in registered:
        if "error" in entry:
            report.note(f"vendor {entry['vendor']}", f"async_register_services: {entry['error']}")
            continue
        name = entry["service"]
        where = f"service {entry['domain']}.{name}"
        if entry["domain"] != pkg.name:
            report.error(where, f"is registered under the domain {entry['domain']!r}")
        if name not in described:
            report.error(where, "is registered but not in services.yaml")
            continue
        schema_fields = entry["fields"]
        if schema_fields is None:
            continue
        yaml_fields = _yaml_fields(described[name])
        if isinstance(described[name], dict) and "target" in described[name]:
            # entity_id/device_id/... come from the target selector, not from fields
            schema_fields = {k: v for k, v in schema_fields.items() if k not in TARGET_KEYS}
        for field_name in sorted(schema_fields.keys() - yaml_fields.keys()):
            report.error(where, f"schema field {field_name!r} is not in services.yaml")
        for field_name in sorted(yaml_fields.keys() - schema_fields.keys()):
            report.error(f"{rel}: {name}", f"field {field_name!r} is not in the service schema")
        for field_name in sorted(schema_fields.keys() & yaml_fields.keys()):
            if schema_fields[field_name] and not yaml_fields[field_name]:
                report.error(
                    f"{rel}: {name}.{field_name}",
                    "is required by the schema; add required: true",
                )


# -- main -------------------------------------------------------------------------------


def validate(root: Path, *, probe: bool = True, tier: str | None = None) -> Report:
    """Run every check against the repository at ``root``."""
    report = Report()
    root = root.resolve()
    pkg = check_layout(root, report)
    check_readme(root, report)
    check_license(root, report)
    check_workflows(root, report)
    check_hacs(root, report)
    if pkg is None:
        return report
    scan = CodeScan(pkg, root).run()
    check_json_files(root, pkg, report)
    manifest = check_manifest(pkg, scan, report)
    check_changelog(root, manifest, report)
    check_brand(root, pkg, report)
    en, de = check_translations(pkg, root, report)
    check_code(scan, report)
    check_code_keys(scan, en, report)
    icons = check_icons(pkg, en, report, scan)
    check_services(pkg, scan=scan, en=en, de=de, icons=icons, report=report)
    check_quality_scale(root, pkg, scan=scan, manifest=manifest, report=report, tier=tier)
    if probe:
        check_runtime(root, pkg, en, report)
    report.details.extend(f"{item}: computed at run time; not checked" for item in scan.dynamic)
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=ROOT, help="repository root to check")
    parser.add_argument("--no-probe", action="store_true", help="skip importing the integration")
    parser.add_argument(
        "--tier", choices=TIERS, help="also fail if a rule of this tier (or below) is todo"
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="do not print notes")
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="also list keys computed at run time"
    )
    parser.add_argument("--probe", nargs=2, metavar=("ROOT", "DOMAIN"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.probe:
        return _probe_main(Path(args.probe[0]), args.probe[1])
    report = validate(args.root, probe=not args.no_probe, tier=args.tier)
    if report.notes and not args.quiet:
        print(f"validate: {len(report.notes)} note(s):")
        for note in report.notes:
            print(f"  - {note}")
    if report.details and args.verbose:
        print(f"validate: {len(report.details)} detail(s):")
        for detail in report.details:
            print(f"  - {detail}")
    if report.problems:
        print(f"validate: {len(report.problems)} problem(s) in {args.root}:", file=sys.stderr)
        for problem in report.problems:
            print(f"  x {problem}", file=sys.stderr)
        return 1
    print("validate: all Home Assistant and HACS checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
