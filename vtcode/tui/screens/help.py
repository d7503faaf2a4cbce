"""F1 / `?`: every key of the main screen and what it does, built from the app's own bindings so the
list cannot drift from what the keys actually do."""

from __future__ import annotations

from collections.abc import Sequence

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Footer, Static

# What the bindings' short footer labels do not say.
DETAILS = {
    "plugins": "plugins: status, hook families, reason; approve, disable, enable",
    "audit": "the audit trail of this session, live, filtered by type",
    "sessions": "sessions of this workspace; Enter resumes one",
    "quick_open": "quick open a file (read-only)",
    "trust": "trust this workspace (its tighten-only vtcode.toml then applies)",
    "toggle_theme": "switch between the dark and the light theme",
    "stop": "stop: interrupt the running command and end the run",
    "quit": "quit (the session's audit log is closed and saved)",
    "help": "this screen",
}
EXTRA = (
    ("ctrl+c", "stop a run; pressed twice within 2 s: quit"),
    ("Enter", "send the prompt"),
    ("!cmd", "run cmd through the same policy, approvals and sandbox as the model"),
)


def key_label(key: str) -> str:
    return {"question_mark": "?", "escape": "Esc"}.get(key, key)


class HelpScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape", "app.pop_screen", "close"),
        Binding("q", "app.pop_screen", "close", show=False),
        Binding("f1", "app.pop_screen", "close", show=False),
        Binding("question_mark", "app.pop_screen", "close", show=False),
    ]

    def __init__(self, bindings: Sequence[Binding]) -> None:
        super().__init__()
        self.bindings = list(bindings)

    def rows(self) -> list[tuple[str, str]]:
        seen: dict[str, str] = {}
        for binding in self.bindings:
            text = DETAILS.get(binding.action, binding.description or binding.action)
            label = key_label(binding.key)
            seen[text] = f"{seen[text]}, {label}" if text in seen else label
        return [*((keys, text) for text, keys in seen.items()), *EXTRA]

    def compose(self) -> ComposeResult:
        table = Table(show_header=False, box=None, padding=(0, 2))
        table.add_column(style="bold")
        table.add_column()
        for keys, text in self.rows():
            table.add_row(keys, text)
        with VerticalScroll(id="help-body"):
            yield Static(Text("Keys", style="bold"), classes="screen-title")
            yield Static(table, id="help-keys")
            yield Static(
                Text("Esc closes this screen. Docs: docs/tui.md, docs/first-ten-minutes.md", style="dim")
            )
        yield Footer()
