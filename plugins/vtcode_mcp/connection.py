"""One MCP server's connection, on the source's event loop: start, list tools, follow `list_changed`,
restart a bounded number of times, and calls from the agent's thread."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from concurrent.futures import Future
from typing import IO, Any

import mcp.types as types
from mcp.client.session import ClientSession

from vtcode.api import InvariantError

from .config import McpServerConfig
from .transports import open_transport

Emit = Callable[[str, dict[str, Any]], None]
RESTART_BACKOFF_S = 0.5
PING_INTERVAL_S = 5.0
RELIST_INTERVAL_S = 1.0  # `list_changed` notifications within this are one re-listing
# What one server may put in every model request: its tools past these are not offered (an `error` says so).
MAX_TOOLS = 256
MAX_LISTED_BYTES = 1024 * 1024


class _Session(ClientSession):
    """The SDK's session, with a tool's structured result checked against its output schema by vtcode's
    safe validator: the SDK's own check runs the server's patterns with `re` on the event loop, and a
    catastrophic one holds the GIL, freezing every thread of vtcode for good."""

    async def validate_tool_result(self, name: str, result: types.CallToolResult) -> None:
        from .arguments import bounded_errors, safe_validator

        schemas: dict[str, Any] = self._tool_output_schemas
        if name not in schemas:
            await self.list_tools()
        schema = schemas.get(name)
        if schema is None:
            return
        if result.structured_content is None and "structured_content" not in result.model_fields_set:
            raise RuntimeError(f"Tool {name} has an output schema but did not return structured content")
        # Built once per schema value (a re-listing with another schema builds it again).
        checkers: dict[str, tuple[Any, Any]] = self.__dict__.setdefault("_vtcode_checkers", {})
        try:
            known = checkers.get(name)
            if known is None or known[0] is not schema:
                known = checkers[name] = (schema, safe_validator(f"output schema of {name}", schema))
            errors = bounded_errors(known[1], result.structured_content)
        except Exception as exc:  # unusable schema, past the budget, too deep
            raise RuntimeError(f"Structured content of tool {name} cannot be checked: {exc}") from None
        if errors:
            raise RuntimeError(f"Invalid structured content returned by tool {name}: "
                               f"{errors[0].message[:300]}")


class ServerUnavailable(RuntimeError):
    """The server is not (or no longer) running: its tools answer with this until it is back."""


class IdentityChanged(ServerUnavailable):
    """What would be spawned is no longer what was approved or allowed: it is never spawned."""


class Connection:
    def __init__(
        self,
        name: str,
        config: McpServerConfig,
        loop: asyncio.AbstractEventLoop,
        emit: Emit,
        *,
        on_tools: Callable[[Connection, list[types.Tool]], None],
        errlog: IO[str],
        workspace: str,
        identity: str,
        source: str,
        sandbox: Any = None,
        token: str | None = None,
        read_roots: tuple[str, ...] = (),
    ) -> None:
        self._read_roots = read_roots
        self.pid: int | None = None
        self.name = name
        self.config = config
        self._loop = loop
        self._emit = emit
        self._on_tools = on_tools
        self._errlog = errlog
        self._workspace = workspace
        self._sandbox = sandbox
        self._token = token
        self.identity = identity
        self.source = source
        # Whether the identity is what let it start (an approval, the administrator's lists): then it is
        # checked again before every spawn. A user's own server is not gated by it (its data files, a log,
        # a database named on its command line, may change between starts).
        self.pinned = source == "workspace"
        self.session: ClientSession | None = None
        self.state = "starting"
        self.reason = ""
        self._stop = asyncio.Event()
        self._restart = asyncio.Event()
        self.ready = asyncio.Event()
        self.task: asyncio.Task[None] | None = None
        self._listed: str | None = None  # what the last listing said, to record only real changes
        self._relist: asyncio.Task[None] | None = None
        self._relist_again = False

    def _event(self, state: str, reason: str = "", tools: list[str] | None = None) -> None:
        self.state = state
        self.reason = reason
        self._emit(
            "mcp.server",
            {
                "server": self.name,
                "state": state,
                "reason": reason[:500],
                "identity": self.identity,
                "source": self.source,
                "tools": tools or [],
            },
        )

    async def run(self) -> None:
        """Connect, and reconnect after an exit or a hang, at most `max_restarts` times."""
        failures = 0
        while not self._stop.is_set():
            self._event("starting" if failures == 0 else "restarting")
            try:
                await self._serve()
            except asyncio.CancelledError:
                raise
            except IdentityChanged as exc:  # never retried: a restart would run it again
                self.session = None
                self._event("refused", str(exc))
                self.state = "unavailable"
                self.ready.set()
                return
            except BaseException as exc:  # the server died, hung, or never spoke MCP
                reason = _describe(exc)
            else:
                if self._stop.is_set():
                    break
                reason = "the server closed the connection"
            self.session = None
            self.ready.clear()
            failures += 1
            if failures > self.config.max_restarts:
                self._event("unavailable", f"gave up after {failures} failures: {reason}")
                self.ready.set()  # callers stop waiting: the tools answer "unavailable"
                return
            self._event("failed", reason)
            await asyncio.sleep(RESTART_BACKOFF_S * failures)
        self._event("stopped")

    def _check_identity(self) -> None:
        """Before every spawn, the first and each restart: the identity planned (approved, allowed by the
        administrator) must still be what the command line runs, else an edit of the workspace between
        the plan and a restart would run unapproved code."""
        if self.config.command is None or not self.pinned:
            return
        from pathlib import Path

        from .identity import identity_of

        try:
            now = identity_of(self.config, Path(self._workspace)).digest
        except OSError as exc:
            raise IdentityChanged(f"its identity cannot be established any more: {exc}") from None
        if now != self.identity:
            raise IdentityChanged(f"changed since it was planned (was {self.identity}, now {now}): "
                                  "not started; approve it again")

    async def _serve(self) -> None:
        self._restart.clear()
        self._check_identity()
        transport = open_transport(
            self.config,
            errlog=self._errlog,
            workspace=self._workspace,
            sandbox=self._sandbox,
            token=self._token,
            read_roots=self._read_roots,
            on_spawn=self._spawned,
            server=self.name,
        )
        async with transport as (read, write), _Session(
            read, write, message_handler=self._on_message
        ) as session:
            await asyncio.wait_for(session.initialize(), self.config.startup_timeout_s)
            self.session = session
            await self._list()
            self.ready.set()
            stop = asyncio.ensure_future(self._stop.wait())
            restart = asyncio.ensure_future(self._restart.wait())
            watch = asyncio.ensure_future(self._watch(session))
            try:
                await asyncio.wait({stop, restart}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                stop.cancel()
                restart.cancel()
                watch.cancel()
                if self._relist is not None:
                    self._relist.cancel()
            if self._restart.is_set() and not self._stop.is_set():
                raise ServerUnavailable("the server stopped answering (a call timed out)")

    async def _list(self) -> None:
        if self.session is None:
            raise InvariantError(f"MCP server {self.name!r}: tools listed before its session opened")
        tools: list[types.Tool] = []
        cursor: str | None = None
        while True:
            params = types.PaginatedRequestParams(cursor=cursor) if cursor else None
            listing = self.session.list_tools(params=params)
            page = await asyncio.wait_for(listing, self.config.startup_timeout_s)
            tools.extend(page.tools)
            cursor = page.next_cursor
            if not cursor or len(tools) > 10_000:
                break
        tools = self._within_budget(tools)
        listed = "\n".join(t.model_dump_json() for t in tools)
        if listed == self._listed and self.state == "ready":
            return  # a `list_changed` that changed nothing: no re-registration, no event
        self._listed = listed
        was = self.state
        self._on_tools(self, tools)
        self._event("tools_changed" if was == "ready" else "ready", tools=[t.name for t in tools])
        self.state = "ready"

    def _within_budget(self, tools: list[types.Tool]) -> list[types.Tool]:
        """The first MAX_TOOLS tools that fit MAX_LISTED_BYTES together: each is sent with every request."""
        kept: list[types.Tool] = []
        size = 0
        for tool in tools:
            size += len(tool.model_dump_json())
            if len(kept) >= MAX_TOOLS or size > MAX_LISTED_BYTES:
                break
            kept.append(tool)
        if len(kept) < len(tools):
            self.note_skipped([f"{len(tools) - len(kept)} tools past the first {len(kept)} (at most "
                               f"{MAX_TOOLS} tools and {MAX_LISTED_BYTES >> 20} MiB of names, descriptions "
                               "and schemas)"])
        return kept

    async def _on_message(self, message: Any) -> None:
        if isinstance(message, types.ToolListChangedNotification) and self.session is not None:
            # A new listing: new tools get the same policy as any other (decided per call, by name).
            # Coalesced: one re-listing at a time, at most one a RELIST_INTERVAL_S, so a server that
            # floods the notification costs one listing a second, not one per message.
            if self._relist is not None and not self._relist.done():
                self._relist_again = True
                return
            self._relist = asyncio.ensure_future(self._relisting())

    async def _relisting(self) -> None:
        while True:
            self._relist_again = False
            with contextlib.suppress(Exception):
                await self._list()
            await asyncio.sleep(RELIST_INTERVAL_S)
            if not self._relist_again or self.session is None:
                return

    # -- from the agent's thread ---------------------------------------------------------------

    def call(self, tool: str, arguments: dict[str, Any]) -> types.CallToolResult:
        future: Future[types.CallToolResult] = asyncio.run_coroutine_threadsafe(
            self._call(tool, arguments), self._loop
        )
        try:
            return future.result(self.config.call_timeout_s + self.config.startup_timeout_s + 5)
        except TimeoutError:
            future.cancel()
            raise

    async def _call(self, tool: str, arguments: dict[str, Any]) -> types.CallToolResult:
        if self.session is None and self.state not in ("unavailable", "stopped"):
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.ready.wait(), self.config.startup_timeout_s)
        session = self.session
        if session is None:
            raise ServerUnavailable(f"MCP server {self.name!r} is unavailable: {self.reason or self.state}")
        try:
            result = await asyncio.wait_for(
                session.call_tool(tool, arguments, read_timeout_seconds=self.config.call_timeout_s),
                self.config.call_timeout_s,
            )
        except TimeoutError:
            self._lost()  # a hung server is restarted (bounded), its tools meanwhile unavailable
            raise TimeoutError(
                f"no answer from MCP server {self.name!r} in {self.config.call_timeout_s}s"
            ) from None
        except Exception as exc:
            if _connection_lost(exc):
                self._lost()
            raise
        if not isinstance(result, types.CallToolResult):
            raise ServerUnavailable(f"MCP server {self.name!r} answered with {type(result).__name__}")
        return result

    def _spawned(self, pid: int, enforced: tuple[str, ...], request: Any) -> None:
        """The confined process started: what runs, and what the kernel enforces on it."""
        self.pid = pid
        self._emit(
            "mcp.server",
            {
                "server": self.name,
                "state": "spawned",
                "identity": self.identity,
                "source": self.source,
                "pid": pid,
                "argv": list(request.argv),
                "mode": request.mode,
                "network": request.network or request.egress_hosts is not None,
                "egress": list(request.egress_hosts) if request.egress_hosts is not None else None,
                "enforced": list(enforced),
                "read_roots": list(self._read_roots),
            },
        )

    def _lost(self) -> None:
        """The server died or hung: calls wait for the restart (or fail once it gives up)."""
        if self.session is not None:
            self.session = None
            self.ready.clear()
            self.state = "restarting"
            self._restart.set()

    async def _watch(self, session: ClientSession) -> None:
        """A server that dies between calls is noticed by a ping, not by the next call."""
        while True:
            await asyncio.sleep(PING_INTERVAL_S)
            try:
                await asyncio.wait_for(session.send_ping(), self.config.call_timeout_s)
            except Exception:
                self._lost()
                return

    def note_skipped(self, skipped: list[str]) -> None:
        """Tools not offered because their input schema cannot be checked: said in the record."""
        self._emit("error", {"message": f"MCP server {self.name}: tools not offered: {'; '.join(skipped)}",
                             "source": "mcp"})

    def stop(self) -> None:
        self._loop.call_soon_threadsafe(self._stop.set)


def _connection_lost(exc: BaseException) -> bool:
    import anyio

    if isinstance(exc, anyio.ClosedResourceError | anyio.BrokenResourceError | ConnectionError | EOFError):
        return True
    return "connection closed" in str(exc).lower()


def _describe(exc: BaseException) -> str:
    if isinstance(exc, BaseExceptionGroup):
        inner = [e for e in exc.exceptions]
        if inner:
            return _describe(inner[0])
    text = str(exc) or type(exc).__name__
    return f"{type(exc).__name__}: {text}"[:500]




# -- resources (resource_tool.py): a read is a request like a call, with the same timeouts and restarts --

async def _read_resource(connection: Connection, uri: str) -> types.ReadResourceResult:
    if connection.session is None and connection.state not in ("unavailable", "stopped"):
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(connection.ready.wait(), connection.config.startup_timeout_s)
    session = connection.session
    if session is None:
        raise ServerUnavailable(f"MCP server {connection.name!r} is unavailable: "
                                f"{connection.reason or connection.state}")
    timeout = connection.config.call_timeout_s
    try:
        return await asyncio.wait_for(session.read_resource(uri), timeout)
    except TimeoutError:
        connection._lost()
        raise TimeoutError(f"no answer from MCP server {connection.name!r} in {timeout}s") from None
    except Exception as exc:
        if _connection_lost(exc):
            connection._lost()
        raise


def read_resource(connection: Connection, uri: str) -> types.ReadResourceResult:
    """From the agent's thread: read `uri` on the connection's loop."""
    future: Future[types.ReadResourceResult] = asyncio.run_coroutine_threadsafe(
        _read_resource(connection, uri), connection._loop
    )
    config = connection.config
    try:
        return future.result(config.call_timeout_s + config.startup_timeout_s + 5)
    except TimeoutError:
        future.cancel()
        raise


def offers_resources(connection: Connection) -> bool:
    """The server said, when it started, that it has resources."""
    session = connection.session
    result = session.initialize_result if session is not None else None
    return bool(result is not None and result.capabilities.resources is not None)
