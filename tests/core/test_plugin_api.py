"""The declared plugin API holds: plugins import the contract and `vtcode.api` only, the API is cheap and
inert to import, and its two listings (for type checkers and for the lazy loader) agree."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest
import vtcode_hookspecs

import vtcode.api
from vtcode.scaffold import FAMILY_KITS, plugin_names, scaffold

REPO = Path(__file__).resolve().parents[2]
PLUGINS = REPO / "plugins"
PLUGIN_PACKAGES = sorted(p.name for p in PLUGINS.iterdir() if (p / "__init__.py").is_file())
ALLOWED_VTCODE = {"vtcode.api"}
PUBLIC_CONTRACT = {"vtcode_hookspecs", "vtcode_hookspecs.chain"}


def imported_modules(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, absolute module) of every import statement, at any depth (function-level imports too)."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
            if node.module == "vtcode":  # `from vtcode import errors` names a submodule
                found += [(node.lineno, f"vtcode.{alias.name}") for alias in node.names]
    return found


def forbidden_imports(source: str, own_package: str) -> list[str]:
    """What a plugin's module imports beyond the contract, `vtcode.api` and third-party libraries."""
    bad = []
    for line, module in imported_modules(ast.parse(source)):
        top = module.split(".")[0]
        if top == "vtcode" and module not in ALLOWED_VTCODE and module != "vtcode":
            bad.append(f"{line}: {module}")
        elif module == "vtcode":
            bad.append(f"{line}: vtcode (import vtcode.api)")
        elif top == "vtcode_hookspecs" and module not in PUBLIC_CONTRACT:
            bad.append(f"{line}: {module} (a private module of the contract)")
        elif top in PLUGIN_PACKAGES and top != own_package:
            bad.append(f"{line}: {module} (plugins never import each other)")
    return bad


def plugin_files() -> list[Path]:
    return sorted(PLUGINS.rglob("*.py"))


@pytest.mark.parametrize("path", plugin_files(), ids=lambda p: str(p.relative_to(PLUGINS)))
def test_built_in_plugins_import_only_the_contract_and_the_api(path: Path) -> None:
    own = path.relative_to(PLUGINS).parts[0]
    bad = forbidden_imports(path.read_text(encoding="utf-8"), own)
    assert not bad, f"{path.relative_to(REPO)} imports outside the plugin API: {bad}"


@pytest.mark.parametrize(
    "source",
    [
        "from vtcode.workspace import Jail",
        "import vtcode.errors",
        "from vtcode import errors",
        "import vtcode",
        "def f():\n    from vtcode.cli.options import reports_errors\n",
        "from vtcode_hookspecs._chain import seal",
        "from vtcode_lmstudio import provider",
    ],
)
def test_the_scan_sees_every_way_to_reach_past_the_api(source: str) -> None:
    assert forbidden_imports(source, "vtcode_other")


def test_the_scan_allows_the_api_the_contract_and_libraries() -> None:
    source = (
        "import json\nfrom vtcode.api import Jail\nfrom vtcode_hookspecs import hookimpl\n"
        "from vtcode_hookspecs.chain import chain_hash\nimport httpx\nfrom .tool import T\n"
    )
    assert forbidden_imports(source, "vtcode_other") == []


@pytest.mark.parametrize("family", sorted(FAMILY_KITS))
def test_scaffold_templates_use_only_the_plugin_api(family: str, tmp_path: Path) -> None:
    project = scaffold(plugin_names("api-check"), family, tmp_path)
    package = project / "vtcode_api_check"
    assert package.is_dir()
    for path in sorted(package.rglob("*.py")):
        bad = forbidden_imports(path.read_text(encoding="utf-8"), "vtcode_api_check")
        assert not bad, f"the {family} scaffold's {path.name} imports outside the plugin API: {bad}"


def test_the_contract_imports_no_vtcode_code() -> None:
    for path in sorted((REPO / "hookspecs" / "vtcode_hookspecs").rglob("*.py")):
        modules = [m for _, m in imported_modules(ast.parse(path.read_text(encoding="utf-8")))]
        assert not [m for m in modules if m.split(".")[0] == "vtcode"], path


def type_checking_names(module: object) -> dict[str, str]:
    """name -> module of the `if TYPE_CHECKING:` re-exports in a module's source."""
    path = Path(module.__file__)  # type: ignore[attr-defined]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            for stmt in node.body:
                assert isinstance(stmt, ast.ImportFrom)
                where = "." * stmt.level + (stmt.module or "")
                for alias in stmt.names:
                    assert alias.asname == alias.name, f"re-export {alias.name} as itself"
                    names[alias.name] = where
    return names


@pytest.mark.parametrize("module", [vtcode.api, vtcode_hookspecs], ids=lambda m: m.__name__)
def test_the_type_checkers_view_and_the_lazy_loader_agree(module: object) -> None:
    assert type_checking_names(module) == module._WHERE  # type: ignore[attr-defined]
    assert sorted(module.__all__) == sorted(module._WHERE)  # type: ignore[attr-defined]


@pytest.mark.parametrize("module", [vtcode.api, vtcode_hookspecs], ids=lambda m: m.__name__)
def test_every_declared_name_resolves(module: object) -> None:
    for name in module.__all__:  # type: ignore[attr-defined]
        assert getattr(module, name) is not None
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        module.Nope  # type: ignore[attr-defined]  # noqa: B018


