"""`vtcode` in a real pseudo-terminal says which AGENTS.md it loaded, and says so before the first prompt."""

from __future__ import annotations

from pathlib import Path

from helpers.openai_stub import OpenAIStub
from helpers.terminal import Terminal, vtcode_bin
from helpers.tui import stub_overrides

from vtcode.workspace.trust import write_trust


def test_the_terminal_shows_the_loaded_agents_md(workspace: Path, audit_dir: Path, stub: OpenAIStub) -> None:
    (workspace / "AGENTS.md").write_text("Use tabs.\n")
    write_trust(workspace)
    overrides = [arg for item in stub_overrides(stub.base_url) for arg in ("-c", item)]
    terminal = Terminal([vtcode_bin(), *overrides], cwd=workspace)
    try:
        terminal.wait_for(b"guidance from AGENTS.md")
        terminal.press("ctrl+q")
        assert terminal.wait_exit(5.0) == (0, None)
    finally:
        terminal.kill()
