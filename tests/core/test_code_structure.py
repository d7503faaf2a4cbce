"""The core's packages form a layered graph: no folder of vtcode/ imports, directly or through others, a
folder that imports it back. Every import counts (function-level and type-checking ones too): a loop of
"lazy" imports is still a loop in what one package must know of another."""

from __future__ import annotations

import ast
from collections.abc import Iterable
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CORE = REPO / "vtcode"


def unit(module: str) -> str:
    """The folder (or top-level module) of vtcode a dotted module belongs to."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "vtcode"


def imports_of(path: Path, root: Path = CORE) -> Iterable[tuple[str, int]]:
    """(absolute vtcode module, line) of every import in a module under `root`."""
    rel = path.relative_to(root.parent).with_suffix("")
    package = list(rel.parts[:-1])  # a module's package; for __init__.py, the package itself
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from ((alias.name, node.lineno) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            if module == "vtcode":
                yield from ((f"vtcode.{alias.name}", node.lineno) for alias in node.names)
            else:
                yield module, node.lineno


def folder_graph(root: Path = CORE) -> dict[str, dict[str, list[str]]]:
    """folder -> folder it imports -> where (file:line)."""
    graph: dict[str, dict[str, list[str]]] = {}
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root.parent).with_suffix("")
        source = unit(".".join(p for p in rel.parts if p != "__init__"))
        for module, line in imports_of(path, root):
            if module.split(".")[0] != root.name:
                continue
            target = unit(module)
            if target not in (source, "vtcode"):
                where = f"{path.relative_to(root.parent)}:{line}"
                graph.setdefault(source, {}).setdefault(target, []).append(where)
    return graph


def cycles(graph: dict[str, dict[str, list[str]]]) -> list[list[str]]:
    """Strongly connected components of more than one folder (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in graph.get(node, {}):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(set(graph) | {t for targets in graph.values() for t in targets}):
        if node not in index:
            visit(node)
    return found


def test_no_folder_of_the_core_imports_itself_back() -> None:
    graph = folder_graph()
    loops = cycles(graph)
    where = {
        f"{a} -> {b}": graph[a][b][:3] for loop in loops for a in loop for b in loop if b in graph.get(a, {})
    }
    assert loops == [], f"folder-level import loops: {loops}; edges: {where}"


def test_the_cycle_finder_finds_a_loop_and_only_loops() -> None:
    assert cycles({"a": {"b": []}, "b": {"c": []}, "c": {"a": []}, "d": {"a": []}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b": []}, "b": {"c": []}}) == []


def test_the_graph_sees_relative_lazy_and_type_only_imports(tmp_path: Path) -> None:
    pkg = tmp_path / "vtcode"
    (pkg / "one").mkdir(parents=True)
    (pkg / "two").mkdir()
    (pkg / "one" / "__init__.py").write_text("def f():\n    from ..two import x\n")
    (pkg / "two" / "__init__.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from vtcode.one import y\n"
    )
    graph = folder_graph(pkg)
    assert set(graph) == {"one", "two"} and cycles(graph) == [["one", "two"]]


def test_the_plugin_api_sits_on_top() -> None:
    """vtcode.api only re-exports: nothing in the core imports it, so plugins stay the outermost layer."""
    users = [
        f"{path.relative_to(REPO)}:{line}"
        for path in sorted(CORE.rglob("*.py"))
        if path.name != "api.py"
        for module, line in imports_of(path)
        if module == "vtcode.api"
    ]
    assert users == []


def test_no_production_assert() -> None:
    """Invariants in shipped code raise typed errors (InvariantError): `assert` vanishes under `python -O`
    and reports a traceback instead of one line."""
    shipped = [*CORE.rglob("*.py"), *(REPO / "plugins").rglob("*.py"), *(REPO / "hookspecs").rglob("*.py")]
    found = [
        f"{path.relative_to(REPO)}:{node.lineno}"
        for path in sorted(shipped)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Assert)
    ]
    assert found == []


def module_graph(package: Path, root: Path = CORE) -> dict[str, dict[str, list[str]]]:
    """module -> module of the same package it imports -> where (file:line), for every module under
    `package`; `from . import x` counts as an import of the module x when x is one."""
    base = root.parent

    def module_of(dotted: str) -> str | None:
        path = base.joinpath(*dotted.split("."))
        if path.with_suffix(".py").is_file() or (path / "__init__.py").is_file():
            return dotted
        return None

    prefix = ".".join(package.relative_to(base).parts)
    graph: dict[str, dict[str, list[str]]] = {}
    for path in sorted(package.rglob("*.py")):
        rel = path.relative_to(base).with_suffix("")
        source = ".".join(p for p in rel.parts if p != "__init__")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                package_parts = list(rel.parts[:-1])
                if node.level:
                    head = package_parts[: len(package_parts) - node.level + 1]
                    module = ".".join([*head, *([node.module] if node.module else [])])
                else:
                    module = node.module or ""
                # `from pkg import sub` imports pkg.sub when it is a module, else a name of pkg.
                names = [module_of(f"{module}.{a.name}") or module for a in node.names]
            for name in names:
                while name and module_of(name) is None:
                    name = name.rpartition(".")[0]
                if name.startswith(prefix) and name != source:
                    graph.setdefault(source, {}).setdefault(name, []).append(
                        f"{path.relative_to(base)}:{node.lineno}"
                    )
    return graph


def test_no_module_of_the_tui_imports_itself_back() -> None:
    """The TUI's parts take the app as a Protocol (vtcode/tui/host.py) instead of importing it: app.py
    imports the pump, the actions and the model offer, and none of them imports it back, not even for
    type checking."""
    graph = module_graph(CORE / "tui")
    loops = cycles(graph)
    where = {
        f"{a} -> {b}": graph[a][b][:3] for loop in loops for a in loop for b in loop if b in graph.get(a, {})
    }
    assert loops == [], f"module-level import loops in vtcode/tui: {loops}; edges: {where}"


def test_the_module_graph_sees_type_only_and_package_relative_imports(tmp_path: Path) -> None:
    pkg = tmp_path / "vtcode" / "tui"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "app.py").write_text("def f():\n    from . import actions\n")
    (pkg / "actions.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .app import App\n"
    )
    (pkg / "pump.py").write_text("from vtcode.tui.actions import go\n")
    graph = module_graph(pkg, tmp_path / "vtcode")
    assert cycles(graph) == [["vtcode.tui.actions", "vtcode.tui.app"]]
    assert "vtcode.tui.actions" in graph["vtcode.tui.pump"]


def test_the_plugin_api_depends_on_no_part_of_the_cli() -> None:
    """A plugin's command takes `CommandContext` from vtcode.api, which takes it from
    vtcode/command_context.py: nothing the API names reaches vtcode/cli, directly or through other
    folders, so plugins stay below the CLI."""
    import vtcode.api

    graph = folder_graph()
    reached: set[str] = set()
    todo = [unit(module) for module in vtcode.api._FROM if module.startswith("vtcode.")]
    while todo:
        node = todo.pop()
        if node not in reached:
            reached.add(node)
            todo += list(graph.get(node, {}))
    assert "command_context" in reached and "cli" not in reached, sorted(reached)
