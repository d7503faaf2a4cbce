"""MCP servers as tool sources, on the official Python SDK (`mcp`).

Each tool of a configured, approved server is offered as `mcp.<server>.<tool>` and runs through the core's
runner like any other tool: arguments validated (here, against the server's input schema), the policy
decides (default prompt), a person approves, the call is audited. See docs/mcp.md.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel
from vtcode_hookspecs import hookimpl


@hookimpl
def register_tools(register: Callable[[Any], None]) -> None:
    from .source import McpSource  # the SDK is imported only when a session opens the source

    register(McpSource())


@hookimpl
def config_sections() -> dict[str, type[BaseModel]]:
    from .config import McpConfig  # the core's loader validates and merges [mcp] with it

    return {"mcp": McpConfig}


@hookimpl
def register_commands(register: Callable[[Any], None]) -> None:
    from .cli import mcp_group

    register(mcp_group)
