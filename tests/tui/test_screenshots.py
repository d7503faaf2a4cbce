"""The docs' screenshots are the app's own SVG export of these scenes. They are written to tmp_path on
every run (so the scenes keep working), and to docs/img when VTCODE_WRITE_SCREENSHOTS=1."""

from __future__ import annotations

import os
from pathlib import Path

from helpers.openai_stub import OpenAIStub, Reply, ToolCallReply
from helpers.tui import Driver, RunTui, stub_overrides

from vtcode.tui.screens.approval import QUIET_S, ApprovalScreen

DOCS_IMG = Path(__file__).resolve().parents[2] / "docs" / "img"


def target(tmp_path: Path) -> Path:
    return DOCS_IMG if os.environ.get("VTCODE_WRITE_SCREENSHOTS") == "1" else tmp_path


def test_main_and_approval_screens(
    workspace: Path, stub: OpenAIStub, run_tui: RunTui, tmp_path: Path
) -> None:
    (workspace / "app.py").write_text("def greet():\n    return 'hi'\n")
    stub.push(
        Reply(
            text="Let me look at **app.py** first.",
            tool_calls=[ToolCallReply("read_file", {"path": "app.py"})],
        ),
        Reply(
            text="I'll make the greeting friendlier.",
            tool_calls=[
                ToolCallReply(
                    "write_file", {"path": "app.py", "content": "def greet():\n    return 'hello!'\n"}
                )
            ],
        ),
        Reply(text="Done: `greet()` now returns `'hello!'`.\n\n- read `app.py`\n- rewrote the return value"),
    )
    out = target(tmp_path)

    async def scenario(ui: Driver) -> None:
        await ui.loaded()
        await ui.send("make greet() friendlier")
        await ui.until(lambda: isinstance(ui.app.screen, ApprovalScreen))
        await ui.pilot.pause(QUIET_S + 0.1)  # a key counts after a quiet moment
        ui.app.save_screenshot("tui-approval.svg", str(out))
        await ui.press("y")
        await ui.idle()
        ui.app.save_screenshot("tui-chat.svg", str(out))
        await ui.press("ctrl+r")
        await ui.press(*"tool")
        await ui.pilot.pause(0.2)
        ui.app.save_screenshot("tui-audit.svg", str(out))

    run_tui(scenario, overrides=stub_overrides(stub.base_url), size=(100, 30))
    assert "Approval" in (out / "tui-approval.svg").read_text()
    assert "hello" in (out / "tui-chat.svg").read_text()
