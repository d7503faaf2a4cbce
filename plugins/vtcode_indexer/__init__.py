"""The tree-sitter code indexer: symbols, outlines and references for Python, Rust, JavaScript,
TypeScript, Go and Bash, persisted per workspace and updated incrementally. Tools for the agent and the
`vtcode index` / `vtcode symbols` commands. tree-sitter and the grammars load only when something is parsed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from vtcode_hookspecs import Indexer, Tool, hookimpl


@hookimpl
def register_indexers(register: Callable[[Indexer], None]) -> None:
    from .indexer import TreeSitterIndexer

    register(TreeSitterIndexer())


@hookimpl
def register_tools(register: Callable[[Tool], None]) -> None:
    from .tools import FindSymbolTool, ListSymbolsTool, OutlineTool

    for tool in (ListSymbolsTool(), FindSymbolTool(), OutlineTool()):
        register(tool)


@hookimpl
def register_commands(register: Callable[[Any], None]) -> None:
    from .command import index, symbols  # click is imported only when the CLI asks for plugin commands

    register(index)
    register(symbols)
