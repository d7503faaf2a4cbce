"""The MCP servers screen (ctrl+g) over a real session with real servers (Python SDK, stdio, confined):
which servers are configured or proposed and their state, identity, tools with the policy's decision per
tool, prompts and resources; approving a workspace's proposal after seeing its identity (and only that
identity), revoking it; and every text a server chose drawn inert."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

import regex
from helpers.mcp_servers import FIXTURES, PY_SERVER
from helpers.tui import Driver, RunTui
from textual.coordinate import Coordinate
from textual.widgets import DataTable, Static

from vtcode.paths import user_config_dir, user_data_dir
from vtcode.tui.screens.servers import ConfirmServerScreen, ServersScreen

HOSTILE_SERVER = FIXTURES / "hostile_server.py"
HIDDEN = regex.compile(r"[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}]")


def _hidden(text: str) -> list[str]:
    return [ch for ch in text if ch != "\n" and HIDDEN.match(ch)]


def configure(workspace: Path, *, propose: bool = True) -> None:
    """Two servers of the user's (a hostile one, the test server with one tool denied) and a workspace
    proposal (the test server again), not approved."""
    user_config_dir().mkdir(parents=True, exist_ok=True)
    (user_config_dir() / "vtcode.toml").write_text(
        f'[mcp.servers.hostile]\ncommand = "{sys.executable}"\nargs = ["{HOSTILE_SERVER}"]\n'
        f'[mcp.servers.py]\ncommand = "{sys.executable}"\n'
        f'args = ["{PY_SERVER}", "--stdio", "--log", "{workspace / "calls.jsonl"}"]\nwrite = true\n'
        '[tools.policies]\n"mcp.py.delete_everything" = "deny"\n"mcp.py.add" = "allow"\n'
    )
    if propose:
        (workspace / ".vtcode").mkdir()
        args = [str(PY_SERVER), "--stdio", "--log", str(workspace / "proposed.jsonl")]
        (workspace / ".vtcode" / "mcp.toml").write_text(
            f'[servers.proposed]\ncommand = "{sys.executable}"\nargs = {json.dumps(args)}\n'
        )


async def open_servers(ui: Driver) -> ServersScreen:
    await ui.loaded()
    bench = ui.app.workbench
    assert bench is not None
    entry = bench.runtime.plugins.registries.tool_sources.get("mcp")
    assert entry is not None
    assert await asyncio.to_thread(entry.obj.wait_ready, 60)
    await ui.press("ctrl+g")
    await ui.until(lambda: isinstance(ui.app.screen, ServersScreen), timeout=30)
    screen = ui.app.screen
    assert isinstance(screen, ServersScreen)
    return screen


def states(screen: ServersScreen) -> dict[str, str]:
    return {row.server.name: row.server.state for row in screen.rows}


async def select(ui: Driver, screen: ServersScreen, name: str) -> None:
    index = [row.server.name for row in screen.rows].index(name)
    screen.query_one(DataTable).move_cursor(row=index)
    await ui.pilot.pause(0.1)


def message(screen: ServersScreen) -> str:
    return str(screen.query_one("#servers-message", Static).render())


def detail(screen: ServersScreen) -> str:
    return str(screen.query_one("#servers-detail", Static).render())


def test_the_screen_shows_state_identity_tools_and_the_policys_decision(
    workspace: Path, run_tui: RunTui
) -> None:
    configure(workspace)

    async def scenario(ui: Driver) -> None:
        screen = await open_servers(ui)
        assert states(screen) == {"hostile": "ready", "py": "ready", "proposed": "needs approval"}
        await select(ui, screen, "py")
        text = detail(screen)
        assert "mcp.py.delete_everything  [deny" in text
        assert "mcp.py.add  [allow" in text
        assert "mcp.py.big  [prompt" in text  # no rule: asked
        assert "identity: sha256:" in text or "identity: " in text
        await select(ui, screen, "proposed")
        text = detail(screen)
        assert "not approved" in text and "identity: " in text
        await ui.press("escape")

    run_tui(scenario)


def test_server_text_is_drawn_inert_tools_prompts_and_resources(workspace: Path, run_tui: RunTui) -> None:
    configure(workspace, propose=False)
    (workspace / ".vtcode").mkdir()  # a proposal whose very name is an escape sequence (refused, and shown)
    (workspace / ".vtcode" / "mcp.toml").write_text(
        '[servers."x\\u001b]0;name-title\\u0007\\u202e"]\ncommand = "/bin/true"\n')

    async def scenario(ui: Driver) -> None:
        screen = await open_servers(ui)
        await select(ui, screen, "hostile")
        text = detail(screen)
        assert "mcp.hostile.evil" in text
        assert "prompts (for you to read" in text and "review" in text
        assert "resources (the model reads them" in text and "note://readme" in text
        assert "mcp.hostile.read_resource" in text
        assert "\\x1b]0;pwned-title" in text or "\\x1b" in text  # shown as an escape, visibly
        assert "\\u202e" in text
        assert not _hidden(text), text
        # every cell of the table too
        table = screen.query_one(DataTable)
        every = [Coordinate(r, c) for r in range(table.row_count) for c in range(6)]
        cells = "".join(str(table.get_cell_at(at)) for at in every)
        assert not _hidden(cells), cells
        assert "\\x1b]0;name-title" in cells and states(screen)["x\x1b]0;name-title\x07\u202e"] == "refused"

    run_tui(scenario)


def test_approve_shows_the_identity_first_and_records_exactly_it(workspace: Path, run_tui: RunTui) -> None:
    configure(workspace)

    async def scenario(ui: Driver) -> None:
        screen = await open_servers(ui)
        await select(ui, screen, "proposed")
        row = screen.selected()
        assert row is not None and row.server.approvable and row.server.identity
        await ui.press("a")
        await ui.until(lambda: isinstance(ui.app.screen, ConfirmServerScreen))
        shown = str(ui.app.screen.query_one("#server-confirm", Static).render())
        assert row.server.identity in shown and "py_server.py" in shown
        await ui.press("n")  # declined: nothing recorded
        await ui.until(lambda: isinstance(ui.app.screen, ServersScreen))
        assert not (user_data_dir() / "mcp-approvals.json").exists()
        await ui.press("a")
        await ui.until(lambda: isinstance(ui.app.screen, ConfirmServerScreen))
        await ui.press("y")
        await ui.until(lambda: "approved proposed" in message(screen))
        stored = json.loads((user_data_dir() / "mcp-approvals.json").read_text())
        assert stored[str(workspace)]["proposed"]["digest"] == row.server.identity

    run_tui(scenario)
    logs = (workspace.parent / "audit").rglob("*.jsonl")
    events = [json.loads(line) for f in logs for line in f.read_text().splitlines()]
    [approved] = [e["payload"] for e in events if e.get("type") == "mcp.approval"]
    assert approved["action"] == "approved" and approved["via"] == "tui" and approved["server"] == "proposed"
    assert approved["workspace"] == str(workspace) and approved["who"]["uid"] == str(os.getuid())
    assert approved["identity"] == json.loads((user_data_dir() / "mcp-approvals.json").read_text())[
        str(workspace)]["proposed"]["digest"]


def test_a_proposal_changed_after_it_was_shown_is_not_approved(workspace: Path, run_tui: RunTui) -> None:
    configure(workspace)

    async def scenario(ui: Driver) -> None:
        screen = await open_servers(ui)
        await select(ui, screen, "proposed")
        await ui.press("a")
        await ui.until(lambda: isinstance(ui.app.screen, ConfirmServerScreen))
        toml = workspace / ".vtcode" / "mcp.toml"  # the repository changes it while the person reads
        toml.write_text(toml.read_text().replace('"--stdio"', '"--stdio", "--token", "x"'))
        await ui.press("y")
        await ui.until(lambda: "not approved" in message(screen))
        assert "changed since it was shown" in message(screen)
        assert not (user_data_dir() / "mcp-approvals.json").exists()

    run_tui(scenario)


def test_revoke_stops_an_approved_server_and_withdraws_its_tools(workspace: Path, run_tui: RunTui) -> None:
    import os
    import subprocess

    from vtcode.workspace.trust import write_trust

    configure(workspace)
    write_trust(workspace)
    vtcode = str(Path(sys.executable).parent / "vtcode")
    done = subprocess.run([vtcode, "mcp", "approve", "proposed", "--workspace", str(workspace)],
                          env=dict(os.environ), capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr

    async def scenario(ui: Driver) -> None:
        screen = await open_servers(ui)
        assert states(screen)["proposed"] == "ready"
        bench = ui.app.workbench
        assert bench is not None
        source = bench.runtime.plugins.registries.tool_sources.get("mcp").obj  # type: ignore[union-attr]
        assert any(t.name.startswith("mcp.proposed.") for t in source.tools())
        await select(ui, screen, "proposed")
        await ui.press("r")
        await ui.until(lambda: "revoked proposed" in message(screen))
        assert not any(t.name.startswith("mcp.proposed.") for t in source.tools())
        await ui.until(lambda: source.connections["proposed"].state == "stopped", timeout=20)
        assert "proposed" not in json.loads((user_data_dir() / "mcp-approvals.json").read_text()).get(
            str(workspace), {})

    run_tui(scenario)


def test_no_servers_says_how_to_configure_them(workspace: Path, run_tui: RunTui) -> None:
    async def scenario(ui: Driver) -> None:
        await ui.loaded()
        await ui.press("ctrl+g")
        await ui.until(lambda: isinstance(ui.app.screen, ServersScreen))
        assert "[mcp.servers.NAME]" in str(ui.app.screen.query_one("#servers-empty", Static).render())
        await ui.press("escape")
        await ui.until(lambda: not isinstance(ui.app.screen, ServersScreen))

    run_tui(scenario)


def test_an_untrusted_workspaces_proposal_cannot_be_approved_from_the_screen(
    workspace: Path, run_tui: RunTui
) -> None:
    configure(workspace)

    async def scenario(ui: Driver) -> None:
        screen = await open_servers(ui)
        assert states(screen)["proposed"] == "refused"
        await select(ui, screen, "proposed")
        assert "untrusted" in detail(screen)
        await ui.press("a")
        await ui.pilot.pause(0.3)
        assert isinstance(ui.app.screen, ServersScreen)  # no confirmation: nothing to approve
        assert "nothing to approve" in message(screen)
        assert not (user_data_dir() / "mcp-approvals.json").exists()

    run_tui(scenario, trusted=False)
