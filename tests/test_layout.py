"""The package's shape: one layout for every vendor, layers without circles.

Layers, each importing only the ones before it (README, "Layout")::

    api  ->  contract (+ const)  ->  generic layer  ->  vendors  ->  entry points

``layout_problems`` reads the source (it runs nothing) and lists every breach; the test
of the real tree expects none, and the tests of scratch copies prove each rule can fail.
"""

from __future__ import annotations

import ast
from pathlib import Path
import shutil

from homeassistant.const import Platform
import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "custom_components.energy_hub"

#: Every vendor folder has exactly these Python files ...
VENDOR_ROLE_FILES = frozenset(
    {
        "__init__.py",  # VENDOR only
        "const.py",  # constants
        "vendor.py",  # the Vendor subclass: setup, platforms, diagnostics
        "flow.py",  # config-flow steps and the connection test
        "coordinator.py",  # polling and background work
        "descriptions.py",  # declarative entity-description tables
        "entities.py",  # entity classes
        "services.py",  # the vendor's actions
    }
)
#: ... and exactly these data fragments (merged by scripts/generate).
VENDOR_DATA_FILES = frozenset({"strings.en.json", "strings.de.json", "icons.json", "services.yaml"})
#: Top-level modules of the contract layer.
CONTRACT = frozenset({"contract", "const"})
#: Top-level modules Home Assistant loads: the integration and its platforms.
ENTRY = frozenset({"__init__", *(platform.value for platform in Platform)})

LAYER_ORDER = {"api": 0, "contract": 1, "generic": 2, "vendor": 3, "entry": 4}


def _module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _layer(module: str) -> str:
    rest = module.removeprefix(PACKAGE).lstrip(".").split(".")
    head = rest[0] or "__init__"
    if head == "api":
        return "api"
    if head == "vendors":
        return "entry" if len(rest) == 1 else "vendor"
    if head in CONTRACT:
        return "contract"
    if head in ENTRY:
        return "entry"
    return "generic"


