"""Collect one streamed reply: its text, the stated reasoning, the tool calls and the usage.

The deadline is checked between chunks, so a model that streams forever is stopped by the wall-time limit.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from vtcode_hookspecs import ChatChunk, ChatMessage, ToolCall, Usage


class DeadlinePassed(Exception):
    """The wall-time limit passed while the model was still replying."""


@dataclass
class Reply:
    text: str = ""
    reasoning: str = ""
    tool_calls: list[ToolCall] = field(default_factory=list)
    usage: Usage | None = None
    finish_reason: str | None = None

    def message(self) -> ChatMessage:
        return ChatMessage(role="assistant", content=self.text, tool_calls=list(self.tool_calls))


def collect(
    chunks: Iterable[ChatChunk], deadline: float, clock: Callable[[], float] = time.monotonic
) -> Reply:
    reply = Reply()
    text: list[str] = []
    reasoning: list[str] = []
    for chunk in chunks:
        text.append(chunk.text)
        reasoning.append(chunk.reasoning)
        if chunk.tool_call is not None:
            reply.tool_calls.append(chunk.tool_call)
        if chunk.usage is not None:
            reply.usage = chunk.usage
        if chunk.finish_reason is not None:
            reply.finish_reason = chunk.finish_reason
        if clock() > deadline:
            raise DeadlinePassed
    reply.text = "".join(text)
    reply.reasoning = "".join(reasoning)
    return reply
