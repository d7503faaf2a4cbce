"""Open a provider chain the way a session does (config layers, the real plugin gate), for tests."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from vtcode_hookspecs import ChatChunk, ChatMessage, ChatRequest, ToolSpec

from vtcode.config import load_config
from vtcode.events import EventBus
from vtcode.plugins import PluginHost
from vtcode.providers import ProviderChain, open_chain

FAST = ("providers.backoff_s=0", "providers.backoff_max_s=0")


def chain_for(
    workspace: Path,
    host: PluginHost,
    bus: EventBus,
    entries: Sequence[tuple[str, str]],
    *overrides: str,
    provider: str = "openai-compat",
) -> ProviderChain:
    """`entries`: (name, base_url) pairs, each an `openai-compat` entry unless `provider` says otherwise."""
    layers = [f"providers.chain={json.dumps([name for name, _ in entries])}"]
    for name, url in entries:
        layers += [f'providers.{name}.provider="{provider}"', f'providers.{name}.base_url="{url}"']
        layers.append(f'providers.{name}.model="stub-model"')
    config = load_config(workspace, overrides=[*layers, *FAST, *overrides])
    return open_chain(config, host.registries.providers, bus)


def ask(text: str = "hi", tools: Sequence[ToolSpec] = ()) -> ChatRequest:
    return ChatRequest(model="", messages=[ChatMessage(role="user", content=text)], tools=list(tools))


def text_of(chunks: Sequence[ChatChunk]) -> str:
    return "".join(c.text for c in chunks)


# Put first in a child's script: records every address the process connects to or resolves in `seen`
# (a list of str), through the interpreter's audit hooks, so a test can show nothing left 127.0.0.1.
SOCKET_AUDIT_PRELUDE = """import json, sys
seen = []
def audit(event, args):
    if event == "socket.connect":
        seen.append(str(args[1]))
    elif event == "socket.getaddrinfo":
        seen.append(str(args[0]))
sys.addaudithook(audit)
"""
