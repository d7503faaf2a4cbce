"""The audit trail of this session, live: every event the bus sealed (the same seq and hashes as the
JSONL log `vtcode audit verify` checks), filtered by type as you type."""

from __future__ import annotations

import json
from collections.abc import Sequence

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, Static
from vtcode_hookspecs import Event

from vtcode.approvals.askers import shown


class AuditScreen(Screen[None]):
    BINDINGS = [Binding("escape", "app.pop_screen", "back")]

    def __init__(self, events: Sequence[Event]) -> None:
        super().__init__()
        self.events = list(events)
        self.filter = ""

    def compose(self) -> ComposeResult:
        yield Static(
            Text(f"Audit trail of this session ({len(self.events)} events)", style="bold"),
            classes="screen-title",
        )
        yield Input(placeholder="filter by type, e.g. tool, approval, policy.decision", id="audit-filter")
        table: DataTable[str | Text] = DataTable(id="audit-table", cursor_type="row", zebra_stripes=True)
        table.add_columns("seq", "time", "type", "payload")
        yield table
        yield Footer()

    def on_mount(self) -> None:
        self._fill()
        self.query_one("#audit-filter", Input).focus()

    def add(self, event: Event) -> None:
        self.events.append(event)
        if self.filter in event.type:
            self._row(event)

    def on_input_changed(self, event: Input.Changed) -> None:
        self.filter = event.value.strip()
        self._fill()

    def _fill(self) -> None:
        self.query_one(DataTable).clear()
        for event in self.events:
            if self.filter in event.type:
                self._row(event)

    def _row(self, event: Event) -> None:
        payload = json.dumps(event.payload, separators=(",", ":"))
        self.query_one(DataTable).add_row(
            str(event.seq), f"{event.ts:%H:%M:%S}", Text(shown(event.type)), Text(shown(payload[:160]))
        )
