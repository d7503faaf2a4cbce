"""The tool source: MCP servers started in parallel on one event-loop thread, their tools offered live."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from vtcode_hookspecs import CommandSandbox, Tool, ToolSourceSetup

from vtcode.api import InvariantError, private_dir, user_data_dir

# The SDK costs about a second to import: every vtcode start loads this module (the plugin registers its
# source), so the SDK and everything built on it is imported in `open`, only when servers are configured.
if TYPE_CHECKING:
    import asyncio

    import mcp.types as types
    from vtcode_hookspecs import SourceServer

    from .connection import Connection
    from .plan import Planned
    from .tool import McpTool

CLOSE_TIMEOUT_S = 10.0


def log_dir() -> Path:
    """Servers' stderr goes here, one file per server: logged, never shown to the model."""
    return user_data_dir() / "mcp-logs"


class McpSource:
    name = "mcp"

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tools: dict[str, dict[str, McpTool]] = {}
        self._connections: list[Connection] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._logs: list[IO[str]] = []
        self.connections: dict[str, Connection] = {}
        # for the servers screen (report.py): what `open` planned, and why a planned server did not start
        self.planned: list[Planned] = []
        self.refused: dict[str, str] = {}
        self.setup: ToolSourceSetup | None = None
        self.emit: Callable[[str, dict[str, Any]], None] = lambda kind, payload: None

    def open(
        self,
        setup: ToolSourceSetup,
        sandbox: CommandSandbox | None,
        emit: Callable[[str, dict[str, Any]], None],
    ) -> None:
        from .config import McpConfig
        from .plan import plan

        config = McpConfig.model_validate(setup.settings)
        planned = plan(config, setup.layers, Path(setup.workspace), trusted=setup.trusted)
        self.planned, self.setup, self.emit = planned, setup, emit
        for entry in planned:
            if not entry.start:
                emit("mcp.server", {"server": entry.name, "state": "refused", "reason": entry.reason,
                                    "identity": entry.identity.digest if entry.identity else None,
                                    "source": entry.source})
        runnable = [p for p in planned if p.start]
        if not runnable:
            return
        import asyncio

        from .connection import Connection
        from .identity import own_read_roots
        from .secrets import bearer_token
        loop = asyncio.new_event_loop()
        self._loop = loop
        self._thread = threading.Thread(target=loop.run_forever, name="vtcode-mcp", daemon=True)
        self._thread.start()
        folder = private_dir(log_dir())
        for entry in runnable:
            if entry.identity is None:  # plan() gives every server it lets start an identity
                raise InvariantError(f"MCP server {entry.name!r} planned to start without an identity")
            errlog = open(folder / f"{entry.name}.log", "a", encoding="utf-8")  # noqa: SIM115 (closed in close)
            self._logs.append(errlog)
            try:
                token = bearer_token(entry.name, entry.config) if entry.config.url else None
                read_roots = (
                    own_read_roots(entry.config, entry.identity, Path(setup.workspace))
                    if entry.config.command
                    else ()
                )
                if entry.config.command and sandbox is None:
                    raise ValueError("no sandbox could be applied here, so stdio servers do not start")
            except (ValueError, OSError) as exc:
                self.refused[entry.name] = str(exc)
                emit("mcp.server", {"server": entry.name, "state": "refused", "reason": str(exc),
                                    "identity": entry.identity.digest, "source": entry.source})
                continue
            connection = Connection(
                entry.name,
                entry.config,
                loop,
                emit,
                on_tools=self._on_tools(config.max_result_bytes),
                errlog=errlog,
                workspace=setup.workspace,
                identity=entry.identity.digest,
                source=entry.source,
                sandbox=sandbox,
                token=token,
                read_roots=read_roots,
            )
            connection.pinned = connection.pinned or bool(config.allow or config.deny)
            self._connections.append(connection)
            self.connections[entry.name] = connection

            def start(c: Connection = connection) -> None:
                c.task = loop.create_task(c.run())

            loop.call_soon_threadsafe(start)

    def _on_tools(self, max_result_bytes: int) -> Callable[[Connection, list[types.Tool]], None]:
        from .resource_tool import resource_reader
        from .tool import McpTool

        def update(connection: Connection, listed: list[types.Tool]) -> None:
            tools: dict[str, McpTool] = {}
            skipped: list[str] = []
            for spec in listed:
                try:
                    tool = McpTool(connection, spec, max_result_bytes)
                except Exception as exc:  # a schema jsonschema cannot check: the tool is not offered
                    skipped.append(f"{spec.name}: {exc}"[:200])
                    continue
                tools[tool.name] = tool
            if skipped:
                connection.note_skipped(skipped)
            reader = resource_reader(connection, tools, max_result_bytes)
            if reader is not None:
                tools[reader.name] = reader  # type: ignore[assignment]  # a Tool, as McpTool is
            with self._lock:
                self._tools[connection.name] = tools

        return update

    # -- the servers screen (vtcode_hookspecs.ServerReport): see report.py ---------------------------

    def servers(self, timeout: float) -> Sequence[SourceServer]:
        from .report import servers

        return servers(self, timeout)

    def approve(self, server: str, identity: str) -> str:
        from .report import approve

        return approve(self, server, identity)

    def revoke(self, server: str) -> str:
        from .report import revoke

        return revoke(self, server)

    def withdraw(self, server: str) -> None:
        """Stop a server and take its tools away now (its approval was revoked)."""
        connection = self.connections.get(server)
        with self._lock:
            self._tools.pop(server, None)
        if connection is not None:
            connection.stop()

    @property
    def loop(self) -> asyncio.AbstractEventLoop | None:
        return self._loop

    def offered(self, server: str) -> list[McpTool]:
        with self._lock:
            return list(self._tools.get(server, {}).values())

    def tools(self) -> Sequence[Tool]:
        with self._lock:
            return [tool for server in self._tools.values() for tool in server.values()]

    def wait_ready(self, timeout: float) -> bool:
        """For tests and `vtcode mcp tools`: until every server listed its tools or gave up."""
        loop = self._loop
        if loop is None:
            return True
        import asyncio

        async def all_ready() -> None:
            await asyncio.gather(*(c.ready.wait() for c in self._connections))

        try:
            asyncio.run_coroutine_threadsafe(asyncio.wait_for(all_ready(), timeout), loop).result(timeout + 1)
        except Exception:
            return False
        return True

    def close(self) -> None:
        loop = self._loop
        if loop is None:
            return
        import asyncio

        for connection in self._connections:
            connection.stop()

        async def finish() -> None:
            tasks = [c.task for c in self._connections if c.task is not None]
            if tasks:
                await asyncio.wait(tasks, timeout=CLOSE_TIMEOUT_S)

        with contextlib.suppress(Exception):  # closing: the servers are killed with the loop's tasks
            asyncio.run_coroutine_threadsafe(finish(), loop).result(CLOSE_TIMEOUT_S + 2)
        loop.call_soon_threadsafe(loop.stop)
        if self._thread is not None:
            self._thread.join(CLOSE_TIMEOUT_S)
        for handle in self._logs:
            handle.close()
        self._loop = None
