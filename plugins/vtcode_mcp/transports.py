"""The two transports: stdio (a local process) and streamable HTTP (a URL, with a bearer token)."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import IO, Any

from vtcode.config.models import McpServerConfig

HTTP_TIMEOUT_S = 30.0


def server_env(config: McpServerConfig, environ: dict[str, str]) -> dict[str, str]:
    """What a stdio server sees of the environment: the values the config gives and the variables it
    names (`env_pass`), nothing else of yours (the SDK adds only HOME, PATH, SHELL, TERM, USER, LOGNAME)."""
    env = {name: environ[name] for name in config.env_pass if name in environ}
    env.update(config.env)
    return env


def resolve_command(command: str) -> str:
    """The executable a stdio server's command names, as an absolute path; an error when none is found."""
    found = shutil.which(command)
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
) -> AsyncIterator[tuple[Any, Any]]:
    if config.url is not None:
        import httpx2
        from mcp.client.streamable_http import streamable_http_client

        headers = {"Authorization": f"Bearer {token}"} if token else {}
        timeout = httpx2.Timeout(HTTP_TIMEOUT_S, read=config.call_timeout_s + 5)
        client = httpx2.AsyncClient(headers=headers, timeout=timeout, trust_env=False)
        async with client, streamable_http_client(config.url, http_client=client) as streams:
            yield streams[0], streams[1]
        return
    import os

    from mcp.client.stdio import StdioServerParameters, stdio_client

    assert config.command is not None
    params = StdioServerParameters(
        command=resolve_command(config.command),
        args=list(config.args),
        env=server_env(config, dict(os.environ)),
        cwd=workspace,
    )
    async with stdio_client(params, errlog=errlog) as streams:
        yield streams[0], streams[1]
