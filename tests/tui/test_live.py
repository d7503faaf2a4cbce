"""Tool panels while they run and after: a command's output streamed into its panel with its exit status
and duration at the end, Esc interrupting a running command at once, and a file edit's diff shown once."""

from __future__ import annotations

import re
import time
from pathlib import Path

from helpers.openai_stub import OpenAIStub, Reply, ToolCallReply
from helpers.tui import Driver, RunTui, stub_overrides
from rich.syntax import Syntax
from textual.widgets import Static

from vtcode.tui.screens.approval import QUIET_S, ApprovalScreen
from vtcode.tui.widgets.chat import Notice, ToolPanel


def text_of(panel: ToolPanel) -> str:
    return str(panel.output.render())


def diff_of(panel: ToolPanel) -> str:
    shown = panel.query_one(".diff", Static).content
    assert isinstance(shown, Syntax)
    return shown.code


async def answer_if_asked(ui: Driver) -> None:
    """Commands may need approval under the default policy: allow once, as a person would."""
    await ui.pilot.pause(QUIET_S + 0.1)  # the modal counts a key only after a quiet moment
    if isinstance(ui.app.screen, ApprovalScreen):
        await ui.press("y")


def test_command_output_streams_into_its_panel(workspace: Path, stub: OpenAIStub, run_tui: RunTui) -> None:
    async def scenario(ui: Driver) -> None:
        await ui.loaded()
        await ui.send("!echo first; sleep 1.5; echo second")
        await answer_if_asked(ui)
        await ui.until(
            lambda: bool(ui.app.query(ToolPanel)) and "first" in text_of(ui.app.query_one(ToolPanel))
        )
        panel = ui.app.query_one(ToolPanel)
        assert panel.state == "running" and not panel.collapsed  # open while it runs: the output is visible
        assert "second" not in text_of(panel) and "running" in str(panel.title)
        await ui.idle()
        assert panel.state == "ok" and "first" in text_of(panel) and "second" in text_of(panel)
        took = re.search(r"\(exit 0, (\d+\.\d+)s\)", str(panel.title))  # exit status and duration
        assert took is not None and float(took.group(1)) >= 1.5
        panel.collapsed = True  # still a collapsible panel
        await ui.pilot.pause(0.1)
        assert panel.collapsed

    run_tui(scenario, overrides=stub_overrides(stub.base_url))


def test_escape_interrupts_a_running_command(workspace: Path, stub: OpenAIStub, run_tui: RunTui) -> None:
    command = "trap 'echo got-sigint; exit 130' INT; echo ready; sleep 60 & wait"
    stub.push(
        Reply(tool_calls=[ToolCallReply("run_command", {"command": command})]),
        Reply(text="should never be asked"),
    )

    async def scenario(ui: Driver) -> None:
        await ui.loaded()
        await ui.send("run the long thing")
        await answer_if_asked(ui)
        await ui.until(
            lambda: bool(ui.app.query(ToolPanel)) and "ready" in text_of(ui.app.query_one(ToolPanel))
        )
        pressed = time.monotonic()
        ui.app.query_one("#prompt").focus()
        await ui.press("escape")
        await ui.idle()
        assert time.monotonic() - pressed < 5  # not the 60 s of the command, nor the model's next chunk
        panel = ui.app.query_one(ToolPanel)
        assert panel.state == "interrupted" and "got-sigint" in text_of(panel)  # SIGINT reached it
        assert "interrupted" in str(ui.app.query(Notice).last().render())

    run_tui(scenario, overrides=stub_overrides(stub.base_url))
    assert len(stub.chat_requests) == 1  # the run ended as interrupted: the model was not asked again


def test_escape_interrupts_a_shell_mode_command(workspace: Path, stub: OpenAIStub, run_tui: RunTui) -> None:
    async def scenario(ui: Driver) -> None:
        await ui.loaded()
        await ui.send("!echo ready; sleep 60")
        await answer_if_asked(ui)
        await ui.until(
            lambda: bool(ui.app.query(ToolPanel)) and "ready" in text_of(ui.app.query_one(ToolPanel))
        )
        pressed = time.monotonic()
        await ui.press("escape")
        await ui.idle()
        assert time.monotonic() - pressed < 5
        assert ui.app.query_one(ToolPanel).state == "interrupted"
        await ui.send("!echo again")  # the next command is not stopped by the last Esc
        await answer_if_asked(ui)
        await ui.idle()
        assert ui.app.query(ToolPanel).last().state == "ok"

    run_tui(scenario, overrides=stub_overrides(stub.base_url))


def test_a_file_edit_shows_its_diff_once(workspace: Path, stub: OpenAIStub, run_tui: RunTui) -> None:
    (workspace / "notes.txt").write_text("old line\n")
    stub.push(
        Reply(tool_calls=[ToolCallReply("write_file", {"path": "notes.txt", "content": "new line\n"})]),
        Reply(tool_calls=[ToolCallReply("edit_file", {"path": "notes.txt", "old": "new", "new": "newer"})]),
        Reply(text="done"),
    )

    async def scenario(ui: Driver) -> None:
        await ui.loaded()
        await ui.send("update the notes")
        for _ in range(2):
            await ui.until(lambda: isinstance(ui.app.screen, ApprovalScreen))
            await ui.pilot.pause(QUIET_S + 0.1)
            await ui.press("y")
        await ui.idle()
        write, edit = ui.app.query(ToolPanel)
        assert (write.state, edit.state) == ("ok", "ok")
        assert "+new line" in diff_of(write)  # the diff, once, highlighted
        assert text_of(write) == "replaced notes.txt (9 bytes)"  # the tool's own copy is left out
        assert "+newer line" in diff_of(edit)  # after it ran: the tool's own diff, with the whole line
        assert "@@" not in text_of(edit) and "diff above" in text_of(edit)

    run_tui(scenario, overrides=stub_overrides(stub.base_url))
    assert (workspace / "notes.txt").read_text() == "newer line\n"
