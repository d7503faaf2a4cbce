"""An agent over the real stack (plugins through the gate, policy, jail, approvals, sandbox, events) whose
model is the scripted provider: each test writes the model's turns."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from vtcode_hookspecs import ChatChunk, ChatRequest, ModelInfo, ProviderHealth, ToolCall

from vtcode.agent import Agent, AgentLimits, InterruptGate, ProviderBackend, SessionSaver, new_session
from vtcode.agent.outcome import Outcome
from vtcode.agent.stack import Stack, open_stack
from vtcode.approvals import Answer, ApprovalPrompt, Asker, NoTerminal
from vtcode.runtime import open_runtime
from vtcode.workspace.trust import write_trust


def call(name: str, call_id: str = "", text: str = "", **arguments: Any) -> list[ChatChunk]:
    """A model turn asking for one tool call (with `text` as its stated reason)."""
    tool_call = ToolCall(id=call_id or f"call-{name}", name=name, arguments=json.dumps(arguments))
    return [ChatChunk(text=text), ChatChunk(tool_call=tool_call, finish_reason="tool_calls")]


def answer(text: str) -> list[ChatChunk]:
    return [ChatChunk(text=text, finish_reason="stop")]


class RecordingModel:
    """The scripted provider's behaviour, and it keeps every request it was sent."""

    name = "scripted"

    def __init__(self, turns: Sequence[Sequence[ChatChunk | Exception]], window: int | None = 32_768) -> None:
        self.turns = list(turns)  # each turn is iterated only when the model is asked (it may be lazy)
        self.window = window
        self.requests: list[ChatRequest] = []

    def models(self) -> list[ModelInfo]:
        return [ModelInfo(id="scripted-replay", context_length=self.window)]

    def health(self) -> ProviderHealth:
        return ProviderHealth(ok=True, detail="test")

    def chat(self, request: ChatRequest) -> Iterator[ChatChunk]:
        self.requests.append(request)
        if not self.turns:
            yield from answer("(script exhausted)")
            return
        for chunk in self.turns.pop(0):
            if isinstance(chunk, Exception):  # a scripted failure mid-stream
                raise chunk
            yield chunk


class ApproveOnce:
    """A person who approves every prompt once (and is recorded as such)."""

    who = {"user": "tester", "source": "test"}

    def ask(self, prompt: ApprovalPrompt) -> Answer:
        return Answer.ONCE


class AgentHarness:
    def __init__(
        self,
        workspace: Path,
        *,
        trusted: bool = True,
        overrides: Sequence[str] = (),
        asker: Asker | None = None,
    ) -> None:
        if trusted:
            write_trust(workspace)
        self.workspace = workspace
        self.runtime = open_runtime(workspace, overrides=overrides, attach_sinks=False)
        self.stack: Stack = open_stack(self.runtime, workspace, asker=asker or NoTerminal())
        self.bus = self.runtime.bus
        self.start = len(self.bus.history)

    def run(
        self,
        turns: Sequence[Sequence[ChatChunk | Exception]],
        prompt: str = "do the task",
        *,
        limits: AgentLimits | None = None,
        window: int | None = 32_768,
        context_window: int | None = None,
        session: Any = None,
        gate: InterruptGate | None = None,
        store: Any = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> tuple[Outcome, Any, RecordingModel]:
        model = RecordingModel(turns, window)
        agent = Agent(
            ProviderBackend(model),
            self.stack.runner,
            self.stack.specs,
            self.bus,
            model="scripted-replay",
            limits=limits or AgentLimits(),
            context_window=context_window,
            saver=SessionSaver(store, self.bus),
            gate=gate,
            clock=clock,
        )
        record = session or new_session(
            self.bus.session, self.workspace, model="scripted-replay", provider="t"
        )
        outcome, saved = agent.run(record, prompt)
        return outcome, saved, model

    def events(self, type: str) -> list[dict[str, Any]]:
        return [e.payload for e in self.bus.history[self.start :] if e.type == type]
