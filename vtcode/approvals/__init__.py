"""Human-in-the-loop approvals: ask, record who answered what about exactly which action."""

from .askers import NoTerminal, TerminalAsker
from .broker import Answer, ApprovalBroker, ApprovalPrompt, Asker, action_digest

__all__ = [
    "Answer",
    "ApprovalBroker",
    "ApprovalPrompt",
    "Asker",
    "NoTerminal",
    "TerminalAsker",
    "action_digest",
]
