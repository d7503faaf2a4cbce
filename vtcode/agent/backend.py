"""What the loop needs from a model: streamed chat and the model's window. A provider chain is one; a bare
provider (the scripted one in tests and the demo) is adapted with ProviderBackend."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

from vtcode_hookspecs import ChatChunk, ChatRequest, Provider


class ChatBackend(Protocol):
    def chat(self, request: ChatRequest) -> Iterator[ChatChunk]: ...

    def context_length(self, model: str) -> int | None: ...


class ProviderBackend:
    """One provider, no failover: its model list says the window."""

    def __init__(self, provider: Provider) -> None:
        self.provider = provider

    @property
    def name(self) -> str:
        return self.provider.name

    def chat(self, request: ChatRequest) -> Iterator[ChatChunk]:
        return self.provider.chat(request)

    def context_length(self, model: str) -> int | None:
        for info in self.provider.models():
            if info.id == model:
                return info.context_length
        return None
