"""`/undo` and the checkpoints screen (ctrl+k) in the real TUI over the real stack: the agent writes a
file (approved with `y` in the approval modal), `/undo` shows the plan and `r` brings the file back; the
`!cmd` shell escape is checkpointed too."""

from __future__ import annotations

import asyncio
from pathlib import Path

from helpers.openai_stub import OpenAIStub, Reply, ToolCallReply
from helpers.tui import Driver, RunTui, stub_overrides
from textual.widgets import OptionList, Static

from vtcode.tui.screens.approval import QUIET_S, ApprovalScreen
from vtcode.tui.screens.checkpoints import CheckpointsScreen, RestoreScreen
from vtcode.tui.widgets.chat import Notice


def test_undo_restores_the_agents_last_change(workspace: Path, stub: OpenAIStub, run_tui: RunTui) -> None:
    (workspace / "notes.txt").write_text("mine\n")
    stub.push(Reply(tool_calls=[ToolCallReply("write_file", {"path": "notes.txt", "content": "agent\n"})]),
              Reply(text="written"))

    async def scenario(ui: Driver) -> None:
        await ui.loaded()
        await ui.send("rewrite notes")
        await ui.until(lambda: isinstance(ui.app.screen, ApprovalScreen))
        await asyncio.sleep(QUIET_S + 0.1)  # an answer key right after the modal appears is no answer
        await ui.press("y")
        await ui.idle()
        assert (workspace / "notes.txt").read_text() == "agent\n"
        await ui.send("/undo")
        await ui.until(lambda: isinstance(ui.app.screen, RestoreScreen))
        plan = str(ui.app.screen.query_one("#restore-plan", Static).render())
        assert "restore   notes.txt" in plan
        await ui.press("r")
        await ui.until(lambda: not isinstance(ui.app.screen, RestoreScreen))
        assert (workspace / "notes.txt").read_text() == "mine\n"
        notices = [str(n.render()) for n in ui.app.query(Notice)]
        assert any("restored checkpoint 1" in n for n in notices), notices

    run_tui(scenario, overrides=stub_overrides(stub.base_url))


def test_the_checkpoints_screen_lists_a_shell_escape_and_esc_changes_nothing(
    workspace: Path, stub: OpenAIStub, run_tui: RunTui
) -> None:
    async def scenario(ui: Driver) -> None:
        await ui.loaded()
        await ui.send("!touch made.txt")
        if isinstance(ui.app.screen, ApprovalScreen) or await _asked(ui):
            await asyncio.sleep(QUIET_S + 0.1)
            await ui.press("y")
        await ui.idle()
        assert (workspace / "made.txt").exists()
        await ui.press("ctrl+k")
        await ui.until(lambda: isinstance(ui.app.screen, CheckpointsScreen))
        options = ui.app.screen.query_one(OptionList)
        assert options.option_count == 1
        assert "touch made.txt" in str(options.get_option_at_index(0).prompt)
        await ui.press("enter")
        await ui.until(lambda: isinstance(ui.app.screen, RestoreScreen))
        assert "delete    made.txt" in str(ui.app.screen.query_one("#restore-plan", Static).render())
        await ui.press("escape")
        await ui.until(lambda: not isinstance(ui.app.screen, RestoreScreen))
        assert (workspace / "made.txt").exists()

    run_tui(scenario, overrides=stub_overrides(stub.base_url))


async def _asked(ui: Driver) -> bool:
    for _ in range(100):
        if isinstance(ui.app.screen, ApprovalScreen):
            return True
        if not ui.app.busy:
            return False
        await ui.pilot.pause(0.05)
    return False
