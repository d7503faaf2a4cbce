"""Which hook families a plugin's source defines, read with `ast` from its installed files, never run.

Used to show and record what an approval covers; the loader still checks the real hookimpls afterwards.
"""

from __future__ import annotations

import ast
import importlib.util
from pathlib import Path

from vtcode_hookspecs import HOOK_FAMILIES

from .digest_cache import DigestCache
from .discovery import Candidate, record_paths


def module_source(candidate: Candidate) -> Path | None:
    """The entry module's source file, found from RECORD (or the editable tree) without importing."""
    parts = candidate.module.split(".")
    listed = record_paths(candidate.dist)
    for wanted in ("/".join(parts) + ".py", "/".join(parts) + "/__init__.py"):
        if wanted in listed:
            return Path(str(candidate.dist.locate_file(wanted)))
    if candidate.editable_root is not None and len(parts) == 1:
        spec = importlib.util.find_spec(parts[0])  # top-level: finds without executing anything
        if spec is not None and spec.origin:
            return Path(spec.origin)
    return None


def declared_families(candidate: Candidate, cache: DigestCache | None = None) -> frozenset[str]:
    """The hook families the plugin's module source implements, read without importing it (the AST
    scan is remembered in the digest cache, keyed like the file's digest)."""
    source = module_source(candidate)
    if source is None:
        return frozenset()
    found = cache.derived(source, "families", _scan) if cache is not None else _scan(source)
    return frozenset(found)


def _scan(source: Path) -> list[str]:
    try:
        tree = ast.parse(source.read_bytes(), filename=str(source))
    except (OSError, SyntaxError, ValueError):
        return []
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            names.add(_spec_name(node))
    return sorted({HOOK_FAMILIES[name] for name in names if name in HOOK_FAMILIES})


def _spec_name(node: ast.FunctionDef | ast.AsyncFunctionDef) -> str:
    """The hook a function implements: its name, or `@hookimpl(specname=...)`."""
    for decorator in node.decorator_list:
        if isinstance(decorator, ast.Call):
            for keyword in decorator.keywords:
                if keyword.arg == "specname" and isinstance(keyword.value, ast.Constant):
                    return str(keyword.value.value)
    return node.name