def test_the_api_is_versioned_with_the_contract() -> None:
    assert vtcode.api.API_VERSION == vtcode_hookspecs.API_VERSION
    major, minor = vtcode.api.API_VERSION.split(".")
    assert major.isdigit() and minor.isdigit()


def test_the_api_is_the_core_s_own_objects() -> None:
    from vtcode.errors import PathDenied
    from vtcode.workspace.jail import Jail

    assert vtcode.api.PathDenied is PathDenied and vtcode.api.Jail is Jail
    assert issubclass(vtcode.api.PathDenied, vtcode.api.WorkspaceError)
    assert issubclass(vtcode.api.WorkspaceError, vtcode.api.VtcodeError)


def test_importing_the_api_loads_nothing_else() -> None:
    """No side effects and no cost: a plugin pays only for the names it uses (the standard library's
    `typing` and `importlib` aside)."""
    code = (
        "import sys; before = set(sys.modules); import vtcode.api; "
        "new = set(sys.modules) - before; "
        "print(sorted(m for m in new if m.split('.')[0] not in sys.stdlib_module_names))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert eval(out) == ["vtcode", "vtcode.api"]  # noqa: S307 - our own subprocess's repr of a list


def test_a_name_loads_only_its_own_module() -> None:
    code = (
        "import sys; from vtcode.api import PathDenied; "
        "print(sorted(m for m in sys.modules if m.startswith(('vtcode', 'httpx', 'pydantic', 'click'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert eval(out) == ["vtcode", "vtcode.api", "vtcode.errors"]  # noqa: S307


def test_no_doc_says_a_plugin_imports_nothing_from_vtcode() -> None:
    """The contract's old promise ("imports nothing from vtcode") is not what plugins do: they use the API."""
    contract = REPO / "hookspecs" / "vtcode_hookspecs" / "__init__.py"
    for path in [contract, *sorted((REPO / "docs").rglob("*.md"))]:
        text = " ".join(path.read_text(encoding="utf-8").split())
        assert "A plugin depends on this package alone" not in text, path


# -- no hidden channels ---------------------------------------------------------------------------


def environment_uses(source: str) -> list[str]:
    """Reads and writes of VTCODE_* environment variables: `os.environ[...]`, `.get`, `.setdefault`,
    `.pop`, `os.getenv`, `os.putenv`, and `environ` imported on its own."""
    found = []
    for node in ast.walk(ast.parse(source)):
        key: ast.expr | None = None
        if isinstance(node, ast.Subscript) and _is_environ(node.value):
            key = node.slice
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.args:
            owner, method = node.func.value, node.func.attr
            on_os = isinstance(owner, ast.Name) and owner.id == "os"
            if (_is_environ(owner) and method in {"get", "setdefault", "pop"}) or (
                on_os and method in {"getenv", "putenv", "unsetenv"}
            ):
                key = node.args[0]
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "getenv":
            key = node.args[0] if node.args else None
        if isinstance(key, ast.Constant) and isinstance(key.value, str) and key.value.startswith("VTCODE_"):
            found.append(f"{node.lineno}: {key.value}")
    return found


def _is_environ(node: ast.expr) -> bool:
    return (isinstance(node, ast.Attribute) and node.attr == "environ") or (
        isinstance(node, ast.Name) and node.id == "environ"
    )


@pytest.mark.parametrize("path", plugin_files(), ids=lambda p: str(p.relative_to(PLUGINS)))
def test_no_plugin_takes_vtcode_configuration_from_the_environment(path: Path) -> None:
    """Configuration reaches a plugin through hook arguments and settings objects; the user dirs a plugin
    needs come from `vtcode.api` (which honours VTCODE_*_DIR for everyone alike)."""
    assert environment_uses(path.read_text(encoding="utf-8")) == [], path


@pytest.mark.parametrize(
    "source",
    [
        'import os\nos.environ.get("VTCODE_EVENTS")',
        'import os\nos.environ["VTCODE_EVENTS"] = "jsonl"',
        'import os\nx = os.getenv("VTCODE_MODE", "a")',
        'from os import environ\nenviron.setdefault("VTCODE_X", "1")',
        'from os import getenv\ngetenv("VTCODE_Y")',
    ],
)
def test_the_environment_scan_sees_each_way_to_read_or_set_a_variable(source: str) -> None:
    assert environment_uses(source)


def test_the_core_sets_no_vtcode_variable_for_a_plugin_to_read() -> None:
    """The other half of the channel: nothing in the core writes a VTCODE_* variable at run time, except
    where the user's own dirs are (`vtcode demo` moves the whole process into a world of its own), which
    every module reads alike through vtcode.paths, not a setting meant for one plugin."""
    from vtcode.paths import _ENV_KEYS as LOCATIONS

    writes = []
    for path in sorted((REPO / "vtcode").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            targets = node.targets if isinstance(node, ast.Assign) else []
            for target in targets:
                if isinstance(target, ast.Subscript) and _is_environ(target.value):
                    key = target.slice
                    named = isinstance(key, ast.Constant) and str(key.value).startswith("VTCODE_")
                    if named and key.value not in LOCATIONS:  # type: ignore[union-attr]
                        writes.append(f"{path.relative_to(REPO)}:{node.lineno}")
    assert writes == []
