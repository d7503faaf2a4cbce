"""One TUI session's stack, without any UI: the same assembly as `vtcode exec` (runtime, policy,
approvals, sandbox, tool runner, provider chain), run from the app's worker threads. Kept free of Textual
so it is tested and typed like the rest of the core."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from vtcode_hookspecs import ProviderError, SessionRecord, SessionSummary

from vtcode.agent import Agent, AgentLimits, InterruptGate, SessionSaver, new_session
from vtcode.agent.connect import Connection, connect
from vtcode.agent.stack import Stack, open_stack
from vtcode.approvals import Asker
from vtcode.errors import VtcodeError
from vtcode.runtime import Runtime, open_runtime
from vtcode.workspace.jail import Jail

from .inbox import Finished, Inbox
from .observe import ObservedRunner, StreamTee, UiSink

# The screen is the TUI's stderr: the human event printer would write over it.
QUIET = ('events.stderr="off"',)


@dataclass
class Facts:
    """What the status bar shows; refreshed by the app from events."""

    provider: str = "-"
    model: str = "-"
    model_state: str = "loading"  # loading | ok | unreachable | failover
    trusted: bool = False
    trust_reason: str = ""
    sandbox: str = "-"
    enforces: list[str] = field(default_factory=list)
    approval_mode: str = "-"
    tokens_used: int = 0
    token_limit: int = 0


class Workbench:
    def __init__(self, runtime: Runtime, stack: Stack, root: Path, inbox: Inbox) -> None:
        self.runtime = runtime
        self.stack = stack
        self.root = root
        self.inbox = inbox
        self.link: Connection | None = None
        self.model_problem: str | None = None
        self.record: SessionRecord = new_session(runtime.bus.session, root, model="", provider="")
        self.facts = _facts(runtime, stack)
        self.stopping = threading.Event()  # Esc: shared by the stream tee, the running command, the loop
        self._runner = ObservedRunner(stack.runner, inbox, Jail(root), self.stopping)
        stack.runner.watch = self._runner  # live output and the stop key reach the running tool
        self._tee: StreamTee | None = None
        self._shells = itertools.count(1)

    @classmethod
    def open(
        cls,
        root: Path,
        inbox: Inbox,
        asker: Asker,
        *,
        config_files: Sequence[Path] = (),
        overrides: Sequence[str] = (),
    ) -> Workbench:
        runtime = open_runtime(root, config_files=config_files, overrides=(*overrides, *QUIET))
        runtime.bus.attach([UiSink(inbox)])  # replays plugin sign-off and config events first
        try:
            stack = open_stack(runtime, root, asker=asker)
        except BaseException:
            runtime.bus.close("error")
            raise
        return cls(runtime, stack, root, inbox)

    def connect_model(self) -> str | None:
        """Reach the model; on failure say why and how to fix it (the rest of the UI works without it)."""
        try:
            self.link = connect(self.runtime)
            health = self.link.chain.entries[0].provider.health()
        except (ProviderError, VtcodeError) as exc:
            self.model_problem = str(exc)
        else:
            self.model_problem = None if health.ok else health.detail
        link = self.link
        if link is not None:
            self.facts.provider, self.facts.model = link.provider, link.model or "(server's first)"
            self.record = self.record.model_copy(update={"model": link.model, "provider": link.provider})
        self.facts.model_state = "unreachable" if self.model_problem else "ok"
        return self.model_problem

    def ask(self, prompt: str) -> None:
        """Run the agent on `prompt`, continuing this session; the outcome goes to the inbox."""
        if self.link is None or self.model_problem is not None:
            problem = self.connect_model()  # it may have come up since
            if problem is not None or self.link is None:
                self.inbox.put(Finished(f"no model reachable: {problem}", 0, failed=True))
                return
        config = self.runtime.config.config
        self.stopping.clear()
        self._tee = StreamTee(self.link.chain, self.inbox, self.stopping)
        agent = Agent(
            self._tee,
            self._runner,
            self.stack.specs,
            self.runtime.bus,
            model=self.link.model,
            limits=AgentLimits.from_config(config),
            context_window=config.agent.context_window,
            max_output_tokens=config.agent.max_output_tokens,
            saver=SessionSaver(self.stack.store, self.runtime.bus),
            gate=StopGate(self.stopping),
        )
        outcome, self.record = agent.run(self.record, prompt)
        self.facts.tokens_used += outcome.tokens
        summary = (
            f"{outcome.reason.value}: {outcome.detail} ({outcome.turns} turns, {outcome.tool_calls} tools)"
        )
        self.inbox.put(Finished(summary, outcome.tokens, failed=outcome.exit_status not in (0,)))

    def shell(self, command: str) -> None:
        """`!cmd`: the same tool, policy, approval and sandbox as the model's run_command."""
        self.stopping.clear()
        record = self._runner.call("run_command", {"command": command}, f"shell-{next(self._shells)}")
        self.inbox.put(
            Finished("shell: " + ("ok" if record.result.ok else "failed"), 0, not record.result.ok)
        )

    def stop(self) -> None:
        """Esc: cut the model's reply short, interrupt a running command (SIGINT to its process group),
        and end the run as interrupted before the next step."""
        self.stopping.set()

    def sessions(self) -> list[SessionSummary]:
        store = self.stack.store
        if store is None:
            return []
        return sorted(
            (s for s in store.list() if Path(s.workspace) == self.root), key=lambda s: s.updated, reverse=True
        )

    def resume(self, session_id: str) -> SessionRecord:
        if self.stack.store is None:
            raise VtcodeError("no session store plugin is signed off (markdown_store)")
        from vtcode.agent.session import BadSessionId, load_session

        try:
            self.record = load_session(self.stack.store, session_id)
        except BadSessionId as exc:
            raise VtcodeError(str(exc)) from exc
        return self.record

    def close(self) -> None:
        if self.link is not None:
            self.link.chain.close()
        self.runtime.bus.close("normal")


class StopGate(InterruptGate):
    """Ctrl-C's gate, also answering to Esc: the agent runs in a thread no SIGINT reaches, so the loop
    asks this flag at each step, as it asks whether Ctrl-C was pressed."""

    def __init__(self, stopping: threading.Event) -> None:
        super().__init__()
        self._stopping = stopping

    @property
    def requested(self) -> bool:
        return super().requested or self._stopping.is_set()


def _facts(runtime: Runtime, stack: Stack) -> Facts:
    config = runtime.config.config
    facts = Facts(
        trusted=runtime.config.trust.trusted,
        trust_reason=runtime.config.trust.reason,
        approval_mode=config.approvals.mode,
        token_limit=AgentLimits.from_config(config).max_tokens,
    )
    if stack.sandbox is None:
        facts.sandbox, facts.enforces = "none: commands refused", []
        return facts
    facts.sandbox = f"{stack.sandbox.mode} ({stack.sandbox.backend})"
    entry = runtime.plugins.registries.sandboxes.get(stack.sandbox.backend)
    if entry is not None:
        facts.enforces = list(entry.obj.available().enforces)
    return facts
