"""The agent loop: ask the model, run the tool calls it makes through the ToolRunner (validation, policy,
approval, sandbox, events), hand the results back, until it answers without a tool call or a limit, a
failure or Ctrl-C stops it. Every step leaves an event; the transcript is saved after every turn."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from vtcode_hookspecs import (
    AgentStopped,
    ChatMessage,
    ChatRequest,
    LlmReasoning,
    SessionRecord,
    ToolCall,
    ToolFinished,
    ToolRefused,
    ToolSpec,
    TurnCompleted,
    TurnStarted,
    Verdict,
)

from vtcode.context_window import ContextOverflow, context_budget, estimate_tokens, fit_messages
from vtcode.events import EventBus
from vtcode.events.errors import AuditUnavailable
from vtcode.providers.deadline import reading_until
from vtcode.signals import interrupt_cause

from .backend import ChatBackend
from .interrupt import InterruptGate
from .limits import AgentLimits, RepeatGuard
from .outcome import Outcome, StopReason
from .reply import DeadlinePassed, Reply, TokensPassed, collect
from .session import SessionSaver

if TYPE_CHECKING:  # the runner's module brings the policy engine: exec opens that later (opening.py)
    from vtcode.hooks import HookRunner
    from vtcode.tools.runner import CallRecord

    from .instructions import ProjectInstructions


class ToolCaller(Protocol):
    def call(self, name: str, arguments: str | dict[str, Any], call_id: str = "") -> CallRecord: ...


class Stop(Exception):
    """Ends the run with a reason; raised from deep in a turn, caught once in `run`."""

    def __init__(self, reason: StopReason, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


@dataclass
class _Run:
    messages: list[ChatMessage]
    started: float
    turns: int = 0
    tool_calls: int = 0
    tokens: int = 0
    last_refused: str | None = None  # why the latest tool call was refused, if it was
    answer: str = ""
    guard: RepeatGuard = field(default_factory=lambda: RepeatGuard(3))


class Agent:
    def __init__(
        self,
        backend: ChatBackend,
        runner: ToolCaller,
        specs: list[ToolSpec],
        bus: EventBus,
        *,
        model: str,
        limits: AgentLimits,
        context_window: int | None = None,
        max_output_tokens: int = 4_096,
        saver: SessionSaver | None = None,
        gate: InterruptGate | None = None,
        clock: Callable[[], float] = time.monotonic,
        instructions: ProjectInstructions | None = None,
        hooks: HookRunner | None = None,
        start_context: str = "",
        more_specs: Callable[[], list[ToolSpec]] | None = None,
    ) -> None:
        self.more_specs = more_specs  # tools that appear while the session runs (MCP servers)
        self.backend = backend
        self.runner = runner
        self.specs = specs
        self.bus = bus
        self.model = model
        self.limits = limits
        self.saver = saver or SessionSaver(None, bus)
        self.gate = gate or InterruptGate()
        self.clock = clock
        self.instructions = instructions
        self.hooks = hooks
        self.start_context = start_context  # session_start hooks' messages, added to the first prompt
        self.budget = context_budget(context_window, backend.context_length(model), max_output_tokens)

    def run(self, session: SessionRecord, prompt: str) -> tuple[Outcome, SessionRecord]:
        """Continue `session` with the user's `prompt`; the outcome and the session as saved."""
        refused: str | None = None
        content = prompt
        if self.start_context:
            content, self.start_context = f"{content}\n\n{self.start_context}", ""
        if self.hooks is not None:
            said = self.hooks.user_prompt(prompt)
            if said.deny is not None:
                refused = f"the prompt was refused by hook {said.deny[0]}: {said.deny[1]}"
            elif said.messages:
                content = f"{content}\n\n{said.model_text()}"
        # A refused prompt is not kept either: a hook may refuse it for what it holds (a secret).
        asked = [] if refused is not None else [ChatMessage(role="user", content=content)]
        state = _Run([*session.messages, *asked], self.clock())
        state.guard = RepeatGuard(self.limits.max_repeated_tool_calls)
        audit = [*session.meta.get("audit_sessions", []), self.bus.session]
        session = self.saver.save(session, state.messages, {"audit_sessions": audit})
        with self.gate.installed(), _masked_bus(self.bus, self.gate):
            try:
                if refused is not None:  # nothing reaches the model
                    raise Stop(StopReason.DENIED, refused)
                while True:
                    self._turn(state)
                    session = self.saver.save(session, state.messages, {})
            except Stop as stopped:
                reason, detail = stopped.reason, stopped.detail
            except KeyboardInterrupt:
                reason, detail = StopReason.INTERRUPTED, interrupt_cause()
        if self.gate.requested and reason is not StopReason.FINISHED:
            reason, detail = StopReason.INTERRUPTED, interrupt_cause()
        outcome = Outcome(
            reason, detail, state.answer, session.id, state.turns, state.tool_calls, state.tokens
        )
        summary = AgentStopped(
            reason=reason.value,
            detail=detail,
            turns=state.turns,
            tool_calls=state.tool_calls,
            tokens=state.tokens,
        )
        if self.hooks is not None:
            self.hooks.stop(f"{reason.value}: {detail}")
        self.bus.record(summary)
        session = self.saver.save(session, state.messages, {"stop": summary.model_dump(mode="json")})
        return outcome, session

    # -- one turn -------------------------------------------------------------------------------------

    def _turn(self, state: _Run) -> None:
        self._check_limits(state)
        reply = self._ask(state)
        state.messages.append(reply.message())
        if not reply.tool_calls:
            state.answer = reply.text
            if state.last_refused is not None:
                raise Stop(StopReason.DENIED, f"the model stopped after a refusal: {state.last_refused}")
            raise Stop(StopReason.FINISHED, "the model gave its final answer")
        calls = reply.tool_calls
        allowed = calls[: self.limits.max_tool_calls_per_turn]
        guidance = []
        for call in allowed:
            record = self._call_tool(state, call)
            if record is not None and self.instructions is not None:
                guidance.append(self.instructions.after_call(record.action))
        for call in calls[len(allowed) :]:
            state.messages.append(_result(call, "not run: too many tool calls in one turn"))
        if any(guidance):  # a nested directory's AGENTS.md, after the results (tool messages stay together)
            from .instructions import GUIDANCE_PREAMBLE

            blocks = "\n\n".join(g for g in guidance if g)
            state.messages.append(ChatMessage(role="user", content=f"{GUIDANCE_PREAMBLE}\n\n{blocks}"))
        self.bus.record(
            TurnCompleted(
                turn=state.turns,
                tool_calls=len(allowed),
                finish_reason=reply.finish_reason,
            )
        )
        if len(calls) > len(allowed):
            raise Stop(
                StopReason.LIMIT,
                f"the model asked for {len(calls)} tool calls in one turn "
                f"(agent.max_tool_calls_per_turn = {self.limits.max_tool_calls_per_turn})",
            )

    def _check_limits(self, state: _Run) -> None:
        limits = self.limits
        if self.gate.requested:
            raise Stop(StopReason.INTERRUPTED, interrupt_cause())
        if state.turns >= limits.max_turns:
            raise Stop(
                StopReason.LIMIT, f"{state.turns} turns reached (agent.max_turns = {limits.max_turns})"
            )
        if self.clock() - state.started > limits.max_wall_time_s:
            raise Stop(
                StopReason.LIMIT, f"wall time over agent.max_wall_time_s = {limits.max_wall_time_s:g} s"
            )
        if state.tokens >= limits.max_tokens:
            raise Stop(
                StopReason.LIMIT, f"{state.tokens} tokens used (agent.max_tokens = {limits.max_tokens})"
            )

    def _ask(self, state: _Run) -> Reply:
        specs = self.specs + (self.more_specs() if self.more_specs is not None else [])
        try:
            fitted = fit_messages(state.messages, specs, self.budget)
        except ContextOverflow as exc:
            raise Stop(StopReason.FAILED, str(exc)) from exc
        if state.tokens + fitted.tokens > self.limits.max_tokens:
            raise Stop(
                StopReason.LIMIT,
                f"the next request (about {fitted.tokens} tokens) would pass "
                f"agent.max_tokens = {self.limits.max_tokens} ({state.tokens} used)",
            )
        state.turns += 1
        self.bus.record(
            TurnStarted(
                turn=state.turns,
                messages=len(fitted.messages),
                bytes=fitted.bytes,
                tokens=fitted.tokens,
                window=self.budget.window,
                input_budget=self.budget.input_tokens,
                window_source=self.budget.source,
                dropped=fitted.dropped,
                truncated_bytes=fitted.truncated_bytes,
            )
        )
        request = ChatRequest(
            model=self.model, messages=fitted.messages, tools=specs, max_tokens=self.budget.reserve
        )
        deadline = state.started + self.limits.max_wall_time_s
        left = self.limits.max_tokens - state.tokens - fitted.tokens
        try:
            with self.gate.open():
                reply = collect(self.backend.chat(request), deadline, self.clock, max_tokens=left)
        except DeadlinePassed as exc:
            raise Stop(
                StopReason.LIMIT, "wall time passed agent.max_wall_time_s while the model replied"
            ) from exc
        except TokensPassed as exc:
            state.tokens += fitted.tokens + exc.tokens
            raise Stop(
                StopReason.LIMIT,
                f"the reply passed agent.max_tokens = {self.limits.max_tokens} while it streamed "
                f"({state.tokens} tokens); reading stopped",
            ) from exc
        except (AuditUnavailable, KeyboardInterrupt):
            raise
        except Exception as exc:  # ProviderError and any provider plugin's bug: the session fails cleanly
            raise Stop(StopReason.FAILED, f"model request failed: {' '.join(str(exc).split())}") from exc
        used = reply.usage
        state.tokens += (used.input_tokens + used.output_tokens) if used else fitted.tokens + _estimate(reply)
        stated = reply.reasoning or (reply.text if reply.tool_calls else "")
        if stated.strip():
            first = reply.tool_calls[0].id if reply.tool_calls else ""
            self.bus.record(LlmReasoning(text=stated, call_id=first))
        return reply

    def _wall_deadline(self, state: _Run) -> float | None:
        # On time.monotonic() only: a test's clock drives the checks between steps, not the kernel's timers.
        if self.clock is not time.monotonic:
            return None
        return state.started + self.limits.max_wall_time_s

    def _call_tool(self, state: _Run, call: ToolCall) -> CallRecord | None:
        if self.gate.requested:
            state.messages.append(_result(call, f"not run: {interrupt_cause()}"))
            return None
        times = state.guard.count(call.name, call.arguments)
        if state.guard.over(times):
            state.messages.append(
                _result(
                    call,
                    f"not run: the same call was made {times} times "
                    f"(tools.max_repeated_tool_calls = {self.limits.max_repeated_tool_calls})",
                )
            )
            self.bus.record(ToolRefused(call_id=call.id, tool=call.name, reason="repeated call"))
            if state.guard.over(times - 1):  # told once already and it asked again: it is stuck
                raise Stop(StopReason.LIMIT, f"{call.name} called {times} times with the same arguments")
            return None
        state.tool_calls += 1
        try:
            # A running tool is bounded by the run's wall time too: the sandbox caps its timeout at what is
            # left (WorkspaceSandbox.timeout_s reads the same deadline the wire does).
            with self.gate.open(), reading_until(self._wall_deadline(state)):
                record = self.runner.call(call.name, call.arguments, call.id)
        except AuditUnavailable as exc:
            state.messages.append(_result(call, f"not run: {exc}"))
            raise Stop(StopReason.DENIED, str(exc)) from exc
        except KeyboardInterrupt:
            state.messages.append(_result(call, interrupt_cause()))
            ended = ToolFinished(call_id=call.id, tool=call.name, ok=False, **{"interrupted": True})
            self.bus.record(ended)
            raise
        state.messages.append(_result(call, record.result.output))
        state.last_refused = _refusal(record)
        return record


def _result(call: ToolCall, output: str) -> ChatMessage:
    return ChatMessage(role="tool", content=output, tool_call_id=call.id)


def _refusal(record: CallRecord) -> str | None:
    """Why a call was refused by the policy or a person, or None (ran, or failed for another reason)."""
    decision, answer = record.decision, record.answer
    if decision is not None and decision.verdict is Verdict.DENY:
        return record.result.output
    if answer is not None and not answer.allows:
        return record.result.output
    return None


def _estimate(reply: Reply) -> int:
    return estimate_tokens(reply.text) + sum(estimate_tokens(c.arguments) for c in reply.tool_calls)


@contextmanager
def _masked_bus(bus: EventBus, gate: InterruptGate) -> Iterator[None]:
    """Every event the bus writes is a masked section of the gate (see interrupt.py)."""
    # An instance attribute shadows the method for every holder of this bus (runner, tools, chain).
    setattr(bus, "emit", gate.masked(type(bus).emit.__get__(bus)))  # noqa: B010
    try:
        yield
    finally:
        vars(bus).pop("emit", None)
