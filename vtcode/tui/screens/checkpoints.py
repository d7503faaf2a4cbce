"""Checkpoints of this workspace, newest first (Enter: see what restoring one would change), and the
restore screen: the plan, then `r` to restore (a person's later edits kept), `o` to overwrite them too,
Esc to leave everything as it is. `/undo` opens the restore screen for the last agent action."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from vtcode.approvals.askers import shown
from vtcode.checkpoints import Checkpoint
from vtcode.checkpoints.restore import Plan


class CheckpointsScreen(ModalScreen[int | None]):
    BINDINGS = [Binding("escape", "dismiss(None)", "back")]

    def __init__(self, checkpoints: list[Checkpoint]) -> None:
        super().__init__(classes="picker")
        self.checkpoints = checkpoints

    def compose(self) -> ComposeResult:
        yield Static(Text("Checkpoints: Enter shows what restoring one changes · Esc to close", style="bold"),
                     classes="screen-title")
        if not self.checkpoints:
            yield Static("no checkpoints for this workspace yet", id="checkpoints-empty")
        options = [
            Option(Text(f"{c.id:>4}  {c.ts}  {shown(c.tool)}: {shown(c.summary)[:60]}"), id=str(c.id))
            for c in reversed(self.checkpoints)
        ]
        yield OptionList(*options, id="checkpoints-list")

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(int(event.option.id or 0) or None)


class RestoreScreen(ModalScreen[str | None]):
    """Answers "restore", "overwrite" or None (nothing changes)."""

    BINDINGS = [
        Binding("r", "dismiss('restore')", "restore"),
        Binding("o", "dismiss('overwrite')", "restore, overwriting later edits"),
        Binding("escape", "dismiss(None)", "cancel"),
    ]

    def __init__(self, plan: Plan, title: str) -> None:
        super().__init__(classes="picker")
        self.plan = plan
        self.title_text = title

    def compose(self) -> ComposeResult:
        yield Static(Text(self.title_text, style="bold"), classes="screen-title")
        lines = self.plan.describe() or ["  nothing to restore: the workspace is as it was"]
        yield VerticalScroll(Static(Text("\n".join(shown(line) for line in lines)), id="restore-plan"))
        keys = "r restore · Esc cancel"
        if self.plan.kept:
            keys = "r restore (kept files stay) · o overwrite them too · Esc cancel"
        yield Static(Text(keys), id="restore-keys")
