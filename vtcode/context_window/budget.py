"""The token budget of one model: its window (config, else provider metadata, else a cautious default),
minus what is reserved for the reply."""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_WINDOW = 8_192


@dataclass(frozen=True)
class ContextBudget:
    window: int  # the model's context window, in tokens
    reserve: int  # kept free for the model's reply
    source: str  # where the window came from: "config", "provider" or "default"

    @property
    def input_tokens(self) -> int:
        """The most a request may hold."""
        return self.window - self.reserve

    @property
    def tool_output_tokens(self) -> int:
        """The most one tool result may hold: an eighth of the input budget, so one large output cannot
        crowd out the task and the turns around it."""
        return max(256, self.input_tokens // 8)


def context_budget(configured: int | None, provided: int | None, max_output_tokens: int) -> ContextBudget:
    """The smaller of a configured window and the provider's (a config may only narrow what the model has)."""
    if configured is not None and provided is not None:
        window, source = (configured, "config") if configured <= provided else (provided, "provider")
    elif configured is not None:
        window, source = configured, "config"
    elif provided is not None and provided > 0:
        window, source = provided, "provider"
    else:
        window, source = DEFAULT_WINDOW, "default"
    reserve = min(max_output_tokens, window // 4)
    return ContextBudget(window=window, reserve=reserve, source=source)
