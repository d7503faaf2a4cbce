"""A conversation through the real agent: streamed markdown, a tool call as a panel, a denied action shown,
and `!cmd` judged by the same policy and run in the same sandbox."""

from __future__ import annotations

from pathlib import Path

from helpers.openai_stub import OpenAIStub, Reply, ToolCallReply
from helpers.tui import Driver, RunTui, stub_overrides

from vtcode.tui.widgets.chat import AssistantMessage, Notice, ToolPanel, UserMessage


def test_conversation_with_a_tool_call(workspace: Path, stub: OpenAIStub, run_tui: RunTui) -> None:
    (workspace / "a.txt").write_text("alpha\n")
    stub.push(
        Reply(text="Reading it.", tool_calls=[ToolCallReply("read_file", {"path": "a.txt"})]),
        Reply(text="It says **alpha**."),
    )

    async def scenario(ui: Driver) -> None:
        await ui.loaded()
        assert ui.app.workbench is not None and ui.app.workbench.facts.model_state == "ok"
        await ui.send("what does a.txt say?")
        await ui.idle()
        kinds = [type(w) for w in ui.chat()]
        assert kinds == [UserMessage, AssistantMessage, ToolPanel, AssistantMessage, Notice]
        panel = ui.app.query_one(ToolPanel)
        assert panel.tool == "read_file" and panel.state == "ok" and "(0." in str(panel.title)
        answer = ui.app.query(AssistantMessage).last()
        await ui.pilot.pause(0.2)
        assert answer.text == answer.source == "It says **alpha**."  # rendered, not only received
        assert ui.app.workbench.facts.tokens_used > 0

    run_tui(scenario, overrides=stub_overrides(stub.base_url))
    # The tool result went back to the model: the real agent loop ran.
    assert "alpha" in stub.chat_requests[1]["messages"][-1]["content"]


def test_a_denied_action_is_shown(workspace: Path, stub: OpenAIStub, run_tui: RunTui) -> None:
    stub.push(
        Reply(tool_calls=[ToolCallReply("read_file", {"path": "/etc/passwd"})]),
        Reply(text="I cannot read it."),
    )

    async def scenario(ui: Driver) -> None:
        await ui.loaded()
        await ui.send("read /etc/passwd")
        await ui.idle()
        panel = ui.app.query_one(ToolPanel)
        assert panel.state == "denied" and panel.has_class("denied") and not panel.collapsed
        assert "denied by policy" in str(panel.output.render())

    run_tui(scenario, overrides=stub_overrides(stub.base_url))


def test_shell_mode_goes_through_policy_and_sandbox(
    workspace: Path, stub: OpenAIStub, run_tui: RunTui
) -> None:
    (workspace / "listed.txt").write_text("x\n")

    async def scenario(ui: Driver) -> None:
        await ui.loaded()
        await ui.send("!ls")
        await ui.idle()
        ran = ui.app.query(ToolPanel).last()
        assert ran.tool == "run_command" and ran.state == "ok"
        assert "listed.txt" in str(ran.output.render())
        await ui.send("!cat /etc/shadow")
        await ui.idle()
        refused = ui.app.query(ToolPanel).last()
        assert refused.state == "denied", str(refused.output.render())

    run_tui(scenario, overrides=stub_overrides(stub.base_url))
    assert stub.chat_requests == []  # shell mode never asks the model
