"""MCP prompts for the person: listed, and fetched filled with arguments, by `vtcode mcp prompts`.

Prompts are user-controlled templates (the MCP spec): the person picks one, the model never does, so
they are not tools (decision 2301). vtcode shows a prompt's messages as the server sent them, through the
CLI's neutralised output (`say`), for the person to read or use; it sends nothing to a model on its own."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .source import McpSource

LIST_CAP = 200  # prompts listed per server
TEXT_CAP = 100_000  # characters of one fetched message kept


def _ask(source: McpSource, server: str, timeout: float, make: Any) -> Any:
    connection = source.connections.get(server)
    loop = source.loop
    if connection is None or loop is None:
        raise ValueError(f"MCP server {server!r} is not running here (see `vtcode mcp list`)")
    session = connection.session
    if session is None:
        why = connection.reason or "not ready"
        raise ValueError(f"MCP server {server!r} is {connection.state}: {why}")
    future = asyncio.run_coroutine_threadsafe(asyncio.wait_for(make(session), timeout), loop)
    return future.result(timeout + 1)


def listed(source: McpSource, server: str, timeout: float) -> list[dict[str, Any]]:
    """The server's prompts: name, description, arguments (name, required, description)."""
    try:
        answer = _ask(source, server, timeout, lambda session: session.list_prompts())
    except ValueError:
        raise
    except Exception:  # a server without prompts answers with an error (method not found): none
        return []
    return [{"name": p.name, "description": p.description or "",
             "arguments": [{"name": a.name, "required": bool(a.required), "description": a.description or ""}
                           for a in (p.arguments or [])]}
            for p in answer.prompts[:LIST_CAP]]


def fetched(source: McpSource, server: str, name: str, arguments: dict[str, str],
            timeout: float) -> list[dict[str, str]]:
    """`prompts/get`: the prompt's messages (role, text); other content is described, not inlined."""
    try:
        answer = _ask(source, server, timeout, lambda session: session.get_prompt(name, arguments))
    except ValueError:
        raise
    except Exception as exc:
        raise ValueError(f"MCP server {server!r} refused prompt {name!r}: {exc}"[:500]) from None
    out = []
    for message in answer.messages:
        content = message.content
        text = getattr(content, "text", None)
        if not isinstance(text, str):
            text = f"[{getattr(content, 'type', 'content')} not shown]"
        out.append({"role": str(message.role), "text": text[:TEXT_CAP]})
    return out
