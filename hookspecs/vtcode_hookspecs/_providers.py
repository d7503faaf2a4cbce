"""LLM providers: streaming chat with tool calls, model listing and health.

A provider may also offer `configure(settings: ProviderSettings) -> Provider`: the core calls it with the
provider's `[providers.<name>]` settings and uses the object it returns, so the registered instance stays a
pristine template (one registered provider can serve several configured entries: two OpenAI-compatible
servers, say). Failures are raised as `ProviderError`, whose `kind` tells the core whether retrying or
failing over to the next provider can help.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Literal, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field, SecretStr


class ToolCall(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)

    id: str
    name: str
    arguments: str  # JSON text exactly as the model produced it; the core validates it


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)

    role: Literal["system", "user", "assistant", "tool"]
    content: str = ""
    tool_calls: list[ToolCall] = Field(default_factory=list)
    tool_call_id: str | None = None


class ToolSpec(BaseModel):
    """A tool as the model sees it: name, description and the JSON Schema of its arguments."""

    model_config = ConfigDict(extra="forbid", defer_build=True)

    name: str
    description: str
    parameters: dict[str, Any]


class ChatRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)

    model: str
    messages: list[ChatMessage]
    tools: list[ToolSpec] = Field(default_factory=list)
    max_tokens: int | None = None
    temperature: float | None = None


class Usage(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)

    input_tokens: int = 0
    cached_input_tokens: int = 0
    output_tokens: int = 0


class ChatChunk(BaseModel):
    """One streamed piece: text, a finished tool call, or the closing usage and finish reason."""

    model_config = ConfigDict(extra="forbid", defer_build=True)

    text: str = ""
    reasoning: str = ""
    tool_call: ToolCall | None = None
    finish_reason: str | None = None
    usage: Usage | None = None


class ModelInfo(BaseModel):
    """One model a server offers. Beyond the id, each field is None when the server does not say
    (a plain OpenAI `/v1/models` says nothing but ids): callers must not read None as False."""

    model_config = ConfigDict(extra="forbid", defer_build=True)

    id: str
    context_length: int | None = Field(
        default=None, description="the window a request gets: the loaded window if loaded, else the maximum"
    )
    loaded: bool | None = Field(default=None, description="in memory and ready to answer now")
    tool_use: bool | None = Field(default=None, description="the server says the model was trained for tools")
    max_context_length: int | None = Field(default=None, description="the most the model can be loaded with")
    size_bytes: int | None = Field(default=None, description="on disk, what loading it reads")
    display_name: str | None = None


class ProviderHealth(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)

    ok: bool
    detail: str


@runtime_checkable
class Provider(Protocol):
    @property
    def name(self) -> str: ...

    def models(self) -> list[ModelInfo]: ...

    def health(self) -> ProviderHealth: ...

    def chat(self, request: ChatRequest) -> Iterator[ChatChunk]: ...


@runtime_checkable
class ModelLoader(Protocol):
    """A provider that can load a model on its server (LM Studio). The core calls it only with the
    person's consent: the TUI after they picked the model, `exec` only for `--model` when the provider's
    config allows it. It blocks until the model is loaded and returns it as now listed. `can_load` says
    whether this server can (an LM Studio before 0.4.0 cannot); it is asked after `models()`."""

    def can_load(self) -> bool: ...

    def load_model(self, model: str, *, context_length: int | None = None) -> ModelInfo: ...


class ProviderSettings(BaseModel):
    """What the core tells a provider about where and how to reach its model (`[providers.<name>]`).

    `api_key` is resolved by the core from the environment variable `api_key_env` or the user's secret
    file, never from a workspace; it is a SecretStr so that no repr, log line or event can show it.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    name: str = Field(description="the chain entry this configures (may differ from the provider's name)")
    base_url: str | None = None
    model: str | None = None
    api_key: SecretStr | None = None
    timeout_s: float = Field(default=120.0, gt=0, description="longest wait for the next streamed byte")
    connect_timeout_s: float = Field(default=5.0, gt=0)
    context_length: int | None = Field(default=None, ge=1, description="overrides what the server reports")
    headers: dict[str, str] = {}
    options: dict[str, Any] = Field(default={}, description="the provider's own options, unvalidated")


ProviderErrorKind = Literal[
    "connection",  # nothing answered at the address
    "timeout",  # connected, but no answer in time
    "rate_limit",  # 429
    "server",  # 5xx
    "auth",  # 401/403: a wrong or missing key
    "not_found",  # 404: usually an unknown model
    "bad_request",  # 4xx: the request itself is wrong
    "protocol",  # the answer is not what the wire format says (malformed SSE, bad JSON)
]

# Errors another attempt or another provider may cure; the others are the user's to fix.
TRANSIENT_KINDS: frozenset[str] = frozenset({"connection", "timeout", "rate_limit", "server"})


class ProviderError(Exception):
    """A provider failed, in one line a user can act on; `kind` says whether to retry or fail over."""

    def __init__(
        self,
        message: str,
        *,
        kind: ProviderErrorKind,
        status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.kind: ProviderErrorKind = kind
        self.status = status
        self.retry_after = retry_after

    @property
    def transient(self) -> bool:
        return self.kind in TRANSIENT_KINDS
