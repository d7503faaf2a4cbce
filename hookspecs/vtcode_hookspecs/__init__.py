"""The vtcode plugin contract: hooks, the `hookimpl` marker, and the models plugins exchange with the core.

A plugin depends on this package alone. It imports nothing from `vtcode`.

    from vtcode_hookspecs import hookimpl

    @hookimpl
    def register_tools(register):
        register(MyTool())
"""

from __future__ import annotations

from ._decisions import ActionRequest, Decision, Verdict
from ._events import EVENT_SCHEMA, Event
from ._indexers import Indexer, IndexStats, Symbol, SymbolKind
from ._markers import PROJECT_NAME, hookimpl, hookspec
from ._providers import (
    ChatChunk,
    ChatMessage,
    ChatRequest,
    ModelInfo,
    Provider,
    ProviderHealth,
    ToolCall,
    ToolSpec,
    Usage,
)
from ._sandboxes import SandboxAvailability, SandboxBackend, SandboxMode, SandboxRequest
from ._sinks import EventSink
from ._specs import FAMILIES, HOOK_FAMILIES
from ._storage import SessionRecord, SessionStore, SessionSummary
from ._tools import CommandArgs, ReadPath, RiskClass, Tool, ToolContext, ToolResult, WritePath

__all__ = [
    "EVENT_SCHEMA",
    "FAMILIES",
    "HOOK_FAMILIES",
    "PROJECT_NAME",
    "ActionRequest",
    "ChatChunk",
    "ChatMessage",
    "ChatRequest",
    "CommandArgs",
    "Decision",
    "Event",
    "EventSink",
    "IndexStats",
    "Indexer",
    "ModelInfo",
    "Provider",
    "ProviderHealth",
    "ReadPath",
    "RiskClass",
    "SandboxAvailability",
    "SandboxBackend",
    "SandboxMode",
    "SandboxRequest",
    "SessionRecord",
    "SessionStore",
    "SessionSummary",
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
    "hookimpl",
    "hookspec",
]
