"""Fuzzy file search (rapidfuzz prefilter, editor-like ranking) over the workspace's jailed file list:
the `search_files` tool, the `vtcode find` command and the TUI's quick-open (`search.FileSearch`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from vtcode_hookspecs import Tool, hookimpl


@hookimpl
def register_tools(register: Callable[[Tool], None]) -> None:
    from .tools import SearchFilesTool

    register(SearchFilesTool())


@hookimpl
def register_commands(register: Callable[[Any], None]) -> None:
    from .command import find

    register(find)
