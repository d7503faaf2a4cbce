"""The `litellm` provider: `model` names the cloud model the litellm way ("anthropic/claude-...",
"openai/gpt-4o"); the key comes from the settings (the core resolved it) or litellm's usual variables."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from vtcode_hookspecs import (
    ChatChunk,
    ChatRequest,
    ModelInfo,
    ProviderError,
    ProviderHealth,
    ProviderSettings,
)

from vtcode.api import StreamAssembler, one_line, reply_cap, request_body

from .errors import provider_error
from .loader import litellm


class LiteLLMProvider:
    name = "litellm"

    def __init__(self, settings: ProviderSettings | None = None) -> None:
        self.settings = settings or ProviderSettings(name=self.name)

    def configure(self, settings: ProviderSettings) -> LiteLLMProvider:
        return LiteLLMProvider(settings)

    def models(self) -> list[ModelInfo]:
        """The configured model only: cloud catalogues are large, and listing them costs a request."""
        model = self.settings.model
        if not model:
            return []
        return [ModelInfo(id=model, context_length=self.settings.context_length or self._window(model))]

    def health(self) -> ProviderHealth:
        if not self.settings.model:
            return ProviderHealth(
                ok=False, detail=f'set [providers.{self.settings.name}] model, e.g. "openai/gpt-4o"'
            )
        where = f" via {self.settings.base_url}" if self.settings.base_url else ""
        return ProviderHealth(ok=True, detail=f"litellm: {self.settings.model}{where} (not contacted)")

    def chat(self, request: ChatRequest) -> Iterator[ChatChunk]:
        module = litellm()
        secret = self.settings.api_key.get_secret_value() if self.settings.api_key else None
        body = request_body(request, stream=True)
        kwargs: dict[str, Any] = {
            "max_retries": 0,  # the chain retries and fails over; a second layer would multiply waits
            **self.settings.options,
            "timeout": self.settings.timeout_s,
            "api_base": self.settings.base_url,
            "api_key": secret,
            "extra_headers": dict(self.settings.headers) or None,
        }
        try:
            stream = module.completion(**body, **{k: v for k, v in kwargs.items() if v is not None})
            assembler = StreamAssembler(max_bytes=reply_cap(request.max_tokens))  # as the wire caps it
            for chunk in stream:
                yield from assembler.feed(_as_dict(chunk))
            yield from assembler.finish()
        except ProviderError:
            raise
        except Exception as exc:
            raise provider_error(exc, label=f"litellm ({request.model})", secret=secret) from None

    def _window(self, model: str) -> int | None:
        try:  # litellm's bundled model table: local, no request
            info = litellm().get_model_info(model)
        except Exception:
            return None
        window = info.get("max_input_tokens") or info.get("max_tokens")
        return int(window) if isinstance(window, int) else None


def _as_dict(chunk: Any) -> dict[str, Any]:
    if isinstance(chunk, dict):
        return chunk
    dumped = chunk.model_dump() if hasattr(chunk, "model_dump") else {}
    if not isinstance(dumped, dict):
        raise ProviderError(
            f"litellm sent an unexpected chunk: {one_line(repr(chunk), limit=80)}", kind="protocol"
        )
    return dumped
