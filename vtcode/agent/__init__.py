"""The agent loop: a model's tool calls through the whole security stack, with limits and a stop reason."""

from .backend import ChatBackend, ProviderBackend
from .interrupt import InterruptGate
from .limits import AgentLimits
from .loop import Agent, ToolCaller
from .outcome import EXIT_STATUS, Outcome, StopReason
from .session import SessionSaver, new_session
from .specs import system_prompt, tool_specs

__all__ = [
    "EXIT_STATUS",
    "Agent",
    "AgentLimits",
    "ChatBackend",
    "InterruptGate",
    "Outcome",
    "ProviderBackend",
    "SessionSaver",
    "StopReason",
    "ToolCaller",
    "new_session",
    "system_prompt",
    "tool_specs",
]
