"""The llm.request / llm.response payloads: sizes and counts always, message text only when
`[events] llm_content = true` (events may leave the machine for a SIEM)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from vtcode_hookspecs import ChatChunk, ChatRequest, LlmRequest, LlmResponse


def request_payload(provider: str, request: ChatRequest, attempt: int, *, content: bool) -> LlmRequest:
    payload: dict[str, Any] = {
        "provider": provider,
        "model": request.model,
        "messages": len(request.messages),
        "tools": len(request.tools),
        "bytes": len(request.model_dump_json(exclude_defaults=True)),
        "attempt": attempt,
    }
    if content:
        payload["content"] = [m.model_dump(mode="json", exclude_defaults=True) for m in request.messages]
    return LlmRequest(**payload)


@dataclass
class ResponseTally:
    """What one streamed answer amounted to, gathered as the chunks pass through."""

    provider: str
    model: str
    started: float = field(default_factory=time.perf_counter)
    text: list[str] = field(default_factory=list)
    tool_calls: int = 0
    chunks: int = 0
    finish_reason: str | None = None
    input_tokens: int | None = None
    cached_input_tokens: int | None = None
    output_tokens: int | None = None

    def add(self, chunk: ChatChunk) -> None:
        self.chunks += 1
        if chunk.text:
            self.text.append(chunk.text)
        if chunk.tool_call is not None:
            self.tool_calls += 1
        if chunk.finish_reason:
            self.finish_reason = chunk.finish_reason
        if chunk.usage is not None:
            self.input_tokens = chunk.usage.input_tokens
            self.cached_input_tokens = chunk.usage.cached_input_tokens
            self.output_tokens = chunk.usage.output_tokens

    def payload(self, *, content: bool) -> LlmResponse:
        payload: dict[str, Any] = {
            "provider": self.provider,
            "model": self.model,
            "latency_ms": round((time.perf_counter() - self.started) * 1000, 3),
            "finish_reason": self.finish_reason,
            "tool_calls": self.tool_calls,
        }
        for key in ("input_tokens", "cached_input_tokens", "output_tokens"):
            if getattr(self, key) is not None:
                payload[key] = getattr(self, key)
        if content:
            payload["content"] = "".join(self.text)
        return LlmResponse(**payload)
