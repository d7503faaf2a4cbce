"""Lifecycle hooks in the TUI: the same stack as exec, and what a hook says to the person is shown."""

from __future__ import annotations

import os
from pathlib import Path

from helpers.openai_stub import OpenAIStub, Reply, ToolCallReply
from helpers.tui import Driver, RunTui, stub_overrides

from vtcode.tui.widgets.chat import Notice, ToolPanel


def test_a_pre_tool_hook_denies_and_its_message_is_shown(
    workspace: Path, tmp_path: Path, stub: OpenAIStub, run_tui: RunTui
) -> None:
    (workspace / "a.txt").write_text("SECRET-ALPHA\n")
    script = tmp_path / "guard.sh"
    answer = '{"decision":"deny","reason":"no","user_message":"blocked a read"}'
    script.write_text(f"cat > /dev/null; printf '%s' '{answer}'")
    config = Path(os.environ["VTCODE_CONFIG_DIR"])
    config.mkdir(parents=True, exist_ok=True)
    (config / "vtcode.toml").write_text(
        f'[hooks.commands.guard]\nevents = ["pre_tool"]\ncommand = ["/bin/sh", "{script}"]\n')
    stub.push(Reply(tool_calls=[ToolCallReply("read_file", {"path": "a.txt"})]), Reply(text="ok"))

    async def scenario(ui: Driver) -> None:
        await ui.loaded()
        await ui.send("read a.txt")
        await ui.idle()
        panel = ui.app.query_one(ToolPanel)
        assert panel.state == "denied"
        shown = [str(w.render()) for w in ui.chat() if isinstance(w, Notice)]
        assert any("guard (user) on pre_tool: deny" in n and "blocked a read" in n for n in shown), shown

    run_tui(scenario, overrides=stub_overrides(stub.base_url))
    assert "SECRET-ALPHA" not in str(stub.chat_requests)
