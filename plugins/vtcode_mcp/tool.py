"""One MCP tool as a vtcode tool: `mcp.<server>.<tool>`."""

from __future__ import annotations

import hashlib
import json
import time
from typing import TYPE_CHECKING, Any

import mcp.types as types
from vtcode_hookspecs import McpCall, RiskClass, ToolContext, ToolResult

from .arguments import McpArguments, arguments_model
from .results import cap, fence, result_text

if TYPE_CHECKING:
    from .connection import Connection

MAX_DESCRIPTION = 1024


def args_digest(arguments: dict[str, Any]) -> str:
    canonical = json.dumps(arguments, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()


def tool_name(server: str, tool: str) -> str:
    return f"mcp.{server}.{tool}"


def writes_workspace(connection: Connection) -> bool:
    """Only a stdio server granted `write` can change the workspace: one without the grant runs with it
    read-only (the kernel's doing), an HTTP server is remote. The core takes no checkpoint around a call
    that cannot change anything (each costs ~20 ms of git)."""
    config = connection.config
    return config.command is not None and config.write


class McpTool:
    """Arguments are checked against the server's schema by the core (args_model) before the policy runs;
    `invoke` runs only once the call was allowed, and records it as an `mcp.call` event."""

    def __init__(self, connection: Connection, spec: types.Tool, max_result_bytes: int) -> None:
        self._connection = connection
        self.server = connection.name
        self.remote_name = spec.name
        self.name = tool_name(connection.name, spec.name)
        self.args_model: type[McpArguments] = arguments_model(self.name, dict(spec.input_schema))
        read_only = bool(spec.annotations and spec.annotations.read_only_hint)
        trusted = connection.config.trust_annotations
        self.read_only_hint = read_only
        # The server's own hint is believed only when the person said so for this server.
        self.risk = RiskClass.READ if (read_only and trusted) else RiskClass.WRITE
        self.writes_workspace = writes_workspace(connection)
        said = (spec.description or spec.title or "").strip()[:MAX_DESCRIPTION]
        self.description = f"[MCP server {self.server}, untrusted] {said}"
        self._max = max_result_bytes

    def invoke(self, ctx: ToolContext, args: Any) -> ToolResult:
        arguments = args.arguments() if isinstance(args, McpArguments) else dict(args)
        digest = args_digest(arguments)
        started = time.monotonic()
        error: str | None = None
        raw = ""
        is_error = True
        try:
            result = self._connection.call(self.remote_name, arguments)
            raw = result_text(result)
            is_error = bool(result.is_error)
        except Exception as exc:  # the server's failure is the call's result, not the agent's crash
            error = f"{type(exc).__name__}: {exc}"[:500]
        duration_ms = (time.monotonic() - started) * 1000
        text, cut = cap(raw, self._max)
        ctx.record(
            McpCall(
                call_id=getattr(ctx, "call_id", ""),
                server=self.server,
                tool=self.remote_name,
                args_digest=digest,
                decision=getattr(ctx, "decision", "allow"),
                ok=error is None and not is_error,
                result_bytes=len(raw.encode("utf-8")),
                truncated_bytes=cut,
                duration_ms=round(duration_ms, 3),
                error=error,
            )
        )
        if error is not None:  # a server's error message is its text too: fenced like a result
            said = fence(self.server, self.remote_name, f"{self.name} failed: {error}", is_error=True)
            return ToolResult(ok=False, output=said,
                              data={"untrusted": True, "server": self.server, "tool": self.remote_name})
        return ToolResult(
            ok=not is_error,
            output=fence(self.server, self.remote_name, text, is_error=is_error),
            truncated_bytes=cut,
            data={"untrusted": True, "server": self.server, "tool": self.remote_name},
        )
