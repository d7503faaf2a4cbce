"""Calling a built-in tool the way the core does: through the gate-loaded plugin and a real CallContext."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from vtcode_hookspecs import ToolResult

from vtcode.config.models import PluginsConfig
from vtcode.events import EventBus
from vtcode.plugins import load_plugins
from vtcode.tools.arguments import parse_arguments
from vtcode.tools.call_context import CallContext
from vtcode.workspace import Jail

Call = Callable[..., ToolResult]


def tool_caller(workspace: Path, plugin: str) -> Call:
    """call(name, **arguments) -> ToolResult, for the tools `plugin` registers (asserted)."""
    bus = EventBus()
    tools = load_plugins(PluginsConfig(), bus).registries.tools

    def run(name: str, **arguments: Any) -> ToolResult:
        entry = tools.get(name)
        assert entry is not None and entry.plugin == plugin
        args = parse_arguments(entry.obj.args_model, arguments)
        return entry.obj.invoke(CallContext(Jail(workspace), bus, name), args)

    return run
