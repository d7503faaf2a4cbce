"""vtcode.testing, the helper plugin authors test with: hosts through the gate's checks, test-only
approvals, a tool runner with a scripted approver, a scripted model, and the pytest fixtures."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from helpers.plugin_sources import tool_plugin
from pydantic import BaseModel
from vtcode_hookspecs import ChatMessage, ChatRequest, ReadPath, RiskClass, ToolResult, WritePath, hookimpl

from vtcode.errors import PluginBlocked
from vtcode.plugins import Status
from vtcode.plugins.approvals import approvals_path
from vtcode.testing import (
    ScriptedApprover,
    ScriptedModel,
    answer_turn,
    approvals_for,
    implemented_families,
    installed_host,
    plugin_host,
    tool_call_turn,
    tool_runner,
    trusted_workspace,
)


class PathArgs(BaseModel):
    path: ReadPath


class TargetArgs(BaseModel):
    target: WritePath
    text: str


class ReadTool:
    name = "peek"
    description = "read a file"
    args_model = PathArgs
    risk = RiskClass.READ

    def invoke(self, ctx: Any, args: PathArgs) -> ToolResult:
        return ToolResult(ok=True, output=ctx.read_bytes(args.path).decode())


class WriteTool:
    name = "put"
    description = "write a file"
    args_model = TargetArgs
    risk = RiskClass.WRITE

    def invoke(self, ctx: Any, args: TargetArgs) -> ToolResult:
        ctx.write_bytes(args.target, args.text.encode())
        return ToolResult(ok=True, output="written")


def _plugin(name: str, *tools: object, **extra: Any) -> SimpleNamespace:
    @hookimpl
    def register_tools(register: Any) -> None:
        for tool in tools:
            register(tool)

    return SimpleNamespace(__name__=name, register_tools=register_tools, **extra)


def test_plugin_host_registers_and_stamps_the_plugin() -> None:
    host = plugin_host(_plugin("mine", ReadTool(), WriteTool()))
    record = host.record("mine")
    assert record is not None and record.status is Status.SIGNED_OFF
    assert record.registered == {"tools": ["peek", "put"]} and record.implements == {"tools"}
    assert host.registries.tools.get("peek").plugin == "mine"  # type: ignore[union-attr]


def test_plugin_host_blocks_a_family_the_test_did_not_approve() -> None:
    host = plugin_host(_plugin("mine", ReadTool()), families=["providers"])
    record = host.record("mine")
    assert record is not None and record.status is Status.BLOCKED
    assert "signed off only for providers" in record.reason
    assert host.registries.tools.names() == []


def test_plugin_host_applies_the_gate_checks_to_bad_plugins() -> None:
    @hookimpl
    def register_tools(register: Any) -> None:
        register(WriteTool())
        raise RuntimeError("half-way")

    host = plugin_host(
        _plugin("first", ReadTool()),
        _plugin("clash", ReadTool()),
        SimpleNamespace(__name__="broken", register_tools=register_tools),
    )
    statuses = {r.name: (r.status, r.reason) for r in host.records}
    assert statuses["first"][0] is Status.SIGNED_OFF
    assert statuses["clash"][0] is Status.BLOCKED and "clashes" in statuses["clash"][1]
    assert statuses["broken"][0] is Status.BLOCKED and "half-way" in statuses["broken"][1]
    assert host.registries.tools.get("peek").plugin == "first"  # type: ignore[union-attr]
    assert "put" not in host.registries.tools, "a plugin failing half-way leaves nothing behind"


def test_plugin_host_refuses_unknown_families_and_duplicate_names() -> None:
    with pytest.raises(ValueError, match="unknown hook families"):
        plugin_host(_plugin("a"), families=["tool"])
    with pytest.raises(ValueError, match="two plugins named 'a'"):
        plugin_host(_plugin("a"), _plugin("a"))
    assert implemented_families(_plugin("a")) == {"tools"}


def test_installed_host_uses_the_real_gate_with_test_only_approvals(install_plugins: Any) -> None:
    target = install_plugins(
        ("vtcode-t-kit", {"vtcode_t_kit": tool_plugin("vtcode_t_kit", "kit")}, {"kit": "vtcode_t_kit"})
    )
    path = [str(target)]
    record = installed_host(path=path).record("kit")
    assert record is not None and record.status is Status.NEEDS_APPROVAL
    host = installed_host("vtcode-t-kit", path=path)
    record = host.record("kit")
    assert record is not None and record.status is Status.SIGNED_OFF, record.reason
    assert record.reason == "approved by vtcode.testing" and host.registries.tools.names() == ["kit"]
    assert not approvals_path().exists(), "test approvals must never reach the user's approvals file"
    assert approvals_for("vtcode-t-kit", path=path)["vtcode-t-kit"].families == ["tools"]
    with pytest.raises(PluginBlocked, match="no installed distribution"):
        approvals_for("vtcode-t-missing", path=path)


def test_installed_host_refuses_to_approve_a_tampered_install(install_plugins: Any) -> None:
    target = install_plugins(
        ("vtcode-t-tam", {"vtcode_t_tam": tool_plugin("vtcode_t_tam", "tam")}, {"tam": "vtcode_t_tam"})
    )
    source = target / "vtcode_t_tam" / "__init__.py"
    source.write_text(source.read_text() + "\n# edited\n")
    with pytest.raises(PluginBlocked, match="tampered"):
        installed_host("vtcode-t-tam", path=[str(target)])


def test_tool_runner_asks_the_scripted_approver_and_records_prompts(tmp_path: Path) -> None:
    workspace = trusted_workspace(tmp_path / "ws")
    (workspace / "a.txt").write_text("hello")
    host = plugin_host(_plugin("mine", ReadTool(), WriteTool()))
    approver = ScriptedApprover(["allow-once", "deny"])
    runner = tool_runner(host, workspace, approver=approver)

    first = runner.call("put", {"target": "b.txt", "text": "one"})
    assert first.result.ok and (workspace / "b.txt").read_text() == "one"
    second = runner.call("put", {"target": "b.txt", "text": "two"})
    assert not second.result.ok and "denied by the user" in second.result.output
    assert [p.action.tool for p in approver.prompts] == ["put", "put"] and approver.remaining == 0
    third = runner.call("put", {"target": "c.txt", "text": "three"})
    assert not third.result.ok, "an exhausted script answers deny, like nobody at the terminal"

    reader = tool_runner(host, workspace, overrides=['tools.policies={peek = "allow"}'])
    assert reader.call("peek", {"path": "a.txt"}).result.output == "hello"
    assert not reader.call("peek", {"path": "../outside"}).result.ok
    started = [e.payload["tool"] for e in host.bus.history if e.type == "tool.started"]
    assert started == ["put", "peek"]


def test_tool_runner_overrides_are_config_layers(tmp_path: Path) -> None:
    workspace = trusted_workspace(tmp_path / "ws")
    host = plugin_host(_plugin("mine", WriteTool()))
    approver = ScriptedApprover(["allow-once"])
    runner = tool_runner(host, workspace, approver=approver, overrides=["approvals.mode=never"])
    record = runner.call("put", {"target": "b.txt", "text": "x"})
    assert not record.result.ok and "never" in record.result.output
    assert approver.prompts == [], "with approvals.mode = never nobody is even asked"


def test_scripted_model_replays_and_records() -> None:
    model = ScriptedModel([tool_call_turn("peek", path="a.txt"), [RuntimeError("mid-stream")]])
    request = ChatRequest(model="m", messages=[ChatMessage(role="user", content="hi")])
    chunks = list(model.chat(request))
    assert chunks[-1].tool_call is not None and chunks[-1].tool_call.arguments == '{"path": "a.txt"}'
    with pytest.raises(RuntimeError, match="mid-stream"):
        list(model.chat(request))
    assert [c.text for c in model.chat(request)] == ["(script exhausted)"]
    assert len(model.requests) == 3 and model.health().ok
    assert answer_turn("done")[0].finish_reason == "stop"


def test_fixtures_as_a_plugin_author_enables_them(tmp_path: Path) -> None:
    """`pytest_plugins = ["vtcode.testing"]` in a project's conftest: the documented way in."""
    project = tmp_path / "project"
    (project / "tests").mkdir(parents=True)
    (project / "conftest.py").write_text('pytest_plugins = ["vtcode.testing"]\n')
    (project / "tests" / "test_it.py").write_text(
        textwrap.dedent("""
        import os
        from pathlib import Path
        from types import SimpleNamespace

        from vtcode_hookspecs import hookimpl
        from vtcode.testing import ScriptedApprover

        from vtcode.workspace import check_trust

        def test_home_is_isolated(vtcode_home):
            assert Path(os.environ["VTCODE_CONFIG_DIR"]).is_relative_to(vtcode_home)

        def test_workspace_is_trusted(vtcode_workspace):
            assert check_trust(vtcode_workspace).trusted

        def test_host_and_runner(vtcode_host, vtcode_runner, scripted_model):
            host = vtcode_host(SimpleNamespace(__name__="empty"))
            runner = vtcode_runner(host, approver=ScriptedApprover())
            assert "unknown tool" in runner.call("nothing", {}).result.output
            assert scripted_model().models()[0].id == "scripted-replay"
        """)
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    result = subprocess.run(
        [sys.executable, "-P", "-m", "pytest", "-q", "-p", "no:cacheprovider", "--import-mode=importlib"],
        cwd=project,
        env=env,
        text=True,
        capture_output=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 passed" in result.stdout