def _imports(root: Path, path: Path, ours: set[str]) -> set[str]:
    """Our modules ``path`` names in any import statement (also under TYPE_CHECKING)."""
    module = _module_name(root, path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base_parts = package.split(".")
                base_parts = base_parts[: len(base_parts) - node.level + 1]
                base = ".".join([*base_parts, node.module] if node.module else base_parts)
            else:
                base = node.module or ""
            # ``from X import y``: the module X.y when there is one, else X itself
            names = [
                f"{base}.{alias.name}" if f"{base}.{alias.name}" in ours else base
                for alias in node.names
            ]
        else:
            continue
        for name in names:
            if name in ours:
                found.add(name)
            elif (
                name.startswith(("custom_components", "homeassistant", "simulators"))
                and not any(name.startswith(f"{o}.") or name == o for o in ours)
                and not name.startswith(f"{PACKAGE}.")
            ):
                found.add(name)  # foreign: kept for the api/simulator rules
    return found


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (or a self-import)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    result: list[list[str]] = []
    counter = [0]

    def visit(node: str) -> None:
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                item = stack.pop()
                on_stack.discard(item)
                component.append(item)
                if item == node:
                    break
            if len(component) > 1 or node in graph.get(node, ()):
                result.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return result


def layout_problems(root: Path) -> list[str]:
    """Every breach of the layout rules in the tree at ``root``."""
    problems: list[str] = []
    pkg_dir = root / "custom_components" / "energy_hub"
    files = sorted(pkg_dir.rglob("*.py"))
    ours = {_module_name(root, f) for f in files}
    graph = {_module_name(root, f): _imports(root, f, ours) for f in files}

    # one shape for every vendor
    for folder in sorted(p for p in (pkg_dir / "vendors").iterdir() if p.is_dir()):
        if folder.name == "__pycache__":
            continue
        present = {p.name for p in folder.iterdir() if p.is_file()}
        problems.extend(
            f"vendors/{folder.name}: role file {missing} is missing"
            for missing in sorted((VENDOR_ROLE_FILES | VENDOR_DATA_FILES) - present)
        )
        allowed = VENDOR_ROLE_FILES | VENDOR_DATA_FILES
        problems.extend(
            f"vendors/{folder.name}: {extra} is not one of the agreed file names"
            for extra in sorted(present - allowed)
        )
        if any(p.is_dir() and p.name != "__pycache__" for p in folder.iterdir()):
            problems.append(f"vendors/{folder.name}: has a sub-folder")
        init = folder / "__init__.py"
        if init.exists():
            tree = ast.parse(init.read_text(encoding="utf-8"))
            exported = [
                elt.value
                for node in tree.body
                if isinstance(node, ast.Assign)
                and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets)
                and isinstance(node.value, (ast.List, ast.Tuple))
                for elt in node.value.elts
                if isinstance(elt, ast.Constant)
            ]
            if exported != ["VENDOR"]:
                problems.append(f"vendors/{folder.name}/__init__.py must export VENDOR only")

    # layers
    for module, imported in sorted(graph.items()):
        layer = _layer(module)
        for name in sorted(imported):
            if not name.startswith(PACKAGE):
                if layer == "api" and name.startswith(("homeassistant", "custom_components")):
                    problems.append(f"{module} (api) imports {name}")
                continue
            target = _layer(name)
            if layer == "api" and target != "api":
                problems.append(f"{module} (api) imports {name}")
            elif layer == "vendor":
                own = ".".join(module.split(".")[:4])
                if target == "vendor" and not name.startswith(f"{own}.") and name != own:
                    problems.append(f"{module} imports another vendor's {name}")
                elif target == "entry":
                    problems.append(f"{module} (vendor) imports the entry point {name}")
            elif LAYER_ORDER[target] > LAYER_ORDER[layer]:
                problems.append(f"{module} ({layer}) imports {name} ({target})")

    # simulators are devices written from the documents
    for path in sorted((root / "simulators").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level:
                names = [node.module or ""]
            problems.extend(
                f"simulators/{path.name} imports {name}"
                for name in names
                if name.split(".")[0] in ("custom_components", "homeassistant")
            )

    problems.extend(
        "import cycle: " + " <-> ".join(cycle)
        for cycle in _cycles({m: {i for i in deps if i in ours} for m, deps in graph.items()})
    )
    return problems


def test_layout_of_the_tree() -> None:
    """The real tree keeps every rule."""
    assert layout_problems(ROOT) == []


@pytest.fixture
def scratch(tmp_path: Path) -> Path:
    """A copy of the package and the simulators to break on purpose."""
    for part in ("custom_components", "simulators"):
        shutil.copytree(ROOT / part, tmp_path / part, ignore=shutil.ignore_patterns("__pycache__"))
    return tmp_path


def _append(path: Path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def test_missing_and_extra_vendor_files_fail(scratch: Path) -> None:
    """A vendor without a role file, or with a file of another name, is reported."""
    vendors = scratch / "custom_components" / "energy_hub" / "vendors"
    (vendors / "ems" / "flow.py").unlink()
    (vendors / "egauge" / "services.py").unlink()
    (vendors / "ekm" / "services.yaml").unlink()
    (vendors / "goe" / "sensor.py").write_text('"""A stray module."""\n', encoding="utf-8")
    problems = layout_problems(scratch)
    assert "vendors/ems: role file flow.py is missing" in problems
    assert "vendors/egauge: role file services.py is missing" in problems
    assert "vendors/ekm: role file services.yaml is missing" in problems
    assert "vendors/goe: sensor.py is not one of the agreed file names" in problems


def test_api_and_simulator_imports_fail(scratch: Path) -> None:
    """api/ and simulators/ may import neither Home Assistant nor the integration."""
    pkg = scratch / "custom_components" / "energy_hub"
    _append(pkg / "api" / "ekm.py", "\nfrom homeassistant.core import HomeAssistant\n")
    _append(pkg / "api" / "goe.py", "\nfrom ..const import DOMAIN\n")
    _append(scratch / "simulators" / "ems.py", "\nimport custom_components.energy_hub\n")
    problems = layout_problems(scratch)
    assert f"{PACKAGE}.api.ekm (api) imports homeassistant.core" in problems
    assert f"{PACKAGE}.api.goe (api) imports {PACKAGE}.const" in problems
    assert "simulators/ems.py imports custom_components.energy_hub" in problems


def test_generic_layer_importing_a_vendor_fails(scratch: Path) -> None:
    """The generic layer and the contract never import a vendor."""
    pkg = scratch / "custom_components" / "energy_hub"
    _append(pkg / "diagnostics.py", "\nfrom .vendors.egauge import const as _c\n")
    _append(
        pkg / "contract.py",
        "\nif TYPE_CHECKING:\n    from .config_flow import EnergyHubConfigFlow\n",
    )
    problems = layout_problems(scratch)
    assert any(p.startswith(f"{PACKAGE}.diagnostics (generic) imports") for p in problems)
    assert f"{PACKAGE}.contract (contract) imports {PACKAGE}.config_flow (generic)" in problems


def test_import_cycle_fails(scratch: Path) -> None:
    """Two of our modules importing each other are a cycle (even across layers' rules)."""
    pkg = scratch / "custom_components" / "energy_hub"
    _append(pkg / "api" / "http.py", "\nfrom . import goe as _goe\n")
    problems = layout_problems(scratch)
    assert any(p.startswith("import cycle:") and f"{PACKAGE}.api.http" in p for p in problems)
