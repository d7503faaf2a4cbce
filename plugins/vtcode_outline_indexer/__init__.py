"""A small built-in indexer for Python files using the standard library's `ast`.

The tree-sitter indexer covers more languages; this one needs nothing beyond the interpreter.
"""

from __future__ import annotations

from collections.abc import Callable

from vtcode_hookspecs import Indexer, hookimpl

from .indexer import OutlineIndexer


@hookimpl
def register_indexers(register: Callable[[Indexer], None]) -> None:
    register(OutlineIndexer())
