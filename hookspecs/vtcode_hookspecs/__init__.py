"""The vtcode plugin contract: hooks, the `hookimpl` marker, and the models plugins exchange with the core.

A plugin depends on this package alone. It imports nothing from `vtcode`.

    from vtcode_hookspecs import hookimpl

    @hookimpl
    def register_tools(register):
        register(MyTool())
"""

from __future__ import annotations

from ._chain import chain_hash, split_line
from ._decisions import ActionRequest, Decision, Verdict
from ._events import EVENT_SCHEMA, Event
from ._indexers import Indexer, IndexStats, Symbol, SymbolKind
from ._markers import PROJECT_NAME, hookimpl, hookspec
from ._payloads import PAYLOADS, SECURITY_EVENTS, Payload
from ._providers import (
    TRANSIENT_KINDS,
    ChatChunk,
    ChatMessage,
    ChatRequest,
    ModelInfo,
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
from ._sinks import DurableSink, EventSink, SinkDelivery, SinkSettings
from ._specs import FAMILIES, HOOK_FAMILIES
from ._storage import SessionRecord, SessionStore, SessionSummary
from ._tools import CommandArgs, ReadPath, RiskClass, Tool, ToolContext, ToolResult, WritePath

__all__ = [
    "EVENT_SCHEMA",
    "FAMILIES",
    "HOOK_FAMILIES",
    "PAYLOADS",
    "PROJECT_NAME",
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
    "IndexStats",
    "Indexer",
    "ModelInfo",
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
    "ToolSpec",
    "Usage",
    "Verdict",
    "WritePath",
    "chain_hash",
    "hookimpl",
    "hookspec",
    "split_line",
]
