"""An agent over the real stack (plugins through the gate, policy, jail, approvals, sandbox, events) whose
model is the scripted provider: each test writes the model's turns."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from vtcode_hookspecs import ChatChunk

from vtcode.agent import Agent, AgentLimits, InterruptGate, ProviderBackend, SessionSaver, new_session
from vtcode.agent.outcome import Outcome
from vtcode.agent.stack import Stack, open_stack
from vtcode.approvals import Answer, ApprovalPrompt, Asker, NoTerminal
from vtcode.runtime import open_runtime
from vtcode.testing.provider import ScriptedModel
from vtcode.testing.provider import answer_turn as answer
from vtcode.testing.provider import tool_call_turn as call
from vtcode.workspace.trust import write_trust

__all__ = ["AgentHarness", "ApproveOnce", "answer", "call"]


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
    ) -> tuple[Outcome, Any, ScriptedModel]:
        model = ScriptedModel(turns, window=window)
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
