"""The vtcode plugin contract: hooks, the `hookimpl` marker, and the models plugins exchange with the core.

A plugin depends on this contract and on the declared runtime API `vtcode.api` (the jail, typed errors,
atomic writes, the OpenAI wire helpers...), both versioned by `API_VERSION`; it imports nothing else from
`vtcode` (docs/plugins/author-guide.md, tests/core/test_plugin_api.py). This package imports no `vtcode` code.

    from vtcode_hookspecs import hookimpl

    @hookimpl
    def register_tools(register):
        register(MyTool())

The hash chain of the audit trail is the public submodule `vtcode_hookspecs.chain`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# Names are imported on first use (PEP 562): `vtcode check` needs the decisions, not the provider or
# payload models, and every pydantic model built at import costs start-up time. The block below is for
# type checkers and lists the same names as _FROM (tests/core/test_plugin_api.py checks that they agree).
if TYPE_CHECKING:
    from ._decisions import ActionRequest as ActionRequest
    from ._decisions import Decision as Decision
    from ._decisions import RuleId as RuleId
    from ._decisions import Verdict as Verdict
    from ._events import EVENT_SCHEMA as EVENT_SCHEMA
    from ._events import Event as Event
    from ._indexers import Indexer as Indexer
    from ._indexers import IndexStats as IndexStats
    from ._indexers import Symbol as Symbol
    from ._indexers import SymbolKind as SymbolKind
    from ._lifecycle import HOOK_EVENTS as HOOK_EVENTS
    from ._lifecycle import HookAnswer as HookAnswer
    from ._lifecycle import HookEventName as HookEventName
    from ._lifecycle import LifecycleEvent as LifecycleEvent
    from ._markers import PROJECT_NAME as PROJECT_NAME
    from ._markers import hookimpl as hookimpl
    from ._markers import hookspec as hookspec
    from ._payloads import EVENT_TYPES as EVENT_TYPES
    from ._payloads import PAYLOADS as PAYLOADS
    from ._payloads import SECURITY_EVENTS as SECURITY_EVENTS
    from ._payloads import AgentStopped as AgentStopped
    from ._payloads import ApprovalAnswered as ApprovalAnswered
    from ._payloads import ApprovalRequested as ApprovalRequested
    from ._payloads import Approver as Approver
    from ._payloads import CheckpointsPruned as CheckpointsPruned
    from ._payloads import CommandFinished as CommandFinished
    from ._payloads import CommandOutput as CommandOutput
    from ._payloads import CommandStarted as CommandStarted
    from ._payloads import ConfigLoaded as ConfigLoaded
    from ._payloads import ConfigNotice as ConfigNotice
    from ._payloads import Error as Error
    from ._payloads import HookRan as HookRan
    from ._payloads import InstructionFile as InstructionFile
    from ._payloads import InstructionsLoaded as InstructionsLoaded
    from ._payloads import LlmReasoning as LlmReasoning
    from ._payloads import LlmRequest as LlmRequest
    from ._payloads import LlmResponse as LlmResponse
    from ._payloads import McpApproval as McpApproval
    from ._payloads import McpCall as McpCall
    from ._payloads import McpServer as McpServer
    from ._payloads import NetworkRequest as NetworkRequest
    from ._payloads import Payload as Payload
    from ._payloads import PluginBlocked as PluginBlocked
    from ._payloads import PluginDiscovered as PluginDiscovered
    from ._payloads import PluginSignedOff as PluginSignedOff
    from ._payloads import PolicyDecision as PolicyDecision
    from ._payloads import ProviderFailover as ProviderFailover
    from ._payloads import SandboxApplied as SandboxApplied
    from ._payloads import SandboxDenied as SandboxDenied
    from ._payloads import SandboxFacts as SandboxFacts
    from ._payloads import SandboxFullAccess as SandboxFullAccess
    from ._payloads import SandboxSelected as SandboxSelected
    from ._payloads import SandboxUnsandboxed as SandboxUnsandboxed
    from ._payloads import SandboxViolation as SandboxViolation
    from ._payloads import SessionEnded as SessionEnded
    from ._payloads import SessionStarted as SessionStarted
    from ._payloads import SkippedInstructions as SkippedInstructions
    from ._payloads import ToolFinished as ToolFinished
    from ._payloads import ToolRefused as ToolRefused
    from ._payloads import ToolStarted as ToolStarted
    from ._payloads import TurnCompleted as TurnCompleted
    from ._payloads import TurnStarted as TurnStarted
    from ._payloads import WorkspaceTrust as WorkspaceTrust
    from ._providers import TRANSIENT_KINDS as TRANSIENT_KINDS
    from ._providers import ChatChunk as ChatChunk
    from ._providers import ChatMessage as ChatMessage
    from ._providers import ChatRequest as ChatRequest
    from ._providers import ModelInfo as ModelInfo
    from ._providers import ModelLoader as ModelLoader
    from ._providers import Provider as Provider
    from ._providers import ProviderError as ProviderError
    from ._providers import ProviderErrorKind as ProviderErrorKind
    from ._providers import ProviderHealth as ProviderHealth
    from ._providers import ProviderSettings as ProviderSettings
    from ._providers import ToolCall as ToolCall
    from ._providers import ToolSpec as ToolSpec
    from ._providers import Usage as Usage
    from ._sandboxes import CommandSandbox as CommandSandbox
    from ._sandboxes import PreparedSpawn as PreparedSpawn
    from ._sandboxes import SandboxAvailability as SandboxAvailability
    from ._sandboxes import SandboxBackend as SandboxBackend
    from ._sandboxes import SandboxCleanup as SandboxCleanup
    from ._sandboxes import SandboxMode as SandboxMode
    from ._sandboxes import SandboxPreparer as SandboxPreparer
    from ._sandboxes import SandboxRequest as SandboxRequest
    from ._secrets import SANDBOX_HOME_SECRETS as SANDBOX_HOME_SECRETS
    from ._sinks import DurableSink as DurableSink
    from ._sinks import EventSink as EventSink
    from ._sinks import SinkDelivery as SinkDelivery
    from ._sinks import SinkSettings as SinkSettings
    from ._sources import ServerReport as ServerReport
    from ._sources import SourceOffer as SourceOffer
    from ._sources import SourceServer as SourceServer
    from ._specs import FAMILIES as FAMILIES
    from ._specs import HOOK_FAMILIES as HOOK_FAMILIES
    from ._storage import SessionRecord as SessionRecord
    from ._storage import SessionStore as SessionStore
    from ._storage import SessionSummary as SessionSummary
    from ._tools import CommandArgs as CommandArgs
    from ._tools import ReadPath as ReadPath
    from ._tools import RiskClass as RiskClass
    from ._tools import Tool as Tool
    from ._tools import ToolContext as ToolContext
    from ._tools import ToolResult as ToolResult
    from ._tools import ToolSource as ToolSource
    from ._tools import ToolSourceSetup as ToolSourceSetup
    from ._tools import WritePath as WritePath
    from ._version import API_VERSION as API_VERSION
    from .chain import chain_hash as chain_hash
    from .chain import split_line as split_line

_FROM: dict[str, tuple[str, ...]] = {
    "._decisions": ("ActionRequest", "Decision", "RuleId", "Verdict"),
    "._events": ("EVENT_SCHEMA", "Event"),
    "._indexers": ("IndexStats", "Indexer", "Symbol", "SymbolKind"),
    "._lifecycle": ("HOOK_EVENTS", "HookAnswer", "HookEventName", "LifecycleEvent"),
    "._markers": ("PROJECT_NAME", "hookimpl", "hookspec"),
    "._payloads": (
        "AgentStopped",
        "ApprovalAnswered",
        "ApprovalRequested",
        "Approver",
        "CheckpointsPruned",
        "CommandFinished",
        "CommandOutput",
        "CommandStarted",
        "ConfigLoaded",
        "ConfigNotice",
        "EVENT_TYPES",
        "Error",
        "HookRan",
        "InstructionFile",
        "InstructionsLoaded",
        "LlmReasoning",
        "LlmRequest",
        "LlmResponse",
        "McpApproval",
        "McpCall",
        "McpServer",
        "NetworkRequest",
        "PAYLOADS",
        "Payload",
        "PluginBlocked",
        "PluginDiscovered",
        "PluginSignedOff",
        "PolicyDecision",
        "ProviderFailover",
        "SECURITY_EVENTS",
        "SandboxApplied",
        "SandboxDenied",
        "SandboxFacts",
        "SandboxFullAccess",
        "SandboxSelected",
        "SandboxUnsandboxed",
        "SandboxViolation",
        "SessionEnded",
        "SessionStarted",
        "SkippedInstructions",
        "ToolFinished",
        "ToolRefused",
        "ToolStarted",
        "TurnCompleted",
        "TurnStarted",
        "WorkspaceTrust",
    ),
    "._providers": (
        "ChatChunk",
        "ChatMessage",
        "ChatRequest",
        "ModelInfo",
        "ModelLoader",
        "Provider",
        "ProviderError",
        "ProviderErrorKind",
        "ProviderHealth",
        "ProviderSettings",
        "TRANSIENT_KINDS",
        "ToolCall",
        "ToolSpec",
        "Usage",
    ),
    "._sandboxes": (
        "CommandSandbox",
        "PreparedSpawn",
        "SandboxAvailability",
        "SandboxBackend",
        "SandboxCleanup",
        "SandboxMode",
        "SandboxPreparer",
        "SandboxRequest",
    ),
    "._secrets": ("SANDBOX_HOME_SECRETS",),
    "._sinks": ("DurableSink", "EventSink", "SinkDelivery", "SinkSettings"),
    "._sources": ("ServerReport", "SourceOffer", "SourceServer"),
    "._specs": ("FAMILIES", "HOOK_FAMILIES"),
    "._storage": ("SessionRecord", "SessionStore", "SessionSummary"),
    "._tools": (
        "CommandArgs",
        "ReadPath",
        "RiskClass",
        "Tool",
        "ToolContext",
        "ToolResult",
        "ToolSource",
        "ToolSourceSetup",
        "WritePath",
    ),
    "._version": ("API_VERSION",),
    ".chain": ("chain_hash", "split_line"),
}
_WHERE: dict[str, str] = {name: module for module, names in _FROM.items() for name in names}

__all__ = sorted(_WHERE)  # built from _FROM, so the names are listed once


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'vtcode_hookspecs' has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_WHERE))
