"""The TUI says which project-instructions files were loaded into the model's context (and which were not)."""

from __future__ import annotations

from pathlib import Path

from helpers.openai_stub import OpenAIStub, Reply
from helpers.tui import Driver, RunTui, stub_overrides

from vtcode.tui.widgets.chat import Notice


def _notices(ui: Driver) -> list[str]:
    return [str(w.render()) for w in ui.chat() if isinstance(w, Notice)]


def test_loaded_agents_md_is_shown(workspace: Path, stub: OpenAIStub, run_tui: RunTui) -> None:
    (workspace / "AGENTS.md").write_text("Use tabs.\n")
    stub.push(Reply(text="ok"))

    async def scenario(ui: Driver) -> None:
        await ui.loaded()
        await ui.send("hi")
        await ui.idle()
        shown = [n for n in _notices(ui) if n.startswith("instructions:")]
        assert shown and "project guidance from AGENTS.md (10 bytes, sha256:" in shown[0]

    run_tui(scenario, overrides=stub_overrides(stub.base_url))
    assert "Use tabs." in stub.chat_requests[0]["messages"][0]["content"]


def test_untrusted_workspace_shows_agents_md_was_not_read(
    workspace: Path, stub: OpenAIStub, run_tui: RunTui
) -> None:
    (workspace / "AGENTS.md").write_text("Use tabs.\n")
    stub.push(Reply(text="ok"))

    async def scenario(ui: Driver) -> None:
        await ui.loaded()
        await ui.send("hi")
        await ui.idle()
        shown = [n for n in _notices(ui) if n.startswith("instructions:")]
        assert shown and "AGENTS.md not read: workspace not trusted" in shown[0]

    run_tui(scenario, overrides=stub_overrides(stub.base_url), trusted=False)
    assert "Use tabs." not in str(stub.chat_requests)
