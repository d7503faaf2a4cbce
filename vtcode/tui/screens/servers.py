"""Servers behind tool sources (MCP): which are configured or proposed, their state (running, refused and
why, needs approval), their identity, what each offers and the decision the policy gives each tool.
`a` approves a workspace's proposal after showing its identity (`y` to confirm); `r` revokes an approval
and stops the server. Every text a server chose (names, descriptions, its error messages) is neutralised
before it is drawn: a server is not trusted to write to the person's terminal."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.coordinate import Coordinate
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Footer, Static
from vtcode_hookspecs import SourceServer

from vtcode.approvals.askers import shown

_STYLE = {"ready": "green", "needs approval": "yellow", "approved": "cyan", "refused": "red",
          "unavailable": "bold red", "revoked": "dim"}


@dataclass(frozen=True)
class ServerRow:
    """A server as the screen shows it: the source's report, and the policy's verdict per tool name."""

    source: str  # the tool source's name ("mcp")
    server: SourceServer
    decisions: dict[str, str]  # tool name -> "allow" / "prompt" / "deny" (and the rule that decided)


def describe_server(row: ServerRow) -> str:
    """The detail pane's text, neutralised line by line."""
    s = row.server
    lines = [f"{s.name}  ({s.origin}, {s.state})"]
    if s.reason:
        lines.append(f"  why: {s.reason}")
    if s.what:
        lines.append(f"  runs: {s.what}")
    if s.identity:
        lines.append(f"  identity: {s.identity}")
    tools = [o for o in s.offers if o.kind == "tool"]
    if tools:
        lines.append("  tools (policy decision):")
        lines += [f"    {t.name}  [{row.decisions.get(t.name, '?')}]  {t.description}" for t in tools]
    titles = (("prompt", "prompts (for you to read; not offered to the model)"),
              ("resource", "resources (the model reads them through the read_resource tool above)"))
    for kind, title in titles:
        items = [o for o in s.offers if o.kind == kind]
        if items:
            lines.append(f"  {title}:")
            lines += [f"    {o.name}  {o.description}" for o in items]
    return "\n".join(shown(line) for line in lines)


class ServersScreen(Screen[None]):
    BINDINGS = [
        Binding("escape,q", "app.pop_screen", "back"),
        Binding("a", "approve", "approve selected"),
        Binding("r", "revoke", "revoke selected"),
    ]

    def __init__(
        self,
        rows: list[ServerRow],
        approve: Callable[[ServerRow], str],
        revoke: Callable[[ServerRow], str],
    ) -> None:
        super().__init__()
        self.rows = rows
        # Each returns a one-line result, or raises ValueError with the reason.
        self._approve = approve
        self._revoke = revoke

    def compose(self) -> ComposeResult:
        title = Text("MCP servers: a approve · r revoke · Esc back", style="bold")
        yield Static(title, classes="screen-title")
        if not self.rows:
            yield Static(Text("no MCP servers configured ([mcp.servers.NAME] in vtcode.toml) or proposed "
                              "(.vtcode/mcp.toml); see docs/mcp.md"), id="servers-empty")
        table: DataTable[Text] = DataTable(id="servers-table", cursor_type="row", zebra_stripes=True)
        self._columns = table.add_columns("server", "from", "state", "tools", "identity", "why")
        for index, row in enumerate(self.rows):
            s = row.server
            tools = sum(1 for o in s.offers if o.kind == "tool")
            table.add_row(
                Text(shown(s.name)), Text(s.origin), Text(shown(s.state), style=_STYLE.get(s.state, "")),
                Text(str(tools)), Text(shown((s.identity or "-")[:23])), Text(shown(s.reason)[:80]),
                key=str(index),
            )
        yield table
        yield VerticalScroll(Static("", id="servers-detail"))
        yield Static("", id="servers-message")
        yield Footer()

    def on_mount(self) -> None:
        self._show_detail()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_detail()

    def selected(self) -> ServerRow | None:
        table = self.query_one(DataTable)
        if not self.rows or not 0 <= table.cursor_row < len(self.rows):
            return None
        return self.rows[table.cursor_row]

    def _show_detail(self) -> None:
        row = self.selected()
        self.query_one("#servers-detail", Static).update(Text(describe_server(row)) if row else "")

    def _say(self, text: str, style: str = "") -> None:
        self.query_one("#servers-message", Static).update(Text(shown(text), style=style))

    def _mark(self, state: str) -> None:
        table = self.query_one(DataTable)
        table.update_cell_at(Coordinate(table.cursor_row, 2), Text(state, style="bold"))

    def action_approve(self) -> None:
        row = self.selected()
        if row is None:
            return
        if not row.server.approvable:
            self._say(f"{row.server.name} is {row.server.state}: nothing to approve here")
            return

        def answered(yes: bool | None) -> None:
            if not yes:
                self._say(f"{row.server.name}: not approved")
                return
            try:
                self._say(self._approve(row))
            except ValueError as exc:
                self._say(f"not approved: {exc}", "red")
                return
            self._mark("approved: next session")

        self.app.push_screen(ConfirmServerScreen(row.server), answered)

    def action_revoke(self) -> None:
        row = self.selected()
        if row is None:
            return
        if not row.server.approved:
            self._say(f"{row.server.name} has no approval of yours to revoke")
            return
        try:
            self._say(self._revoke(row))
        except ValueError as exc:
            self._say(f"not revoked: {exc}", "red")
            return
        self._mark("revoked")


class ConfirmServerScreen(ModalScreen[bool]):
    """The identity an approval records, shown before it is recorded: `y` approves exactly this."""

    BINDINGS = [
        Binding("y", "dismiss(True)", "approve"),
        Binding("n,escape", "dismiss(False)", "cancel"),
    ]

    def __init__(self, server: SourceServer) -> None:
        super().__init__(classes="picker")
        self.server = server

    def compose(self) -> ComposeResult:
        s = self.server
        lines = [
            f"Approve the workspace's MCP server {s.name}?",
            f"  it runs: {s.what or '-'}",
            f"  identity: {s.identity or '-'}",
            "  Any change to it (executable, its digest, arguments, env names, package version, URL) needs a "
            "new approval. It starts with the next session, confined by the sandbox; its tools still go "
            "through the policy.",
            "y approve · n / Esc cancel",
        ]
        yield Static(Text("\n".join(shown(line) for line in lines)), id="server-confirm")
