"""Symbols of Python files from `ast`: classes, functions and methods with their line ranges."""

from __future__ import annotations

import ast
import os
from pathlib import Path

from vtcode_hookspecs import IndexStats, Symbol, SymbolKind

MAX_FILE_BYTES = 2 * 1024 * 1024


class OutlineIndexer:
    name = "python-outline"

    def index(self, root: Path) -> IndexStats:
        stats = IndexStats()
        for directory, dirs, files in os.walk(root):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for file in sorted(files):
                if not file.endswith(".py"):
                    continue
                relative = str((Path(directory) / file).relative_to(root))
                try:
                    found = self.symbols(root, relative)
                except (OSError, SyntaxError, ValueError) as exc:
                    reason = type(exc).__name__
                    stats.skipped[reason] = stats.skipped.get(reason, 0) + 1
                    continue
                stats.files += 1
                stats.symbols += len(found)
        return stats

    def symbols(self, root: Path, path: str) -> list[Symbol]:
        file = root / path
        if file.stat().st_size > MAX_FILE_BYTES:
            raise ValueError(f"{path}: larger than {MAX_FILE_BYTES} bytes")
        tree = ast.parse(file.read_bytes(), filename=path)
        return list(_walk(tree.body, path, parent=None))


def _walk(body: list[ast.stmt], path: str, parent: str | None) -> list[Symbol]:
    found: list[Symbol] = []
    for node in body:
        if isinstance(node, ast.ClassDef):
            found.append(_symbol(node, "class", path, parent))
            found.extend(_walk(node.body, path, node.name))
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            found.append(_symbol(node, "method" if parent else "function", path, parent))
    return found


def _symbol(
    node: ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef,
    kind: SymbolKind,
    path: str,
    parent: str | None,
) -> Symbol:
    return Symbol(
        name=node.name,
        kind=kind,
        path=path,
        start_line=node.lineno,
        end_line=node.end_lineno or node.lineno,
        parent=parent,
    )
