"""One TUI session's stack, without any UI: the same assembly as `vtcode exec` (runtime, policy,
approvals, sandbox, tool runner, provider chain), run from the app's worker threads. Kept free of Textual
so it is tested and typed like the rest of the core."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from vtcode_hookspecs import ModelInfo, ProviderError, SessionRecord, SessionSummary

from vtcode.agent import Agent, AgentLimits, InterruptGate, SessionSaver, new_session
from vtcode.agent.connect import Connection, connect, load_chosen, needed_window
from vtcode.agent.instructions import ProjectInstructions
from vtcode.agent.stack import Stack, open_stack
from vtcode.approvals import Asker
from vtcode.errors import VtcodeError
from vtcode.hooks import HookRunner, hook_runner
from vtcode.providers.choice import load_window
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
    def __init__(
        self, runtime: Runtime, stack: Stack, root: Path, inbox: Inbox, hooks: HookRunner | None = None
    ) -> None:
        self.runtime = runtime
        self.hooks = hooks
        # session_start hooks' messages go with the first prompt
        self.start_context = hooks.session_start().model_text() if hooks is not None else ""
        self.stack = stack
        self.root = root
        self.inbox = inbox
        self.link: Connection | None = None
        self.model_problem: str | None = None
        self.offer: list[ModelInfo] = []  # models the server could load, when the person may pick one
        self.notes: tuple[str, ...] = ()  # what to tell the person about the chosen model, once
        self.instructions = ProjectInstructions.for_runtime(root, runtime)
        self.record: SessionRecord = new_session(
            runtime.bus.session, root, model="", provider="", guidance=self.instructions.system_prompt_part()
        )
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
        opened: list[Stack] = []
        try:
            hooks = hook_runner(runtime, root, lambda: opened[0].sandbox if opened else None)
            stack = open_stack(runtime, root, asker=asker, hooks=hooks)
            opened.append(stack)
        except BaseException:
            runtime.bus.close("error")
            raise
        return cls(runtime, stack, root, inbox, hooks)

    def connect_model(self) -> str | None:
        """Reach the model and settle which one (vtcode/providers/choice.py): the configured one, else
        the one the server has loaded. On failure say why and how to fix it (the rest of the UI works
        without it). When the server has none loaded, or not the configured one, and can load models,
        `offer` lists what it could load: the app asks the person, and loads only what they pick."""
        from vtcode_hookspecs import ModelLoader

        from vtcode.providers import NoModelLoaded

        self.offer, self.notes = [], ()
        shown = "-"
        try:
            self.link = connect(self.runtime)
            entry = self.link.chain.entries[0]
            choice = entry.choose()
        except NoModelLoaded as exc:
            self.model_problem, shown = str(exc), "(none loaded)"
            loader: object = self.link.chain.entries[0].provider if self.link is not None else None
            if isinstance(loader, ModelLoader) and loader.can_load():
                self.offer = exc.available
        except (ProviderError, VtcodeError) as exc:
            self.model_problem = str(exc)
        else:
            self.model_problem, self.notes = None, choice.notes
            self.link = replace(self.link, model=choice.model)
            if choice.needs_load and isinstance(entry.provider, ModelLoader) and entry.provider.can_load():
                listed = entry.models()
                self.offer = sorted(listed, key=lambda m: m.id != choice.model)  # the configured one first
        link = self.link
        if link is not None:
            self.facts.provider, self.facts.model = link.provider, link.model or shown
            self.record = self.record.model_copy(update={"model": link.model, "provider": link.provider})
        self.facts.model_state = "unreachable" if self.model_problem else "ok"
        return self.model_problem

    def load_choices(self) -> list[tuple[ModelInfo, int]]:
        """What `offer` lists, each with the window it would be loaded with."""
        if self.link is None:
            return []
        wanted = needed_window(self.link.chain.entries[0], self.runtime)
        return [(model, load_window(model, wanted)) for model in self.offer]

    def load_model(self, model: str) -> tuple[str, ...]:
        """Load the model the person picked from `offer` (their pick is the consent) and use it; the
        notes about it come back. Runs on a worker thread: it blocks until the server has loaded it."""
        if self.link is None:
            raise VtcodeError("no provider to load a model on")
        info = next((m for m in self.offer if m.id == model), None)
        if info is None:
            raise VtcodeError(f"{model} was not offered for loading")
        entry = self.link.chain.entries[0]
        choice = load_chosen(entry, info, needed_window(entry, self.runtime), lambda _: None)
        self.link = replace(self.link, model=choice.model)
        self.offer, self.notes, self.model_problem = [], choice.notes, None
        self.facts.model, self.facts.model_state = choice.model, "ok"
        self.record = self.record.model_copy(update={"model": choice.model})
        return choice.notes

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
            instructions=self.instructions,
            hooks=self.hooks,
            start_context=self.start_context,
            more_specs=self.stack.source_specs,
        )
        self.start_context = ""
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
        if self.hooks is not None:
            self.hooks.session_end("normal")
        self.stack.close()  # the MCP servers it started
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
