"""Collect one streamed reply: its text, the stated reasoning, the tool calls and the usage.

The deadline is enforced on a clock: it is checked between chunks, and the wire caps every socket wait at what
is left of it (vtcode/providers/deadline.py), so a server that sends only keep-alive comments, or nothing, is
stopped too. The token limit is counted as the reply streams in: reading stops as soon as it is passed,
instead of buffering a reply that will be refused anyway.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from vtcode_hookspecs import ChatChunk, ChatMessage, ToolCall, Usage

from vtcode.context_window.tokens import BYTES_PER_TOKEN
from vtcode.providers.deadline import reading_until

CALL_OVERHEAD = 64  # what one tool call counts beyond its name, id and arguments (as the wire counts it)


class DeadlinePassed(Exception):
    """The wall-time limit passed while the model was still replying."""


class TokensPassed(Exception):
    """The reply, as it streamed in, passed the tokens left to the run (`agent.max_tokens`)."""

    def __init__(self, tokens: int) -> None:
        super().__init__(f"about {tokens} tokens")
        self.tokens = tokens


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
    chunks: Iterable[ChatChunk],
    deadline: float,
    clock: Callable[[], float] = time.monotonic,
    *,
    max_tokens: int | None = None,
) -> Reply:
    """`max_tokens`: what the run has left for this reply (estimated at BYTES_PER_TOKEN, like requests)."""
    reply = Reply()
    text: list[str] = []
    reasoning: list[str] = []
    limit = None if max_tokens is None else max(max_tokens, 0) * BYTES_PER_TOKEN
    received = 0
    # The wire's deadline is on time.monotonic(); a test's clock only drives the checks between chunks.
    wire_deadline = deadline if clock is time.monotonic else None
    stream = iter(chunks)
    try:
        with reading_until(wire_deadline):
            for chunk in stream:
                text.append(chunk.text)
                reasoning.append(chunk.reasoning)
                received += len(chunk.text) + len(chunk.reasoning)
                if chunk.tool_call is not None:
                    reply.tool_calls.append(chunk.tool_call)
                    call = chunk.tool_call  # every part counts: 16,000 calls with 60 KB names are 1 GB
                    received += len(call.arguments) + len(call.name) + len(call.id) + CALL_OVERHEAD
                if chunk.finish_reason is not None:
                    received += len(chunk.finish_reason)
                if chunk.usage is not None:
                    reply.usage = chunk.usage
                if chunk.finish_reason is not None:
                    reply.finish_reason = chunk.finish_reason
                if clock() > deadline:
                    raise DeadlinePassed
                if limit is not None and received > limit:
                    raise TokensPassed(-(-received // BYTES_PER_TOKEN))
    except Exception:
        if clock() > deadline:
            raise DeadlinePassed from None  # whatever the provider made of the deadline, it is the limit
        raise
    finally:
        close = getattr(stream, "close", None)
        if callable(close):
            close()  # a reply cut short drops its connection now, not when collected
    reply.text = "".join(text)
    reply.reasoning = "".join(reasoning)
    return reply
