"""The stdio transport for a server started by the sandbox: vtcode starts the process confined (the
session's backend, the server's own mode) and speaks MCP over its pipes, as the SDK's stdio_client does
for an unconfined one."""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import IO, Any

import anyio
import mcp_types as types
from mcp.shared.message import SessionMessage
from vtcode_hookspecs import CommandSandbox, PreparedSpawn, SandboxRequest

from vtcode.api import InvariantError

MAX_LINE_BYTES = 32 * 1024 * 1024  # one JSON-RPC message; a longer line ends the connection
MAX_STDERR_BYTES = 8 * 1024 * 1024  # of a server's stderr kept in its log per start; the rest is drained
EXIT_GRACE_S = 2.0


def server_request(
    sandbox: CommandSandbox,
    argv: list[str],
    workspace: str,
    *,
    env: dict[str, str],
    write: bool,
    network: bool | str | list[str],
    read_roots: tuple[str, ...],
    server: str,
) -> SandboxRequest:
    """The session's request for this argv, in the server's own mode: the workspace read-only unless the
    config grants write (and never looser than the session's mode), only the environment the config
    names, and the server's own files readable. Network: none unless granted; a list of hosts goes
    through the egress proxy with only those hosts (the core adds the proxy and its environment, and
    every connection is a `network.request` naming `mcp:<server>`); "full" is the whole network. The
    session's own network mode never reaches a server: without a grant it gets no proxy either."""
    base = sandbox.request(argv, workspace)
    mode = "workspace-write" if write and base.mode != "read-only" else "read-only"
    hosts = tuple(network) if isinstance(network, list) and network else None
    return base.model_copy(
        update={
            "mode": mode,
            "network": network == "full",
            "egress_port": None,
            "egress_hosts": hosts,
            "egress_client": f"mcp:{server}" if hosts else None,
            "env": env,
            "read_roots": tuple(dict.fromkeys((*base.read_roots, *read_roots))),
            "timeout_s": None,
        }
    )


@asynccontextmanager
async def confined_stdio(
    sandbox: CommandSandbox,
    request: SandboxRequest,
    errlog: IO[str],
    on_spawn: Callable[[int, tuple[str, ...], SandboxRequest], None],
) -> AsyncIterator[tuple[Any, Any]]:
    prepared: PreparedSpawn = sandbox.prepare(request)
    try:
        proc = prepared.start(stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    except BaseException:
        prepared.release()
        raise
    on_spawn(proc.pid, prepared.enforced, request)
    if proc.stdin is None or proc.stdout is None or proc.stderr is None:
        raise InvariantError("a confined MCP server was started without its three pipes")
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=MAX_LINE_BYTES)
    protocol = asyncio.StreamReaderProtocol(reader)
    read_transport, _ = await loop.connect_read_pipe(lambda: protocol, proc.stdout)
    write_transport, _ = await loop.connect_write_pipe(asyncio.Protocol, proc.stdin)
    err_reader = asyncio.StreamReader(limit=MAX_LINE_BYTES)
    err_protocol = asyncio.StreamReaderProtocol(err_reader)
    err_transport, _ = await loop.connect_read_pipe(lambda: err_protocol, proc.stderr)
    read_send, read_recv = anyio.create_memory_object_stream[SessionMessage | Exception](0)
    write_send, write_recv = anyio.create_memory_object_stream[SessionMessage](0)

    async def read_lines() -> None:
        async with read_send:
            while True:
                try:
                    line = await reader.readline()
                except (ValueError, asyncio.LimitOverrunError) as exc:  # a line past the limit
                    await read_send.send(ValueError(f"message over {MAX_LINE_BYTES} bytes: {exc}"))
                    return
                if not line:
                    return
                if not line.strip():
                    continue
                try:
                    message = types.jsonrpc_message_adapter.validate_json(line, by_name=False)
                except ValueError as exc:
                    await read_send.send(exc)
                    continue
                try:
                    await read_send.send(SessionMessage(message))
                except (anyio.ClosedResourceError, anyio.BrokenResourceError):
                    return

    async def log_stderr() -> None:
        """Into the server's log, bounded: a server cannot fill the disk through its stderr."""
        kept = 0
        while chunk := await err_reader.read(65536):
            if kept < MAX_STDERR_BYTES:
                piece = chunk[: MAX_STDERR_BYTES - kept]
                kept += len(piece)
                errlog.write(piece.decode("utf-8", errors="replace"))
                if kept >= MAX_STDERR_BYTES:
                    errlog.write(f"\n[vtcode: stderr past {MAX_STDERR_BYTES} bytes is not kept]\n")
                errlog.flush()

    async def write_messages() -> None:
        async with write_recv:
            async for item in write_recv:
                data = item.message.model_dump_json(by_alias=True, exclude_unset=True) + "\n"
                if write_transport.is_closing():
                    return
                write_transport.write(data.encode())

    try:
        async with anyio.create_task_group() as group:
            group.start_soon(read_lines)
            group.start_soon(write_messages)
            group.start_soon(log_stderr)
            try:
                yield read_recv, write_send
            finally:
                group.cancel_scope.cancel()
    finally:
        with anyio.CancelScope(shield=True):
            with contextlib.suppress(Exception):
                write_transport.close()
            deadline = loop.time() + EXIT_GRACE_S
            while proc.poll() is None and loop.time() < deadline:
                await anyio.sleep(0.02)
            read_transport.close()
            err_transport.close()
            # Kills the server and every descendant it left, and frees the sandbox's resources.
            prepared.release()
            with contextlib.suppress(Exception):
                proc.wait(EXIT_GRACE_S)
            await read_send.aclose()
            await write_send.aclose()
