"""The vtcode plugin contract: hooks, the `hookimpl` marker, and the models plugins exchange with the core.

A plugin depends on this package alone. It imports nothing from `vtcode`.

    from vtcode_hookspecs import hookimpl

    @hookimpl
    def register_tools(register):
        register(MyTool())
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# Names are imported on first use (PEP 562): `vtcode check` needs the decisions, not the provider or
# payload models, and every pydantic model built at import costs start-up time.
if TYPE_CHECKING:
    from ._chain import chain_hash, split_line
    from ._decisions import ActionRequest, Decision, Verdict
    from ._events import EVENT_SCHEMA, Event
    from ._indexers import Indexer, IndexStats, Symbol, SymbolKind
    from ._lifecycle import HOOK_EVENTS, HookAnswer, HookEventName, LifecycleEvent
    from ._markers import PROJECT_NAME, hookimpl, hookspec
    from ._payloads import PAYLOADS, SECURITY_EVENTS, Payload
    from ._providers import (
        TRANSIENT_KINDS,
        ChatChunk,
        ChatMessage,
        ChatRequest,
        ModelInfo,
        ModelLoader,
        Provider,
        ProviderError,
        ProviderErrorKind,
        ProviderHealth,
        ProviderSettings,
        ToolCall,
        ToolSpec,
        Usage,
    )
    from ._sandboxes import (
        CommandSandbox,
        PreparedSpawn,
        SandboxAvailability,
        SandboxBackend,
        SandboxCleanup,
        SandboxMode,
        SandboxPreparer,
        SandboxRequest,
    )
    from ._secrets import SANDBOX_HOME_SECRETS
    from ._sinks import DurableSink, EventSink, SinkDelivery, SinkSettings
    from ._specs import FAMILIES, HOOK_FAMILIES
    from ._storage import SessionRecord, SessionStore, SessionSummary
    from ._tools import (
        CommandArgs,
        ReadPath,
        RiskClass,
        Tool,
        ToolContext,
        ToolResult,
        ToolSource,
        ToolSourceSetup,
        WritePath,
    )

_WHERE: dict[str, str] = {
    "chain_hash": "._chain",
    "split_line": "._chain",
    "ActionRequest": "._decisions",
    "Decision": "._decisions",
    "Verdict": "._decisions",
    "EVENT_SCHEMA": "._events",
    "Event": "._events",
    "IndexStats": "._indexers",
    "Indexer": "._indexers",
    "Symbol": "._indexers",
    "SymbolKind": "._indexers",
    "HOOK_EVENTS": "._lifecycle",
    "HookAnswer": "._lifecycle",
    "HookEventName": "._lifecycle",
    "LifecycleEvent": "._lifecycle",
    "PROJECT_NAME": "._markers",
    "hookimpl": "._markers",
    "hookspec": "._markers",
    "PAYLOADS": "._payloads",
    "Payload": "._payloads",
    "SECURITY_EVENTS": "._payloads",
    "ChatChunk": "._providers",
    "ChatMessage": "._providers",
    "ChatRequest": "._providers",
    "ModelInfo": "._providers",
    "ModelLoader": "._providers",
    "Provider": "._providers",
    "ProviderError": "._providers",
    "ProviderErrorKind": "._providers",
    "ProviderHealth": "._providers",
    "ProviderSettings": "._providers",
    "TRANSIENT_KINDS": "._providers",
    "ToolCall": "._providers",
    "ToolSpec": "._providers",
    "Usage": "._providers",
    "CommandSandbox": "._sandboxes",
    "PreparedSpawn": "._sandboxes",
    "SandboxAvailability": "._sandboxes",
    "SandboxBackend": "._sandboxes",
    "SandboxCleanup": "._sandboxes",
    "SandboxMode": "._sandboxes",
    "SandboxPreparer": "._sandboxes",
    "SandboxRequest": "._sandboxes",
    "SANDBOX_HOME_SECRETS": "._secrets",
    "DurableSink": "._sinks",
    "EventSink": "._sinks",
    "SinkDelivery": "._sinks",
    "SinkSettings": "._sinks",
    "FAMILIES": "._specs",
    "HOOK_FAMILIES": "._specs",
    "SessionRecord": "._storage",
    "SessionStore": "._storage",
    "SessionSummary": "._storage",
    "CommandArgs": "._tools",
    "ReadPath": "._tools",
    "RiskClass": "._tools",
    "Tool": "._tools",
    "ToolContext": "._tools",
    "ToolResult": "._tools",
    "ToolSource": "._tools",
    "ToolSourceSetup": "._tools",
    "WritePath": "._tools",
}


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'vtcode_hookspecs' has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_WHERE))


__all__ = [
    "EVENT_SCHEMA",
    "FAMILIES",
    "HOOK_EVENTS",
    "HOOK_FAMILIES",
    "PAYLOADS",
    "PROJECT_NAME",
    "SANDBOX_HOME_SECRETS",
    "SECURITY_EVENTS",
    "TRANSIENT_KINDS",
    "ActionRequest",
    "ChatChunk",
    "ChatMessage",
    "ChatRequest",
    "CommandArgs",
    "CommandSandbox",
    "Decision",
    "DurableSink",
    "Event",
    "EventSink",
    "HookAnswer",
    "HookEventName",
    "IndexStats",
    "Indexer",
    "LifecycleEvent",
    "ModelInfo",
    "ModelLoader",
    "Payload",
    "PreparedSpawn",
    "Provider",
    "ProviderError",
    "ProviderErrorKind",
    "ProviderHealth",
    "ProviderSettings",
    "ReadPath",
    "RiskClass",
    "SandboxAvailability",
    "SandboxBackend",
    "SandboxCleanup",
    "SandboxMode",
    "SandboxPreparer",
    "SandboxRequest",
    "SessionRecord",
    "SessionStore",
    "SessionSummary",
    "SinkDelivery",
    "SinkSettings",
    "Symbol",
    "SymbolKind",
    "Tool",
    "ToolCall",
    "ToolContext",
    "ToolResult",
    "ToolSource",
    "ToolSourceSetup",
    "ToolSpec",
    "Usage",
    "Verdict",
    "WritePath",
    "chain_hash",
    "hookimpl",
    "hookspec",
    "split_line",
]
