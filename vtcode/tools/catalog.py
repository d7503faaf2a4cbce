"""Every tool a session can call: the registered tools, and those its tool sources (MCP servers) offer
right now. A source's tools are named `<source>.<...>`; one that is not, or that takes a registered
tool's name, is ignored, so a source can never stand in for another plugin's tool."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel
from vtcode_hookspecs import CommandSandbox, Tool, ToolSource, ToolSourceSetup

from vtcode.plugins.registry import Registered, Registry

from .names import wire_name

# Looser than registered names (servers name tools as they like), still no spaces or control characters.
SOURCE_WAIT_S = 30.0
_SOURCE_TOOL = re.compile(r"^[a-z][a-z0-9_-]{0,31}\.[A-Za-z0-9_.-]{1,160}$")


class ToolCatalog:
    def __init__(self, tools: Registry[Tool], sources: Registry[ToolSource]) -> None:
        self._tools = tools
        self._sources = sources
        self._opened: list[Registered[ToolSource]] = []

    def open(
        self,
        setup: Callable[[str], ToolSourceSetup],
        sandbox: CommandSandbox | None,
        emit: Callable[[str, dict[str, Any]], None],
    ) -> None:
        """Start every source (each starts its servers in the background and returns at once)."""
        for entry in self._sources:
            try:
                entry.obj.open(setup(entry.name), sandbox, emit)
            except Exception as exc:  # a broken source costs its own tools, not the session
                emit("error", {"message": f"tool source {entry.name} failed to open: {exc}",
                               "source": entry.plugin})
                continue
            self._opened.append(entry)

    def close(self) -> None:
        for entry in self._opened:
            with contextlib.suppress(Exception):  # closing: the session is ending either way
                entry.obj.close()
        self._opened.clear()

    def source_entries(self) -> list[Registered[Tool]]:
        found: dict[str, Registered[Tool]] = {}
        for entry in self._opened:
            for tool in entry.obj.tools():
                name = getattr(tool, "name", None)
                if (
                    isinstance(name, str)
                    and _usable(tool)
                    and _SOURCE_TOOL.match(name)
                    and name.split(".", 1)[0] == entry.name
                    and name not in self._tools
                    and name not in found
                ):
                    found[name] = Registered(tool, name, entry.plugin, entry.distribution)
        # Two tools the model would know by one name (`mcp.s.a.b` and `mcp.s.a__b` are both `mcp__s__a__b`)
        # are neither offered: the providers refuse a request naming a function twice, and the model's call
        # could not say which one it meant.
        wires: dict[str, int] = {}
        for name in [*found, *self._tools.names()]:
            wires[wire_name(name)] = wires.get(wire_name(name), 0) + 1
        return [found[n] for n in sorted(found) if wires[wire_name(n)] == 1]

    def get(self, name: str) -> Registered[Tool] | None:
        entry = self._tools.get(name)
        if entry is not None:
            return entry
        if "." not in name and "__" in name:  # the name the model was given (tools/names.py: wire_name)

            candidates: list[Registered[Tool]] = [*self._tools, *self.source_entries()]
            for candidate in candidates:
                if wire_name(candidate.name) == name:
                    return candidate
            head = name.split("__", 1)[0]
            if head in self._sources:  # a source's tool not listed yet: wait for it below, by its real name
                name = head + "." + name.split("__", 1)[1].replace("__", ".")
        if "." not in name or name.split(".", 1)[0] not in self._sources:
            return None
        found = next((e for e in self.source_entries() if e.name == name), None)
        if found is None:
            # Asked for before its server listed it (a resumed session, a fast model): wait, bounded,
            # for the source's servers to be up rather than answer "unknown tool".
            source = self._sources.get(name.split(".", 1)[0])
            wait = getattr(source.obj, "wait_ready", None) if source is not None else None
            if callable(wait) and any(e is source for e in self._opened):
                wait(SOURCE_WAIT_S)
                found = next((e for e in self.source_entries() if e.name == name), None)
        return found

    def names(self) -> list[str]:
        return sorted([*self._tools.names(), *(e.name for e in self.source_entries())])

    def is_source_tool(self, name: str) -> bool:
        return name not in self._tools and "." in name and name.split(".", 1)[0] in self._sources


def _usable(tool: object) -> bool:
    """What the gate checks of a registered tool (plugins/registry.py), asked of a source's too."""
    model = getattr(tool, "args_model", None)
    return isinstance(tool, Tool) and isinstance(model, type) and issubclass(model, BaseModel)
