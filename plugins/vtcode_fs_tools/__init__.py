"""Built-in file tools. Every path goes through the core's workspace jail (`ctx`); writes are atomic."""

from __future__ import annotations

from collections.abc import Callable

from vtcode_hookspecs import Tool, hookimpl

from .editing import EditFileTool, WriteFileTool
from .reading import ListDirTool, ReadFileTool
from .searching import GrepTool


@hookimpl
def register_tools(register: Callable[[Tool], None]) -> None:
    for tool in (ReadFileTool(), ListDirTool(), GrepTool(), WriteFileTool(), EditFileTool()):
        register(tool)
