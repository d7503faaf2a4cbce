"""An agent session sees the MCP tools in its requests from the moment they are listed, and its calls go
through the same runner; `vtcode exec` stops every server it started."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

from helpers.mcp_servers import PY_SERVER
from helpers.openai_stub import OpenAIStub, Reply, ToolCallReply

from vtcode.agent import Agent, AgentLimits, ProviderBackend, SessionSaver, new_session
from vtcode.testing.provider import ScriptedModel, answer_turn, tool_call_turn


def test_the_model_sees_and_calls_mcp_tools(user_config, session, http_server, approver):
    user_config(f'[mcp.servers.py]\nurl = "{http_server.url}"\n')
    s = session(approver).ready()
    # Offered as mcp__py__add (providers' APIs allow only [A-Za-z0-9_-] in names), called by that name.
    model = ScriptedModel([tool_call_turn("mcp__py__add", call_id="t1", a=20, b=22), answer_turn("42")])
    agent = Agent(
        ProviderBackend(model),
        s.stack.runner,
        s.stack.specs,
        s.runtime.bus,
        model="scripted-replay",
        limits=AgentLimits(),
        saver=SessionSaver(None, s.runtime.bus),
        more_specs=s.stack.source_specs,
    )
    fresh = new_session(s.runtime.bus.session, s.stack.root, model="m", provider="t")
    outcome, record = agent.run(fresh, "add")
    assert outcome.answer == "42"
    offered = {spec.name for spec in model.requests[0].tools}
    assert "mcp__py__add" in offered and "read_file" in offered
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{1,64}", name) for name in offered)
    [started] = s.events("tool.started")
    assert started["tool"] == "mcp.py.add"  # the audit and the policy see the real name
    tool_message = next(m for m in record.messages if m.role == "tool")
    assert "42" in tool_message.content and "untrusted-mcp-result" in tool_message.content
    assert len(approver.asked) == 1 and http_server.calls() == ["add"]


def _descendants_named(marker: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if marker.encode() in cmdline:
            found.append(int(entry.name))
    return found


def test_exec_stops_the_servers_it_started(user_config, workspace, tmp_path):
    from vtcode.workspace.trust import write_trust

    write_trust(workspace)
    marker = str(workspace / "exec-calls.jsonl")
    user_config(
        f'[mcp.servers.py]\ncommand = "{sys.executable}"\n'
        f'args = ["{PY_SERVER}", "--stdio", "--log", "{marker}"]\nwrite = true\n'
        '[tools.policies]\n"mcp.py.add" = "allow"\n'
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    script = [Reply(tool_calls=[ToolCallReply("mcp__py__add", {"a": 1, "b": 2})]), Reply(text="done")]
    with OpenAIStub(script) as stub:
        ran = subprocess.run(
            [str(Path(sys.executable).parent / "vtcode"), "exec", "--provider", "openai-compat", "--base-url",
             stub.base_url, "--model", "m", "--workspace", str(workspace), "hi"],
            env=env, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL,
        )
    assert ran.returncode == 0, ran.stderr
    assert Path(marker).read_text().count('"add"') == 1  # the server ran and answered the model's call
    deadline = time.monotonic() + 10
    while _descendants_named(marker) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _descendants_named(marker) == []
