"""The approval modal: the exact action and its diff, the rule and reason; each answer does what it says;
nothing runs while the modal is open."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers.openai_stub import OpenAIStub, Reply, ToolCallReply
from helpers.tui import Driver, RunTui, stub_overrides
from textual.widgets import Button, Static

from vtcode.approvals.always import UserPolicyStore
from vtcode.tui.screens.approval import QUIET_S, ApprovalScreen
from vtcode.tui.widgets.chat import ToolPanel


def write(content: str) -> Reply:
    return Reply(tool_calls=[ToolCallReply("write_file", {"path": "notes.txt", "content": content})])


async def modal(ui: Driver) -> ApprovalScreen:
    await ui.until(lambda: isinstance(ui.app.screen, ApprovalScreen))
    screen = ui.app.screen
    assert isinstance(screen, ApprovalScreen)
    await ui.pilot.pause(QUIET_S + 0.1)  # a person reads it before answering: a key at once is no answer
    return screen


@pytest.mark.parametrize(("key", "written", "state"), [("y", True, "ok"), ("n", False, "denied")])
def test_allow_once_and_deny(
    workspace: Path, stub: OpenAIStub, run_tui: RunTui, key: str, written: bool, state: str
) -> None:
    (workspace / "notes.txt").write_text("old line\n")
    stub.push(write("new line\n"), Reply(text="done"))

    async def scenario(ui: Driver) -> None:
        await ui.loaded()
        await ui.send("update the notes")
        screen = await modal(ui)
        shown = str(screen.query_one("#approval-action", Static).render())
        assert "write_file" in shown and "notes.txt (write)" in shown and "rule" in shown
        assert screen.query_one("#approval-diff", Static).display
        diff = screen.diff
        assert "-old line" in diff and "+new line" in diff
        offers = {b.id for b in screen.query(Button)}
        # A file is this workspace's: "this workspace" is offered, "every workspace" is not.
        assert offers == {"answer-allow-once", "answer-allow-session", "answer-allow-workspace",
                          "answer-deny"}
        assert ui.app.focused is not None and ui.app.focused.id == "answer-deny"  # Enter never approves
        await ui.pilot.pause(0.3)
        assert (workspace / "notes.txt").read_text() == "old line\n"  # nothing ran while it was open
        await ui.press(key)
        await ui.idle()
        assert ui.app.query_one(ToolPanel).state == state

    run_tui(scenario, overrides=stub_overrides(stub.base_url))
    assert ((workspace / "notes.txt").read_text() == "new line\n") is written


def test_allow_for_session_is_not_asked_again(workspace: Path, stub: OpenAIStub, run_tui: RunTui) -> None:
    stub.push(write("same\n"), write("same\n"), Reply(text="done"))
    asked = 0

    async def scenario(ui: Driver) -> None:
        nonlocal asked
        await ui.loaded()
        await ui.send("write it twice")
        await modal(ui)
        asked += 1
        await ui.press("s")
        await ui.idle()
        assert [p.state for p in ui.app.query(ToolPanel)] == ["ok", "ok"]
        assert not isinstance(ui.app.screen, ApprovalScreen)

    run_tui(scenario, overrides=stub_overrides(stub.base_url))
    assert asked == 1 and (workspace / "notes.txt").read_text() == "same\n"


def test_always_is_not_offered_when_config_forbids_it(
    workspace: Path, stub: OpenAIStub, run_tui: RunTui
) -> None:
    stub.push(write("x\n"), Reply(text="done"))

    async def scenario(ui: Driver) -> None:
        await ui.loaded()
        await ui.send("write")
        screen = await modal(ui)
        assert not {"answer-allow-always", "answer-allow-workspace"} & {b.id for b in screen.query(Button)}
        for key in ("a", "w"):
            await ui.press(key)  # not offered: does nothing
            await ui.pilot.pause(0.2)
            assert isinstance(ui.app.screen, ApprovalScreen)
        await ui.press("escape")  # Esc is deny
        await ui.idle()
        assert ui.app.query_one(ToolPanel).state == "denied"

    run_tui(scenario, overrides=(*stub_overrides(stub.base_url), "approvals.allow_always=false"))
    assert not (workspace / "notes.txt").exists()


def test_a_command_shows_where_it_runs_and_what_it_writes(
    workspace: Path, stub: OpenAIStub, run_tui: RunTui
) -> None:
    """Not `path . (read)` for a command that writes newfile.txt (issue 18)."""
    command = "echo hi > newfile.txt"
    stub.push(Reply(tool_calls=[ToolCallReply("run_command", {"command": command})]), Reply(text="done"))

    async def scenario(ui: Driver) -> None:
        await ui.loaded()
        await ui.send("make the file")
        screen = await modal(ui)
        shown = str(screen.query_one("#approval-action", Static).render())
        assert "(read)" not in shown
        assert "in       ." in shown and "writes   newfile.txt" in shown
        await ui.press("n")
        await ui.idle()

    run_tui(scenario, overrides=stub_overrides(stub.base_url))


def test_tool_arguments_show_their_lines_not_escapes(
    workspace: Path, stub: OpenAIStub, run_tui: RunTui
) -> None:
    stub.push(write("first line\nsecond line\n"), Reply(text="done"))

    async def scenario(ui: Driver) -> None:
        await ui.loaded()
        await ui.send("write it")
        await modal(ui)
        await ui.press("y")
        await ui.idle()
        args = str(ui.app.query_one(ToolPanel).query_one(".tool-args", Static).render())
        assert "\\n" not in args
        assert "content:\n  first line\n  second line" in args and "path: notes.txt" in args

    run_tui(scenario, overrides=stub_overrides(stub.base_url))


def test_this_workspace_is_saved_shown_first_and_not_asked_in_the_next_session(
    workspace: Path, stub: OpenAIStub, run_tui: RunTui
) -> None:
    target = str(workspace / "notes.txt")

    async def first(ui: Driver) -> None:
        await ui.loaded()
        await ui.send("write")
        screen = await modal(ui)
        shown = str(screen.query_one("#approval-action", Static).render())
        # The exact rule "this workspace" saves is on screen before the key is pressed.
        assert f"saves [w] {UserPolicyStore().path}: approval_cache.tools.write_file: {target}" in shown
        await ui.press("w")
        await ui.idle()
        assert ui.app.query_one(ToolPanel).state == "ok"

    async def second(ui: Driver) -> None:
        await ui.loaded()
        await ui.send("write again")
        await ui.idle()
        assert [p.state for p in ui.app.query(ToolPanel)] == ["ok"]
        assert not isinstance(ui.app.screen, ApprovalScreen)

    stub.push(write("one\n"), Reply(text="done"))
    run_tui(first, overrides=stub_overrides(stub.base_url))
    saved = json.loads(UserPolicyStore().path.read_text())["approval_cache"]
    assert saved == {"tools": {"write_file": [target]}}
    stub.push(write("two\n"), Reply(text="done"))
    run_tui(second, overrides=stub_overrides(stub.base_url))
    assert (workspace / "notes.txt").read_text() == "two\n"
