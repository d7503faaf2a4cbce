"""The limits of one run (config `[agent]`, `tools.max_repeated_tool_calls`, `tools.max_tool_loops`): DoS
protection against a model that loops, floods tool calls or talks forever."""

from __future__ import annotations

import json
from dataclasses import dataclass

from vtcode.config.models import VtcodeConfig


@dataclass(frozen=True)
class AgentLimits:
    max_turns: int = 50
    max_tool_calls_per_turn: int = 16
    max_wall_time_s: float = 1_800.0
    max_tokens: int = 2_000_000
    max_repeated_tool_calls: int = 3

    @classmethod
    def from_config(cls, config: VtcodeConfig, *, max_turns: int | None = None) -> AgentLimits:
        """The configured limits; `max_turns` (the CLI's --max-turns) may only lower them."""
        turns = min(config.agent.max_turns, config.tools.max_tool_loops)
        return cls(
            max_turns=min(turns, max_turns) if max_turns is not None else turns,
            max_tool_calls_per_turn=config.agent.max_tool_calls_per_turn,
            max_wall_time_s=config.agent.max_wall_time_s,
            max_tokens=config.agent.max_tokens,
            max_repeated_tool_calls=config.tools.max_repeated_tool_calls,
        )


class RepeatGuard:
    """Counts identical tool calls (same tool, same arguments once parsed): a model stuck in a loop
    asks for the same thing again and again, each time at the cost of a real action."""

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._seen: dict[tuple[str, str], int] = {}

    def count(self, name: str, arguments: str) -> int:
        """Record one call and return how many times this exact call has now been made."""
        key = (name, _canonical(arguments))
        self._seen[key] = self._seen.get(key, 0) + 1
        return self._seen[key]

    def over(self, times: int) -> bool:
        return times > self._limit


def _canonical(arguments: str) -> str:
    try:
        return json.dumps(json.loads(arguments or "{}"), sort_keys=True, separators=(",", ":"))
    except (json.JSONDecodeError, TypeError):
        return arguments
