"""The two transports: stdio (a local process) and streamable HTTP (a URL, with a bearer token)."""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import IO, Any

from vtcode.api import InvariantError

from .config import McpServerConfig

HTTP_TIMEOUT_S = 30.0


def server_env(config: McpServerConfig, environ: dict[str, str]) -> dict[str, str]:
    """What a stdio server sees of the environment: the values the config gives and the variables it
    names (`env_pass`), nothing else of yours (the sandbox adds PATH, its own HOME and TMPDIR, and the
    toolchain variables of what is on PATH)."""
    env = {name: environ[name] for name in config.env_pass if name in environ}
    env.update(config.env)
    return env


def search_path(value: str | None = None) -> str:
    """PATH without its relative entries (`node_modules/.bin`, `.`, an empty one): those name directories of
    whatever directory a process runs in (the workspace), so a repository would choose the executable of
    your own server, and of every program the server runs."""
    value = os.environ.get("PATH", "/usr/bin:/bin") if value is None else value
    return os.pathsep.join(p for p in value.split(os.pathsep) if os.path.isabs(p))


def resolve_command(command: str, cwd: Path | None = None) -> str:
    """The executable a stdio server's command names, as an absolute path (a relative path with a slash
    is taken from the workspace, where the server runs; a bare name from PATH's absolute entries); an
    error when none."""
    if "/" in command and not Path(command).is_absolute():
        command = str((cwd or Path.cwd()) / command)
    found = shutil.which(command, path=search_path())
    if found is None:
        raise FileNotFoundError(f"command {command!r} not found on PATH")
    return found


@asynccontextmanager
async def open_transport(
    config: McpServerConfig,
    *,
    errlog: IO[str],
    workspace: str,
    sandbox: Any = None,
    token: str | None = None,
    read_roots: tuple[str, ...] = (),
    on_spawn: Any = None,
    server: str = "",
) -> AsyncIterator[tuple[Any, Any]]:
    """`sandbox`: the session's CommandSandbox; a stdio server starts only under it."""
    if config.url is not None:
        import httpx2
        from mcp.client.streamable_http import streamable_http_client

        headers = {"Authorization": f"Bearer {token}"} if token else {}
        timeout = httpx2.Timeout(HTTP_TIMEOUT_S, read=config.call_timeout_s + 5)
        from .http_cap import BoundedTransport

        client = httpx2.AsyncClient(headers=headers, timeout=timeout, trust_env=False,
                                    transport=BoundedTransport())
        async with client, streamable_http_client(config.url, http_client=client) as streams:
            yield streams[0], streams[1]
        return
    if config.command is None:  # McpServerConfig guarantees one of url and command
        raise InvariantError("an MCP server with neither url nor command")
    if sandbox is not None:  # a stdio server starts only confined
        from .confined import confined_stdio, server_request

        env = server_env(config, dict(os.environ))
        env["PATH"] = search_path(env.get("PATH"))
        request = server_request(
            sandbox,
            [resolve_command(config.command, Path(workspace)), *config.args],
            workspace,
            env=env,
            write=config.write,
            network=config.network,
            read_roots=read_roots,
            server=server,
        )
        async with confined_stdio(sandbox, request, errlog, on_spawn or (lambda *_: None)) as streams:
            yield streams
        return
    raise PermissionError("no sandbox could be applied, so stdio servers do not start (fail closed)")
