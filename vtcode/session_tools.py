"""A plugin command's look at a session's tools (`CommandContext.open_tools`, vtcode/command_context.py).

`vtcode mcp tools` must show what a session would offer and what the policy says of each tool: it opens
the very stack `vtcode exec` opens (tool sources started, confined), asks nobody (a prompt is a denial),
and hands the command this narrow view instead of the stack's internals.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from vtcode_hookspecs import ActionRequest, Decision, Tool, ToolSource

if TYPE_CHECKING:
    from vtcode.agent.stack import Stack


@dataclass(frozen=True)
class SessionTools:
    stack: Stack

    def source(self, name: str) -> ToolSource | None:
        """The registered tool source `name` (its own object: the plugin knows its type), or None."""
        entry = self.stack.runtime.plugins.registries.tool_sources.get(name)
        return entry.obj if entry is not None else None

    def source_tools(self) -> list[Tool]:
        """The tools the open sources offer now, by name."""
        catalog = self.stack.catalog
        return [entry.obj for entry in catalog.source_entries()] if catalog is not None else []

    def decide(self, tool: str) -> Decision:
        """What the session's policy engine (the very one a session asks) decides for a call of `tool`."""
        return self.stack.runner.engine.decide(ActionRequest(kind="tool", tool=tool))
