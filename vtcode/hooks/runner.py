"""The session's lifecycle hooks, run at each event, every run an audit event (`hook.ran`).

A hook can only tighten. For `pre_tool` the policy engine decides again after every hook and the final
decision is the strictest of the first decision, every re-decision and every hook's answer, so an
"allow" answer (or a hook that changed something the engine reads) can never loosen what the policy
said. Where a hook gates something (pre_tool, approval_requested, user_prompt) a hook that fails, times
out or answers nonsense denies, unless the managed file set `fail_open` on that very hook.

Which hooks run: the managed file's hooks always (by their own table, so a user's hook of the same name
cannot replace one); the user's, system and command-line hooks and signed-off plugins' `lifecycle_hook`
unless the managed file says `hooks.allow_non_managed = false`; a workspace's hooks only in a trusted
workspace (its vtcode.toml is read only then) and only once the user approved each hook's digest.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import ValidationError
from vtcode_hookspecs import (
    ActionRequest,
    CommandSandbox,
    ConfigNotice,
    Decision,
    HookAnswer,
    HookRan,
    LifecycleEvent,
    RuleId,
    Verdict,
)

from vtcode.config.models import HookCommand
from vtcode.errors import InvariantError
from vtcode.events import EventBus

from .approvals import HookDigestError, approved, hook_digest

if TYPE_CHECKING:
    from vtcode.runtime import Runtime

_TAG = re.compile(r"<(\s*/?\s*hook-message)", re.IGNORECASE)  # a message cannot close its own block
# Events where a hook gates what happens next: a failing hook there denies (fail closed).
GATING = frozenset({"pre_tool", "approval_requested", "user_prompt"})
POST_TOOL_OUTPUT = 16 * 1024  # characters of a tool's output a post_tool hook sees

SandboxProvider = Callable[[], "CommandSandbox | None"]


@dataclass(frozen=True)
class ConfiguredHook:
    name: str
    source: str
    kind: Literal["command", "plugin"]
    events: frozenset[str]
    command: HookCommand | None = None
    call: Callable[[LifecycleEvent], Any] | None = None
    digest: str | None = None
    fail_open: bool = False
    network: bool = False

    def applies(self, event: str, tool: str | None) -> bool:
        if event not in self.events:
            return False
        tools = self.command.tools if self.command is not None else []
        return not (tools and event in ("pre_tool", "post_tool") and tool not in tools)


@dataclass
class HookOutcome:
    """What the hooks of one event said together."""

    deny: tuple[str, str] | None = None  # (hook, reason) of the first denial
    ask: tuple[str, str] | None = None
    messages: list[tuple[str, str]] = field(default_factory=list)  # (hook, text) for the model

    def model_text(self) -> str:
        return "\n".join(
            f'<hook-message hook="{name}">\n{_defused(text)}\n</hook-message>' for name, text in self.messages
        )


def _defused(text: str) -> str:
    return _TAG.sub(r"&lt;\1", text)


class HookRunner:
    def __init__(
        self, hooks: list[ConfiguredHook], bus: EventBus, root: Path, sandbox: SandboxProvider
    ) -> None:
        self.hooks = hooks
        self.bus = bus
        self.root = root
        self._sandbox = sandbox

    def wants(self, event: str) -> bool:
        return any(event in hook.events for hook in self.hooks)

    # -- the events -----------------------------------------------------------------------------------

    def session_start(self) -> HookOutcome:
        return self.run(self._event("session_start"))

    def session_end(self, reason: str) -> HookOutcome:
        return self.run(self._event("session_end", reason=reason))

    def stop(self, reason: str) -> HookOutcome:
        return self.run(self._event("stop", reason=reason))

    def user_prompt(self, prompt: str) -> HookOutcome:
        return self.run(self._event("user_prompt", prompt=prompt))

    def pre_tool(
        self, action: ActionRequest, decision: Decision, call_id: str, redecide: Callable[[], Decision]
    ) -> tuple[Decision, HookOutcome]:
        """The final decision: the strictest of the policy's, its re-decision after every hook, and every
        hook's answer. An answer can only make it stricter."""
        final = decision
        outcome = HookOutcome()
        for hook in self._for("pre_tool", action.tool):
            event = self._event("pre_tool", call_id=call_id, tool=action.tool, action=action, decision=final)
            self._run_one(hook, event, outcome)
            candidates = [final, decision, redecide()]  # the engine decides again after every hook
            if outcome.deny is not None:
                name, reason = outcome.deny
                candidates.append(Decision(verdict=Verdict.DENY, reason=f"hook {name}: {reason}",
                                           rule=RuleId("hook", detail=name)))
            if outcome.ask is not None:
                name, reason = outcome.ask
                candidates.append(Decision(verdict=Verdict.PROMPT, reason=f"hook {name}: {reason}",
                                           rule=RuleId("hook", detail=name)))
            final = max(candidates, key=lambda d: d.verdict.strictness)  # first of the strictest kept
        return final, outcome

    def post_tool(self, action: ActionRequest, call_id: str, ok: bool, output: str) -> HookOutcome:
        event = self._event("post_tool", call_id=call_id, tool=action.tool, action=action, ok=ok,
                            output=output[:POST_TOOL_OUTPUT])
        return self.run(event, tool=action.tool)

    def approval_requested(self, action: ActionRequest, decision: Decision, call_id: str) -> HookOutcome:
        event = self._event("approval_requested", call_id=call_id, tool=action.tool, action=action,
                            decision=decision)
        return self.run(event, tool=action.tool)

    # -- running --------------------------------------------------------------------------------------

    def run(self, event: LifecycleEvent, *, tool: str | None = None) -> HookOutcome:
        outcome = HookOutcome()
        for hook in self._for(event.event, tool):
            self._run_one(hook, event, outcome)
        return outcome

    def _for(self, event: str, tool: str | None) -> list[ConfiguredHook]:
        return [hook for hook in self.hooks if hook.applies(event, tool)]

    def _event(self, name: str, **fields: Any) -> LifecycleEvent:
        return LifecycleEvent(event=name, session=self.bus.session, workspace=str(self.root), **fields)  # type: ignore[arg-type]

    def _run_one(self, hook: ConfiguredHook, event: LifecycleEvent, outcome: HookOutcome) -> None:
        started = time.monotonic()
        answer, error, exit_code, timed_out = self._answer(hook, event)
        duration_ms = round((time.monotonic() - started) * 1000, 1)
        gating = event.event in GATING
        effect = "none"
        if answer is None:
            if gating and not hook.fail_open:
                effect = "failed-closed"
                if outcome.deny is None:
                    outcome.deny = (hook.name, f"the hook failed ({error}); failing closed")
            else:
                effect = "failed-open" if gating else "failed"
        else:
            effect = self._apply(hook, event.event, answer, outcome)
        self.bus.record(
            HookRan(
                hook=hook.name,
                event=event.event,
                source=hook.source,
                kind=hook.kind,
                digest=hook.digest,
                call_id=event.call_id or "",
                answer=answer.decision if answer is not None else None,
                reason=answer.reason if answer is not None else "",
                message=answer.message if answer is not None else None,
                user_message=answer.user_message if answer is not None else None,
                effect=effect,
                error=error,
                exit_code=exit_code,
                timed_out=timed_out,
                duration_ms=duration_ms,
            )
        )

    @staticmethod
    def _apply(hook: ConfiguredHook, event: str, answer: HookAnswer, outcome: HookOutcome) -> str:
        effects = []
        if answer.decision == "deny" and event in (*GATING, "post_tool"):
            if outcome.deny is None:
                outcome.deny = (hook.name, answer.reason or "no reason given")
            effects.append("withheld" if event == "post_tool" else "deny")
        elif answer.decision == "ask" and event == "pre_tool":
            if outcome.ask is None:
                outcome.ask = (hook.name, answer.reason or "no reason given")
            effects.append("ask")
        if answer.message and event in ("session_start", "user_prompt", "pre_tool", "post_tool"):
            outcome.messages.append((hook.name, answer.message))
            effects.append("message")
        return "+".join(effects) or "none"

    def _answer(
        self, hook: ConfiguredHook, event: LifecycleEvent
    ) -> tuple[HookAnswer | None, str | None, int | None, bool]:
        if hook.kind == "plugin":
            if hook.call is None:
                raise InvariantError("hook.call is unset here (a bug)")
            try:
                raw = hook.call(event)
                if raw is None:
                    return HookAnswer(), None, None, False
                data = raw if isinstance(raw, dict) else raw.model_dump()
                return HookAnswer.model_validate(data), None, None, False
            except (ValidationError, AttributeError) as exc:
                return None, f"its answer is not valid: {' '.join(str(exc).split())[:300]}", None, False
            except Exception as exc:  # a plugin's bug: a failure, never an allow
                return None, f"{type(exc).__name__}: {' '.join(str(exc).split())[:300]}", None, False
        from .command import run_command  # only a session with command hooks pays for it

        if hook.command is None:
            raise InvariantError("hook.command is unset here (a bug)")
        try:
            sandbox = self._sandbox()
        except Exception as exc:
            return None, f"no sandbox to run it in: {exc}", None, False
        if sandbox is None:
            return None, "no sandbox to run it in (commands are refused in this session)", None, False
        if hook.source == "workspace":  # approved as it was: checked again before every run
            try:
                now = hook_digest(hook.name, hook.command, self.root)
            except HookDigestError as exc:
                return None, f"not run: {exc}", None, False
            if now != hook.digest:
                return None, (f"not run: it changed since it was approved ({now[:19]}… is not the approved "
                              f"{(hook.digest or '')[:19]}…); review it, then `vtcode hooks approve "
                              f"{hook.name}`"), None, False
        # A file outside the workspace named by an absolute argument (a user's script in their config dir)
        # is made readable only for hooks the user or the administrator configured, never a workspace's.
        outside = () if hook.source == "workspace" else _outside_files(hook.command.command, self.root)
        try:
            ran = run_command(
                sandbox,
                hook.command.command,
                str(self.root),
                event.model_dump_json(exclude_none=True).encode(),
                timeout_s=hook.command.timeout_s,
                network=hook.network,
                read_files=outside,
            )
        except Exception as exc:  # the sandbox could not be applied, the program is missing...
            return None, f"could not start: {' '.join(str(exc).split())[:300]}", None, False
        return ran.answer, ran.error, ran.exit_code, ran.timed_out


