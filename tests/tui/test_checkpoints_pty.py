"""`/undo` and the checkpoints screen as a person meets them: `vtcode` in a real pseudo-terminal, real key
presses, the model played by a server on 127.0.0.1. The agent's write is approved with `y`; `/undo`
Enter shows the plan and `r` restores the file; ctrl+k lists the checkpoints and Esc closes them."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from helpers.openai_stub import OpenAIStub, Reply, ToolCallReply
from helpers.screen_pty import Terminal

from vtcode.paths import user_config_dir
from vtcode.workspace.trust import write_trust

ENTER, ESC, CTRL_K = "\r", "\x1b", "\x0b"
pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="a POSIX pty")


def test_undo_on_a_real_terminal_restores_the_agents_write(workspace: Path) -> None:
    (workspace / "notes.txt").write_text("mine\n")
    write_trust(workspace)
    script = [Reply(tool_calls=[ToolCallReply("write_file", {"path": "notes.txt", "content": "agent\n"})]),
              Reply(text="written it")]
    with OpenAIStub(script) as stub:
        user_config_dir().mkdir(parents=True, exist_ok=True)
        (user_config_dir() / "vtcode.toml").write_text(
            f'[providers]\nchain = ["openai-compat"]\nretries = 0\n[providers.openai-compat]\n'
            f'base_url = "{stub.base_url}"\nmodel = "stub-model"\n')
        term = Terminal(workspace, workspace.parent / "audit")
        try:
            term.wait_for("stub-model")
            term.keys(*"rewrite the notes", ENTER)
            term.wait_for("notes.txt")
            term.read_for(1.0)
            term.keys("y")
            term.wait_for("written it")
            assert (workspace / "notes.txt").read_text() == "agent\n"
            term.keys(*"/undo", ENTER)
            term.wait_for("Undo write_file")
            term.wait_for("restore   notes.txt")
            term.keys("r")
            term.wait_for("restored checkpoint 1")
            assert (workspace / "notes.txt").read_text() == "mine\n"
            term.keys(CTRL_K)
            term.wait_for("Checkpoints: Enter shows")
            term.keys(ESC)
        finally:
            term.close()
