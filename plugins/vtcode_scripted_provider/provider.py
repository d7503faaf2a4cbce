"""Replay scripted turns: each call to `chat` yields the next turn's chunks."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from vtcode_hookspecs import ChatChunk, ChatRequest, ModelInfo, ProviderHealth

MODEL_ID = "scripted-replay"


class ScriptedProvider:
    name = "scripted"

    def __init__(self, turns: Sequence[Sequence[ChatChunk]] = ()) -> None:
        self._turns = [list(turn) for turn in turns]
        self._next = 0

    def load(self, turns: Sequence[Sequence[ChatChunk]]) -> None:
        self._turns = [list(turn) for turn in turns]
        self._next = 0

    def models(self) -> list[ModelInfo]:
        return [ModelInfo(id=MODEL_ID, context_length=32_768)]

    def health(self) -> ProviderHealth:
        return ProviderHealth(
            ok=True, detail=f"scripted replay, not a model ({len(self._turns)} turns loaded)"
        )

    def chat(self, request: ChatRequest) -> Iterator[ChatChunk]:
        if self._next >= len(self._turns):
            yield ChatChunk(text="(scripted provider: script exhausted)", finish_reason="stop")
            return
        turn = self._turns[self._next]
        self._next += 1
        yield from turn
