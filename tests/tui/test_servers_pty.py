"""The MCP servers screen as a person meets it: `vtcode` in a real pseudo-terminal, real key presses
(ctrl+g opens it, arrows select, `a` shows the identity, `y` approves, Esc goes back), real servers on
stdio under the sandbox. A server's tool, prompt and resource descriptions carry escape sequences and bidi
characters: none reaches the terminal raw, each is shown as a visible escape."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import pytest
from helpers.openai_stub import OpenAIStub
from helpers.screen_pty import Terminal

from vtcode.paths import user_config_dir, user_data_dir
from vtcode.workspace.trust import write_trust

ESC, CTRL_G, DOWN = "\x1b", "\x07", "\x1b[B"
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "mcp"
pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="a POSIX pty")


def test_the_servers_screen_on_a_real_terminal(workspace: Path) -> None:
    write_trust(workspace)
    (workspace / ".vtcode").mkdir()
    args = [str(FIXTURES / "py_server.py"), "--stdio", "--log", str(workspace / "proposed.jsonl")]
    (workspace / ".vtcode" / "mcp.toml").write_text(
        f'[servers.proposed]\ncommand = "{sys.executable}"\nargs = {json.dumps(args)}\n')
    with OpenAIStub([]) as stub:
        user_config_dir().mkdir(parents=True, exist_ok=True)
        (user_config_dir() / "vtcode.toml").write_text(
            f'[providers]\nchain = ["openai-compat"]\nretries = 0\n[providers.openai-compat]\n'
            f'base_url = "{stub.base_url}"\nmodel = "stub-model"\n'
            f'[mcp.servers.hostile]\ncommand = "{sys.executable}"\n'
            f'args = ["{FIXTURES / "hostile_server.py"}"]\n')
        term = Terminal(workspace, workspace.parent / "audit", dimensions=(50, 200))
        try:
            term.wait_for("stub-model")
            deadline = time.monotonic() + 60
            while True:  # the server starts in the background: reopen until it is ready
                mark = len(term.screen)
                term.keys(CTRL_G)
                term.wait_for("MCP servers: a approve", since=mark)
                term.read_for(1.0)
                if "ready" in term.screen[mark:] or time.monotonic() > deadline:
                    break
                term.keys(ESC)
            term.wait_for("mcp.hostile.evil", since=mark)  # the first row's detail: its tools
            term.wait_for("note://readme", since=mark)
            shown = term.screen[mark:]
            assert "\\u202e" in shown  # the bidi override is shown as an escape...
            assert b"\x1b]0;pwned-title" not in term.raw  # ...and no server text reached the terminal raw
            assert b"\x1b]0;resource-title" not in term.raw
            assert b"\x1b]8;;http://evil.invalid" not in term.raw
            assert "\u202e".encode() not in term.raw and "\u200b".encode() not in term.raw
            mark = len(term.screen)
            term.keys(DOWN, "a")  # the workspace's proposal: the identity is shown first
            term.wait_for("Approve the workspace's MCP server proposed", since=mark)
            term.wait_for("identity: sha256:", since=mark)
            term.keys("y")
            term.wait_for("approved proposed", since=mark)
            stored = json.loads((user_data_dir() / "mcp-approvals.json").read_text())
            assert stored[str(workspace)]["proposed"]["digest"].startswith("sha256:")
            term.keys(ESC)
        finally:
            term.close()
