"""One tool call, end to end: registry -> arguments -> policy -> approval -> tool.started -> invoke ->
output capped -> tool.finished. Every refusal goes back to the model as the tool's result, so it can
continue; nothing runs without a decision that allows it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from vtcode_hookspecs import (
    ActionRequest,
    CommandArgs,
    CommandSandbox,
    Decision,
    RiskClass,
    Tool,
    ToolResult,
    Verdict,
)

from vtcode.approvals import Answer, ApprovalBroker
from vtcode.approvals.broker import action_digest
from vtcode.checkpoints import Checkpoint, CheckpointError, Checkpoints
from vtcode.errors import VtcodeError
from vtcode.events import EventBus
from vtcode.plugins.registry import Registry
from vtcode.policy.engine import PolicyEngine
from vtcode.workspace.jail import Jail

from .arguments import ArgumentError, parse_arguments, path_arguments
from .context import CallContext, CallWatch

DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024


@dataclass(frozen=True)
class CallRecord:
    result: ToolResult
    decision: Decision | None
    answer: Answer | None = None


class ToolRunner:
    def __init__(
        self,
        tools: Registry[Tool],
        engine: PolicyEngine,
        broker: ApprovalBroker,
        bus: EventBus,
        jail: Jail,
        *,
        max_response_bytes: dict[str, int] | None = None,
        sandbox: CommandSandbox | None = None,
        checkpoints: Checkpoints | None = None,
    ) -> None:
        self._tools = tools
        self._engine = engine
        self._broker = broker
        self._bus = bus
        self._jail = jail
        self._caps = max_response_bytes or {}
        self._sandbox = sandbox
        self.checkpoints = checkpoints
        self.watch: CallWatch | None = None  # the TUI's live view of a running call (tools/context.py)

    def call(self, name: str, arguments: str | dict[str, Any], call_id: str = "") -> CallRecord:
        entry = self._tools.get(name)
        if entry is None:
            return self._refuse(
                name, call_id, f"unknown tool {name!r}; available: {', '.join(self._tools.names())}"
            )
        try:
            args = parse_arguments(entry.obj.args_model, arguments)
        except ArgumentError as exc:
            return self._refuse(name, call_id, f"bad arguments for {name}: {exc}")
        action = _action(name, args)
        judged = self._engine.judge(action)
        decision = judged.decision
        self._bus.emit(
            "policy.decision",
            {
                "call_id": call_id,
                "action": action.model_dump(mode="json"),
                "decision": decision.verdict.value,
                "reason": decision.reason,
                "rule": decision.rule,
            },
        )
        answer = None
        if decision.verdict is Verdict.PROMPT:
            answer = self._broker.request(
                action, decision, judged.commands, always_allowed=judged.always_offerable
            )
            if not answer.allows:
                return self._refuse(name, call_id, f"denied by the user: {decision.reason}", decision, answer)
        elif decision.verdict is Verdict.DENY:
            return self._refuse(
                name, call_id, f"denied by policy ({decision.rule}): {decision.reason}", decision
            )
        checkpoint = None
        if self.checkpoints is not None and _changes_workspace(action, entry.obj):
            try:
                checkpoint = self.checkpoints.before(name, call_id, _summary(action))
            except (CheckpointError, OSError) as exc:
                # No undo, no change: the action does not run without its checkpoint (fail closed).
                why = (f"no checkpoint could be taken, so nothing ran: {exc} "
                       "([checkpoints] enabled = false in your user config turns checkpoints off)")
                return self._refuse(name, call_id, why, decision, answer)
        try:
            return CallRecord(self._invoke(entry.obj, entry.plugin, args, call_id), decision, answer)
        finally:
            if checkpoint is not None:
                self._finish(checkpoint)

    def _finish(self, checkpoint: Checkpoint) -> None:
        assert self.checkpoints is not None
        # A stopped call (Esc, quitting) is not held up by its after-snapshot; failures are `error` events.
        stopped = self.watch is not None and self.watch.stop_requested()
        self.checkpoints.after(checkpoint, background=stopped)

    def _invoke(self, tool: Tool, plugin: str, args: Any, call_id: str) -> ToolResult:
        # The digest of the action built again from the very arguments handed to the tool: equal to the
        # approval's digest, so the audit shows that what was approved is what ran.
        self._bus.emit(
            "tool.started",
            {
                "call_id": call_id,
                "tool": tool.name,
                "plugin": plugin,
                "args": args.model_dump(mode="json"),
                "digest": action_digest(_action(tool.name, args)),
            },
        )
        try:
            ctx = CallContext(self._jail, self._bus, tool.name, sandbox=self._sandbox, watch=self.watch)
            result = tool.invoke(ctx, args)
        except (VtcodeError, OSError, ValueError) as exc:
            result = ToolResult(ok=False, output=f"{tool.name} failed: {exc}")
        except Exception as exc:  # a plugin's bug must not take the agent down; it is reported and recorded
            result = ToolResult(ok=False, output=f"{tool.name} crashed: {type(exc).__name__}: {exc}")
        result = cap_output(result, self._caps.get(tool.name, DEFAULT_MAX_RESPONSE_BYTES))
        self._bus.emit(
            "tool.finished",
            {
                "call_id": call_id,
                "tool": tool.name,
                "ok": result.ok,
                "bytes": len(result.output.encode()),
                "truncated_bytes": result.truncated_bytes,
            },
        )
        return result

    def _refuse(
        self,
        name: str,
        call_id: str,
        message: str,
        decision: Decision | None = None,
        answer: Answer | None = None,
    ) -> CallRecord:
        self._bus.emit("tool.refused", {"call_id": call_id, "tool": name, "reason": message})
        return CallRecord(ToolResult(ok=False, output=message), decision, answer)


def _action(name: str, args: Any) -> ActionRequest:
    # A CommandArgs whose command is None runs nothing new (a shell session's read or close): it is
    # judged by the tool policy alone.
    if isinstance(args, CommandArgs) and args.command is not None:
        command = args.command
        return ActionRequest(
            kind="command",
            tool=name,
            args=args.model_dump(mode="json"),
            shell=command if isinstance(command, str) else None,
            argv=tuple(command) if isinstance(command, list) else None,
            path=args.cwd,
        )
    paths = path_arguments(args)
    first = paths[0] if paths else (None, False)
    return ActionRequest(
        kind="tool",
        tool=name,
        args=args.model_dump(mode="json"),
        path=first[0],
        write=first[1],
        extra_paths=tuple(paths[1:]),
    )


def _changes_workspace(action: ActionRequest, tool: Tool) -> bool:
    """A command (a new one: a shell session's read runs nothing), a write path, or a tool of the write
    class: whatever can change a file is preceded by a checkpoint."""
    if action.kind == "command":
        return True
    if action.write or any(write for _, write in action.extra_paths):
        return True
    return getattr(tool, "risk", None) is RiskClass.WRITE


def _summary(action: ActionRequest) -> str:
    if action.shell is not None:
        return action.shell
    if action.argv is not None:
        return " ".join(action.argv)
    return f"{action.tool} {action.path or ''}".strip()


def cap_output(result: ToolResult, limit: int) -> ToolResult:
    """Keep the head and the tail, say how much was cut: the model needs both ends of a long output."""
    data = result.output.encode("utf-8")
    if len(data) <= limit:
        return result
    half = limit // 2
    cut = len(data) - 2 * half
    text = (
        data[:half].decode("utf-8", errors="ignore")
        + f"\n[... {cut} bytes cut ...]\n"
        + data[-half:].decode("utf-8", errors="ignore")
    )
    return result.model_copy(update={"output": text, "truncated_bytes": result.truncated_bytes + cut})
