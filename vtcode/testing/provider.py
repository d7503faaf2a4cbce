"""A scripted model: each `chat` replays the next turn, and every request is kept, so a test can check
what the agent sent (tool specs, tool results) without a model or a network."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

from vtcode_hookspecs import ChatChunk, ChatRequest, ModelInfo, ProviderHealth, ToolCall

SCRIPTED_MODEL = "scripted-replay"

Turn = Sequence[ChatChunk | Exception]


def tool_call_turn(tool: str, call_id: str = "", text: str = "", **arguments: Any) -> list[ChatChunk]:
    """A model turn that asks for one tool call, with `arguments` as its JSON arguments."""
    call = ToolCall(id=call_id or f"call-{tool}", name=tool, arguments=json.dumps(arguments))
    return [ChatChunk(text=text), ChatChunk(tool_call=call, finish_reason="tool_calls")]


def answer_turn(text: str) -> list[ChatChunk]:
    """A model turn that answers without calling a tool (the end of a run)."""
    return [ChatChunk(text=text, finish_reason="stop")]


class ScriptedModel:
    """A `Provider` that replays `turns`. An exception in a turn is raised mid-stream, to test failures;
    when the script runs out it answers "(script exhausted)"."""

    def __init__(
        self, turns: Sequence[Turn] = (), *, name: str = "scripted", window: int | None = 32_768
    ) -> None:
        self.name = name
        self.turns = list(turns)  # each turn is iterated only when the model is asked: it may be lazy
        self.window = window
        self.requests: list[ChatRequest] = []

    def models(self) -> list[ModelInfo]:
        return [ModelInfo(id=SCRIPTED_MODEL, context_length=self.window)]

    def health(self) -> ProviderHealth:
        return ProviderHealth(ok=True, detail=f"scripted replay, not a model ({len(self.turns)} turns left)")

    def chat(self, request: ChatRequest) -> Iterator[ChatChunk]:
        self.requests.append(request)
        if not self.turns:
            yield from answer_turn("(script exhausted)")
            return
        for chunk in self.turns.pop(0):
            if isinstance(chunk, Exception):
                raise chunk
            yield chunk
