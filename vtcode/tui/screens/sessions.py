"""Saved sessions of this workspace, newest first; Enter resumes one (its transcript is shown and the next
prompt continues it, as `vtcode exec --resume` would)."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option
from vtcode_hookspecs import SessionSummary

from vtcode.approvals.askers import shown


class SessionsScreen(ModalScreen[str | None]):
    BINDINGS = [Binding("escape", "dismiss(None)", "back")]

    def __init__(self, sessions: list[SessionSummary]) -> None:
        super().__init__(classes="picker")
        self.sessions = sessions

    def compose(self) -> ComposeResult:
        yield Static(Text("Resume a session (Enter) · Esc to close", style="bold"), classes="screen-title")
        if not self.sessions:
            yield Static("no saved sessions for this workspace yet", id="sessions-empty")
        options = [
            # Text: a title is the model's or the person's words, never markup (and shown() neutralises it).
            Option(Text(f"{s.updated:%Y-%m-%d %H:%M}  {shown(s.title or '(untitled)')[:60]}  {shown(s.id)}"),
                   id=s.id)
            for s in self.sessions
        ]
        yield OptionList(*options, id="sessions-list")

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)
