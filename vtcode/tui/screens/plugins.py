"""Plugins: what the gate concluded about each one (status, families, reason); approval of a third-party
plugin that needs it (the same record `vtcode plugins approve` writes); disable and enable (the user's own
vtcode.toml, `[plugins] disabled`). All of it applies from the next start: plugins are admitted only
when a session opens."""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from vtcode.approvals.askers import shown
from vtcode.plugins.records import PluginRecord
from vtcode.plugins.signoff import Status

_STYLE = {Status.SIGNED_OFF: "green", Status.NEEDS_APPROVAL: "yellow", Status.DISABLED: "dim"}


class PluginsScreen(Screen[None]):
    BINDINGS = [
        Binding("escape,q", "app.pop_screen", "back"),
        Binding("a", "approve", "approve selected"),
        Binding("d", "set_disabled(True)", "disable"),
        Binding("e", "set_disabled(False)", "enable"),
    ]

    def __init__(
        self,
        records: list[PluginRecord],
        approve: Callable[[str], str],
        toggle: Callable[[PluginRecord, bool], str] | None = None,
    ) -> None:
        super().__init__()
        self.records = records
        # Each returns a one-line result, or raises VtcodeError with the reason.
        self._approve = approve
        self._toggle = toggle

    def compose(self) -> ComposeResult:
        yield Static(Text("Plugins", style="bold"), classes="screen-title")
        table: DataTable[Text | str] = DataTable(id="plugins-table", cursor_type="row", zebra_stripes=True)
        self._columns = table.add_columns("plugin", "status", "families", "version", "reason")
        for record in self.records:
            families = ",".join(sorted(record.implements or record.declared)) or "-"
            status = Text(record.status.value, style=_STYLE.get(record.status, "bold red"))
            table.add_row(
                Text(shown(record.name)), status, Text(shown(families)), Text(shown(record.version)),
                Text(shown(record.reason)),
                key=record.name,
            )
        yield table
        yield Static("", id="plugins-message")
        yield Footer()

    def selected(self) -> PluginRecord | None:
        table = self.query_one(DataTable)
        if not self.records or table.cursor_row < 0:
            return None
        return self.records[table.cursor_row]

    def action_approve(self) -> None:
        from vtcode.errors import VtcodeError

        record = self.selected()
        if record is None:
            return
        message = self.query_one("#plugins-message", Static)
        if record.status is not Status.NEEDS_APPROVAL:
            message.update(Text(shown(f"{record.name} is {record.status.value}: nothing to approve")))
            return
        try:
            message.update(Text(shown(self._approve(record.distribution))))
        except VtcodeError as exc:
            message.update(Text(shown(f"not approved: {exc}"), style="red"))

    def action_set_disabled(self, disable: bool) -> None:
        from vtcode.errors import VtcodeError

        record = self.selected()
        if record is None or self._toggle is None:
            return
        message = self.query_one("#plugins-message", Static)
        try:
            message.update(Text(shown(self._toggle(record, disable))))
        except VtcodeError as exc:
            message.update(Text(shown(f"not changed: {exc}"), style="red"))
            return
        after = f"{record.status.value} → {'disabled' if disable else 'enabled'} at next start"
        self.query_one(DataTable).update_cell(record.name, self._columns[1], Text(after, style="bold"))
