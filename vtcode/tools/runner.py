"""One tool call, end to end: registry -> arguments -> policy -> approval -> tool.started -> invoke ->
output capped -> tool.finished. Every refusal goes back to the model as the tool's result, so it can
continue; nothing runs without a decision that allows it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from vtcode_hookspecs import (
    ActionRequest,
    CommandArgs,
    CommandSandbox,
    Decision,
    PolicyDecision,
    RiskClass,
    RuleId,
    Tool,
    ToolFinished,
    ToolRefused,
    ToolResult,
    ToolStarted,
    Verdict,
)

from vtcode.approvals import Answer, ApprovalBroker
from vtcode.approvals.broker import action_digest
from vtcode.checkpoints import Checkpoint, CheckpointError, Checkpoints
from vtcode.distributions import canonical_name
from vtcode.errors import InvariantError, VtcodeError
from vtcode.events import EventBus
from vtcode.events.whole import whole
from vtcode.hooks.runner import HookOutcome, HookRunner
from vtcode.plugins.discovery import CORE_DISTRIBUTION
from vtcode.plugins.registry import Registered
from vtcode.policy.engine import PolicyEngine
from vtcode.workspace.jail import Jail

from .arguments import ArgumentError, parse_arguments, path_arguments
from .call_context import CallContext, CallWatch

DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024


class ToolLookup(Protocol):
    """A Registry of tools, or a ToolCatalog (registered tools plus those of the open tool sources)."""

    def get(self, name: str) -> Registered[Tool] | None: ...

    def names(self) -> list[str]: ...


@dataclass(frozen=True)
class CallRecord:
    result: ToolResult
    decision: Decision | None
    answer: Answer | None = None
    action: ActionRequest | None = None  # what was decided on; set when the call ran


class ToolRunner:
    def __init__(
        self,
        tools: ToolLookup,
        engine: PolicyEngine,
        broker: ApprovalBroker,
        bus: EventBus,
        jail: Jail,
        *,
        max_response_bytes: dict[str, int] | None = None,
        sandbox: CommandSandbox | None = None,
        hooks: HookRunner | None = None,
        checkpoints: Checkpoints | None = None,
    ) -> None:
        self._tools = tools
        self._hooks = hooks
        self._engine = engine
        self._broker = broker
        self._bus = bus
        self._jail = jail
        self._caps = max_response_bytes or {}
        self._sandbox = sandbox
        self.checkpoints = checkpoints
        self.watch: CallWatch | None = None  # the TUI's live view of a running call (tools/call_context.py)

    @property
    def engine(self) -> PolicyEngine:
        """The policy engine this runner asks (`vtcode mcp tools` shows each tool's decision by it)."""
        return self._engine

    def call(self, name: str, arguments: str | dict[str, Any], call_id: str = "") -> CallRecord:
        entry = self._tools.get(name)
        if entry is None:
            return self._refuse(
                name, call_id, f"unknown tool {name!r}; available: {', '.join(self._tools.names())}"
            )
        name = entry.name  # the real name, whatever alias the model used (tools/names.py: wire_name)
        try:
            args = parse_arguments(entry.obj.args_model, arguments)
        except ArgumentError as exc:
            return self._refuse(name, call_id, f"bad arguments for {name}: {exc}")
        # A tool whose command runs somewhere other than `cwd` says where (a shell session whose shell
        # has cd'ed): the policy judges relative paths, git and approvals from there.
        where = getattr(entry.obj, "judged_args", None)
        if where is not None:
            args = where(args)
        action = _action(name, args)
        judged = self._engine.judge(action)
        decision = judged.decision
        self._bus.record(
            PolicyDecision(
                call_id=call_id,
                action=whole(action),
                decision=decision.verdict.value,
                reason=decision.reason,
                rule=decision.rule,
            )
        )
        hooked = HookOutcome()
        if self._hooks is not None:
            decision, hooked = self._hooks.pre_tool(
                action, decision, call_id, lambda: self._engine.judge(action).decision
            )
        by_hook = _by_hook(decision.rule)
        if by_hook and decision.verdict is Verdict.PROMPT and (why := self._engine.no_prompts()):
            decision = Decision(verdict=Verdict.DENY, reason=f"{why}: {decision.reason}", rule=decision.rule)
        answer = None
        if decision.verdict is Verdict.PROMPT:
            if self._hooks is not None:
                asked = self._hooks.approval_requested(action, decision, call_id)
                if asked.deny is not None:
                    hook, why = asked.deny
                    refusal = _with(f"denied by hook {hook}: {why}", hooked)
                    return self._refuse(name, call_id, refusal, decision)
            answer = self._broker.request(
                action, decision, judged.commands, always_allowed=judged.always_offerable and not by_hook
            )
            if not answer.allows:
                return self._refuse(
                    name, call_id, _with(f"denied by the user: {decision.reason}", hooked), decision, answer
                )
        elif decision.verdict is Verdict.DENY:
            what = "hook" if by_hook else "policy"
            refusal = _with(f"denied by {what} ({decision.rule}): {decision.reason}", hooked)
            return self._refuse(name, call_id, refusal, decision)
        checkpoint = None
        if self.checkpoints is not None and _changes_workspace(action, entry.obj):
            try:
                checkpoint = self.checkpoints.before(name, call_id, _summary(action))
            except (CheckpointError, OSError) as exc:
                # No undo, no change: the action does not run without its checkpoint (fail closed).
                why = (f"no checkpoint could be taken, so nothing ran: {exc} "
                       "([checkpoints] enabled = false in your user config turns checkpoints off)")
                return self._refuse(name, call_id, why, decision, answer)
        allowed_by = "allow" if answer is None else f"person:{answer.value}"
        written: list[Path] = []
        try:
            result = self._invoke(entry.obj, entry.plugin, args, call_id, allowed_by, written)
        finally:
            if checkpoint is not None:
                self._finish(checkpoint, written if _writes_only_through_jail(action, entry) else None)
        if self._hooks is not None:
            after = self._hooks.post_tool(action, call_id, result.ok, result.output)
            if after.deny is not None:
                hook, why = after.deny
                result = result.model_copy(update={"output": f"[output withheld by hook {hook}: {why}]"})
            hooked.messages += after.messages
        if hooked.messages:
            result = result.model_copy(update={"output": _with(result.output, hooked)})
        return CallRecord(result, decision, answer, action)

    def _finish(self, checkpoint: Checkpoint, written: list[Path] | None) -> None:
        if self.checkpoints is None:
            raise InvariantError("a checkpoint was taken without a checkpoint service")
        # A stopped call (Esc, quitting) is not held up by its after-snapshot; failures are `error` events.
        stopped = self.watch is not None and self.watch.stop_requested()
        self.checkpoints.after(checkpoint, background=stopped, written=written)

    def _invoke(
        self, tool: Tool, plugin: str, args: Any, call_id: str, allowed_by: str = "allow",
        written: list[Path] | None = None,
    ) -> ToolResult:
        # The digest of the action built again from the very arguments handed to the tool: equal to the
        # approval's digest, so the audit shows that what was approved is what ran.
        self._bus.record(
            ToolStarted(
                call_id=call_id,
                tool=tool.name,
                plugin=plugin,
                args=args.model_dump(mode="json"),
                digest=action_digest(_action(tool.name, args)),
            )
        )
        try:
            ctx = CallContext(
                self._jail,
                self._bus,
                tool.name,
                sandbox=self._sandbox,
                watch=self.watch,
                call_id=call_id,
                decision=allowed_by,
            )
            if written is not None:
                ctx.written = written  # the caller's list: filled even if the tool raises
            result = tool.invoke(ctx, args)
        except (VtcodeError, OSError, ValueError) as exc:
            result = ToolResult(ok=False, output=f"{tool.name} failed: {exc}")
        except Exception as exc:  # a plugin's bug must not take the agent down; it is reported and recorded
            result = ToolResult(ok=False, output=f"{tool.name} crashed: {type(exc).__name__}: {exc}")
        result = cap_output(result, self._caps.get(tool.name, DEFAULT_MAX_RESPONSE_BYTES))
        self._bus.record(
            ToolFinished(
                call_id=call_id,
                tool=tool.name,
                ok=result.ok,
                bytes=len(result.output.encode()),
                truncated_bytes=result.truncated_bytes,
            )
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
        self._bus.record(
            ToolRefused(
                call_id=call_id,
                tool=name,
                reason=message,
                decision=decision.verdict.value if decision is not None else None,
            )
        )
        return CallRecord(ToolResult(ok=False, output=message), decision, answer)


def _with(text: str, hooked: HookOutcome) -> str:
    """A result or refusal with the hooks' messages for the model after it, delimited."""
    return f"{text}\n{hooked.model_text()}" if hooked.messages else text


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
    # A tool that says the kernel keeps it from the workspace (an MCP server confined read-only, or a
    # remote one): no checkpoint to take, though its risk class stays `write` for approvals.
    if getattr(tool, "writes_workspace", True) is False:
        return False
    return getattr(tool, "risk", None) is RiskClass.WRITE


def _writes_only_through_jail(action: ActionRequest, entry: Registered[Tool]) -> bool:
    """vtcode's own file tools write only through their CallContext (plugins/vtcode_fs_tools: every write
    is `ctx.write_bytes`), so what they changed is exactly what the context recorded. A command, or any
    other plugin's tool, may write anything: its after-snapshot scans the whole tree."""
    return (action.kind == "tool" and entry.plugin == _FILE_TOOLS
            and canonical_name(entry.distribution) == CORE_DISTRIBUTION)


_FILE_TOOLS = "fs_tools"


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


def _by_hook(rule: RuleId | None) -> bool:
    """A lifecycle hook's answer (`hook:NAME`, vtcode/hooks/runner.py), not the policy's."""
    return rule is not None and rule.section == "hook" and rule.name is None and rule.detail is not None
