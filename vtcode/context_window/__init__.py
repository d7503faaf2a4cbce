"""Context management: what of a session's transcript is sent to the model, so a request never exceeds the
model's window. Counting is an estimate (see tokens.py); the strategy is in window.py."""

from .budget import ContextBudget, context_budget
from .tokens import estimate_tokens, message_tokens, request_tokens
from .truncate import head_tail
from .window import ContextOverflow, Fitted, fit_messages

__all__ = [
    "ContextBudget",
    "ContextOverflow",
    "Fitted",
    "context_budget",
    "estimate_tokens",
    "fit_messages",
    "head_tail",
    "message_tokens",
    "request_tokens",
]