def _outside_files(argv: list[str], root: Path) -> tuple[str, ...]:
    """Absolute arguments naming files outside the workspace (a user's hook script in their config dir):
    readable by the hook's process, nothing else outside is."""
    found = []
    for part in argv:
        if os.path.isabs(part) and os.path.isfile(part):
            real = os.path.realpath(part)
            if not real.startswith(str(root) + os.sep):
                found.append(real)
    return tuple(found)


def hook_runner(runtime: Runtime, root: Path, sandbox: SandboxProvider) -> HookRunner | None:
    """The session's hooks from the configuration and the signed-off plugins; None when there are none."""
    config = runtime.config
    bus = runtime.bus
    managed = config.managed.hooks.commands if config.managed is not None else {}
    allow_others = config.config.hooks.allow_non_managed
    hooks: list[ConfiguredHook] = []
    for name, command in managed.items():
        hooks.append(ConfiguredHook(name, "managed", "command", frozenset(command.events), command,
                                    fail_open=command.fail_open, network=command.network))
    approvals: dict[str, str] | None = None
    for name, command in config.config.hooks.commands.items():
        if name in managed:
            if command != managed[name]:
                _notice(bus, f"hook {name}: the managed file sets a hook of this name; the other is ignored")
            continue
        source = config.sources.get(f"hooks.commands.{name}", "user")
        if not allow_others:
            _notice(bus, f"hook {name} ({source}) not run: hooks.allow_non_managed = false (managed)")
            continue
        try:
            digest: str | None = hook_digest(name, command, root)
        except HookDigestError as exc:
            if source == "workspace":
                _notice(bus, f"hook {name} from the workspace's vtcode.toml not run: {exc}")
                continue
            digest = None
        if source == "workspace":
            approvals = approved(root) if approvals is None else approvals
            if approvals.get(name) != digest:
                _notice(bus, f"hook {name} from the workspace's vtcode.toml is not approved "
                             f"({(digest or '')[:19]}…): review it, then `vtcode hooks approve {name}`")
                continue
        notes = [key for key in ("fail_open", "network") if getattr(command, key)]
        if notes:
            _notice(bus, f"hook {name}: {', '.join(notes)} ignored, only the managed file may set it")
        hooks.append(ConfiguredHook(name, source, "command", frozenset(command.events), command,
                                    digest=digest))
    for impl in runtime.plugins.pm.hook.lifecycle_hook.get_hookimpls():
        if not allow_others:
            _notice(bus, f"plugin {impl.plugin_name}'s lifecycle hook not run: "
                         "hooks.allow_non_managed = false")
            continue
        hooks.append(ConfiguredHook(impl.plugin_name, f"plugin:{impl.plugin_name}", "plugin",
                                    frozenset(("session_start", "session_end", "user_prompt", "pre_tool",
                                               "post_tool", "approval_requested", "stop")),
                                    call=_plugin_call(impl)))
    if not hooks:
        return None
    return HookRunner(hooks, bus, root, sandbox)


def _plugin_call(impl: Any) -> Callable[[LifecycleEvent], Any]:
    def call(event: LifecycleEvent) -> Any:
        return impl.function(**{arg: event for arg in impl.argnames})

    return call


def _notice(bus: EventBus, message: str) -> None:
    bus.record(ConfigNotice(message=message))
