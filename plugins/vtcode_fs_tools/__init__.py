"""Built-in file tools. Every path goes through the core's workspace jail (`ctx.resolve`)."""

from __future__ import annotations

from collections.abc import Callable

from vtcode_hookspecs import Tool, hookimpl

from .tools import ListDirTool, ReadFileTool


@hookimpl
def register_tools(register: Callable[[Tool], None]) -> None:
    register(ReadFileTool())
    register(ListDirTool())
