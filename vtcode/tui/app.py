"""The vtcode TUI: the conversation, the status bar, and the screens behind the key bindings.

First paint comes before anything heavy: plugins, the policy engine and the provider are loaded by a
worker thread after the first frame. The agent runs in a worker thread too; the UI thread only drains the
inbox (see inbox.py) and answers approvals (see asker.py).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import events, work
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.widget import Widget
from textual.widgets import Footer, Input, Static

from vtcode.terminal import neutral

from .inbox import Inbox
from .pump import Pump
from .widgets.log import ChatLog
from .widgets.status import StatusBar

if TYPE_CHECKING:  # vtcode's core loads in a worker after the first frame (docs/decisions/0601-tui.md)
    from vtcode.approvals import Answer, ApprovalPrompt

    from .asker import TuiAsker
    from .workbench import Workbench

NO_MODEL_HELP = (
    "Start your model server (LM Studio: load a model, enable the server), or point vtcode at one in "
    'vtcode.toml: [providers] chain = ["openai-compat"] and [providers.openai-compat] base_url = "…". '
    "Plugins, the audit trail, sessions, quick open and `!cmd` work meanwhile."
)


class PromptInput(Input):
    """The prompt: `?` in an empty prompt opens the help (the app's binding); anywhere else it is text."""

    def check_consume_key(self, key: str, character: str | None) -> bool:
        if character == "?" and not self.value:
            return False
        return super().check_consume_key(key, character)

    async def _on_key(self, event: events.Key) -> None:
        if event.character == "?" and not self.value:
            event.stop()
            event.prevent_default()
            await self.app.run_action("help")
            return
        await super()._on_key(event)


class VtcodeApp(App[None]):
    CSS_PATH = "vtcode.tcss"
    TITLE = "vtcode"
    ENABLE_COMMAND_PALETTE = False  # ctrl+p is the plugins screen
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+p", "plugins", "plugins", priority=True),
        Binding("ctrl+r", "audit", "audit", priority=True),
        Binding("ctrl+s", "sessions", "sessions", priority=True),
        Binding("ctrl+o", "quick_open", "open file", priority=True),
        Binding("ctrl+t", "trust", "trust", priority=True),
        Binding("ctrl+k", "checkpoints", "checkpoints", priority=True),
        Binding("ctrl+g", "servers", "MCP servers", priority=True),
        Binding("ctrl+l", "toggle_theme", "light/dark", priority=True),
        Binding("escape", "stop", "stop"),
        Binding("f1", "help", "help", priority=True),
        Binding("question_mark", "help_or_type", "help", show=False),
        Binding("ctrl+c", "stop_or_quit", show=False, priority=True),
        Binding("ctrl+q", "quit", "quit", priority=True),
    ]
    QUIT_AGAIN_S = 2.0  # a second ctrl+c within this long quits

    def __init__(
        self,
        root: Path,
        *,
        config_files: Sequence[Path] = (),
        overrides: Sequence[str] = (),
        theme: str = "textual-dark",
    ) -> None:
        super().__init__()
        self.root = root
        self.config_files = tuple(config_files)
        self.overrides = tuple(overrides)
        self.inbox = Inbox()
        self.workbench: Workbench | None = None
        self.busy = ""
        self.load_problem: str | None = None
        self.pump = Pump(self)
        self._initial_theme = theme
        self.asker: TuiAsker | None = None
        self._quitting = False
        self._ctrl_c_at = float("-inf")
        self._idle = threading.Event()
        self._idle.set()

    def compose(self) -> ComposeResult:
        yield Static("", id="banner")
        yield ChatLog(id="chat")
        yield PromptInput(
            placeholder="Ask vtcode…  (!cmd runs a command through the policy and sandbox)", id="prompt"
        )
        yield StatusBar(id="status")
        yield Footer()

    def on_mount(self) -> None:
        self._end_on_signals()
        self.theme = self._initial_theme
        self.query_one("#banner").display = False
        self.query_one(StatusBar).update(Text(f" vtcode · {neutral(str(self.root))} · loading plugins…"))
        self.query_one("#prompt", Input).focus()
        self.set_interval(0.05, self.pump.drain)
        self.call_after_refresh(self.load)

    # -- loading --------------------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="load")
    def load(self) -> None:
        from vtcode.errors import VtcodeError

        from .asker import TuiAsker
        from .workbench import Workbench

        self.asker = self.asker or TuiAsker(
            self.show_approval, self._schedule, lambda: self.is_running and not self._quitting
        )
        try:
            bench = Workbench.open(
                self.root, self.inbox, self.asker, config_files=self.config_files, overrides=self.overrides
            )
        except VtcodeError as exc:
            self.call_from_thread(self._load_failed, str(exc))
            return
        try:
            if self._quitting:  # quit while loading: nobody else will close this session
                raise RuntimeError("quitting")
            self.call_from_thread(self._loaded, bench)
        except RuntimeError:  # the app is gone
            bench.close()
            return
        problem = bench.connect_model()
        self.call_from_thread(self._model_checked, problem)

    def _load_failed(self, problem: str) -> None:
        from .widgets.chat import Notice

        self.load_problem = problem
        self.chat(Notice(f"vtcode could not start the session: {problem}", "error"))

    def _loaded(self, bench: Workbench) -> None:
        if self._quitting:
            bench.close()
            return
        self.workbench = bench
        banner = self.query_one("#banner", Static)
        banner.display = not bench.facts.trusted
        banner.update(
            "⚠ Untrusted workspace: its vtcode.toml and tool-policy.json are ignored. "
            "Press ctrl+t to trust it (only if you trust this repository)."
        )
        self.refresh_status()

    def _model_checked(self, problem: str | None) -> None:
        from .widgets.chat import Notice

        bench = self.workbench
        if bench is not None and bench.offer:  # the server could load one: ask (model_load.py)
            from .model_load import offer_load

            offer_load(self, bench, problem)
        elif problem is not None:
            self.chat(Notice(f"No model reachable: {problem}\n{NO_MODEL_HELP}", "error"))
        for note in bench.notes if bench is not None else ():
            self.chat(Notice(note, "warn"))
        self.refresh_status()

    # -- the conversation -----------------------------------------------------------------------------

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id != "prompt":
            return
        from .widgets.chat import Notice, UserMessage

        text = event.value.strip()
        event.input.value = ""
        if not text:
            return
        bench = self.workbench
        if bench is None:
            self.chat(Notice(self.load_problem or "still loading plugins: try again in a moment", "warn"))
            return
        if self.busy:
            self.chat(Notice(f"busy ({self.busy}): wait, or press Esc to stop", "warn"))
            return
        if text == "/undo":
            from .actions import undo

            undo(self)
            return
        if bench.offer and bench.model_problem is not None and not text.startswith("!"):
            from .model_load import offer_load  # none loaded: pick one first; the prompt is kept

            event.input.value = text
            offer_load(self, bench, bench.model_problem)
            return
        self.chat(UserMessage(text))
        self.pump.new_turn()
        if text.startswith("!"):
            self.run_busy("running a command", bench.shell, text[1:].strip())
        else:
            self.run_busy("thinking", bench.ask, text)

    def run_busy(self, label: str, job: Callable[[str], None], arg: str) -> None:
        self.busy = label
        self.refresh_status()
        self._idle.clear()
        self._job(job, arg)

    @work(thread=True, exclusive=True, group="agent")
    def _job(self, job: Callable[[str], None], arg: str) -> None:
        from .widgets.chat import Notice

        try:
            job(arg)
        except Exception as exc:  # the UI stays up; the session's own events already hold the details
            if not self._quitting:
                self.call_from_thread(self.chat, Notice(f"error: {type(exc).__name__}: {exc}", "error"))
                self.call_from_thread(self.finished)
        finally:
            self._idle.set()

    def finished(self) -> None:
        self.busy = ""
        self.refresh_status()

    def chat(self, widget: Widget) -> None:
        self.query_one(ChatLog).add(widget)

    def refresh_status(self) -> None:
        if self.workbench is not None:
            self.query_one(StatusBar).show(self.workbench.facts, self.busy)

    # -- approvals (called from the agent's thread through the asker) -------------------------------

    def _schedule(self, callback: Callable[[], None]) -> None:
        self.call_from_thread(callback)

    def show_approval(self, prompt: ApprovalPrompt, reply: Callable[[Answer], None]) -> None:
        from vtcode.approvals import Answer
        from vtcode.workspace.jail import Jail

        from .diffs import edit_diff
        from .screens.approval import ApprovalScreen

        self.pump.drain()  # the tool panel that asks is on screen before the question
        diff = edit_diff(Jail(self.root), prompt.action.tool or "", dict(prompt.action.args or {}))
        self.push_screen(ApprovalScreen(prompt, diff), lambda answer: reply(answer or Answer.DENY))

    # -- actions --------------------------------------------------------------------------------------

    def action_stop(self) -> None:
        from .widgets.chat import Notice

        if self.busy and self.workbench is not None:
            self.workbench.stop()
            self.chat(Notice("stopping: a running command gets SIGINT; the run ends as interrupted", "warn"))

    def action_toggle_theme(self) -> None:
        self.theme = "textual-light" if self.theme == "textual-dark" else "textual-dark"

    def action_plugins(self) -> None:
        from .actions import open_plugins

        open_plugins(self)

    def action_audit(self) -> None:
        from .actions import open_audit

        open_audit(self)

    def action_sessions(self) -> None:
        from .actions import open_sessions

        open_sessions(self)

    def action_quick_open(self) -> None:
        from .actions import open_quick

        open_quick(self)

    def action_checkpoints(self) -> None:
        from .actions import open_checkpoints

        open_checkpoints(self)

    def action_servers(self) -> None:
        from .actions import open_servers

        open_servers(self)

    def action_trust(self) -> None:
        from .actions import trust_workspace

        trust_workspace(self)

    def action_help(self) -> None:
        from .screens.help import HelpScreen

        if isinstance(self.screen, HelpScreen):  # the same key closes it
            self.pop_screen()
        else:
            shown = [b for b in self.BINDINGS if isinstance(b, Binding) and b.action != "help_or_type"]
            self.push_screen(HelpScreen([*shown, Binding("question_mark", "help")]))

    def action_help_or_type(self) -> None:
        """`?` opens the help; it reaches this binding only where it is not text being typed (an input
        takes it first, except the empty prompt: see PromptInput)."""
        self.action_help()

    def action_stop_or_quit(self) -> None:
        """ctrl+c: stop a run as Esc does; a second ctrl+c within QUIT_AGAIN_S quits."""
        import time

        now = time.monotonic()
        if now - self._ctrl_c_at <= self.QUIT_AGAIN_S:
            self.quit_with(0)
            return
        self._ctrl_c_at = now
        self.action_stop()
        self.notify("press ctrl+c again to quit (or ctrl+q)", timeout=self.QUIT_AGAIN_S)

    async def action_quit(self) -> None:
        self.quit_with(0)

    def quit_with(self, status: int) -> None:
        """End the app (the session's log is closed on unmount); `status` is the process's exit status."""
        self._quitting = True
        if self.workbench is not None:
            self.workbench.stop()
        self.exit(return_code=status)

    def _end_on_signals(self) -> None:
        """SIGTERM, SIGHUP (the terminal closed) and SIGINT (`kill -INT`; the ctrl+c key is a key here)
        end the app as ctrl+q does, so the session's audit log is flushed and closed, never cut short."""
        import asyncio
        import contextlib

        from vtcode.signals import ENDING

        loop = asyncio.get_running_loop()
        for signum in ENDING:
            with contextlib.suppress(ValueError, RuntimeError, NotImplementedError):  # not the main thread
                loop.add_signal_handler(signum, self.quit_with, 128 + signum)

    def on_unmount(self) -> None:
        self.close_session()

    def close_session(self) -> None:
        """Stop the agent and close the session's audit log (`session.ended`); once."""
        self._quitting = True
        bench, self.workbench = self.workbench, None
        if bench is not None:
            bench.stop()  # and the asker answers deny once the app is gone: the agent ends its run
            self._idle.wait(10)
            bench.close()
