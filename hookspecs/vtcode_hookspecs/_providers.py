"""LLM providers: streaming chat with tool calls, model listing and health."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Literal, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field


class ToolCall(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    name: str
    arguments: str  # JSON text exactly as the model produced it; the core validates it


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Literal["system", "user", "assistant", "tool"]
    content: str = ""
    tool_calls: list[ToolCall] = Field(default_factory=list)
    tool_call_id: str | None = None


class ToolSpec(BaseModel):
    """A tool as the model sees it: name, description and the JSON Schema of its arguments."""

    model_config = ConfigDict(extra="forbid")

    name: str
    description: str
    parameters: dict[str, Any]


class ChatRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    model: str
    messages: list[ChatMessage]
    tools: list[ToolSpec] = Field(default_factory=list)
    max_tokens: int | None = None
    temperature: float | None = None


class Usage(BaseModel):
    model_config = ConfigDict(extra="forbid")

    input_tokens: int = 0
    cached_input_tokens: int = 0
    output_tokens: int = 0


class ChatChunk(BaseModel):
    """One streamed piece: text, a finished tool call, or the closing usage and finish reason."""

    model_config = ConfigDict(extra="forbid")

    text: str = ""
    reasoning: str = ""
    tool_call: ToolCall | None = None
    finish_reason: str | None = None
    usage: Usage | None = None


class ModelInfo(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    context_length: int | None = None


class ProviderHealth(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ok: bool
    detail: str


@runtime_checkable
class Provider(Protocol):
    @property
    def name(self) -> str: ...

    def models(self) -> list[ModelInfo]: ...

    def health(self) -> ProviderHealth: ...

    def chat(self, request: ChatRequest) -> Iterator[ChatChunk]: ...
