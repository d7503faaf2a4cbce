"""One test per hook, through the real gate and the real built-in (or installed) plugin implementing it."""

from __future__ import annotations

import io
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers.plugin_sources import CRASHING_REVIEWER, REVIEWER
from vtcode_hookspecs import (
    ActionRequest,
    ChatMessage,
    ChatRequest,
    Decision,
    SandboxRequest,
    SessionRecord,
    SinkSettings,
    Verdict,
)

from vtcode.config.models import PluginsConfig
from vtcode.events import EventBus
from vtcode.plugins import PluginHost, load_plugins
from vtcode.tools.call_context import CallContext
from vtcode.workspace.jail import Jail


@pytest.fixture(scope="module")
def host() -> PluginHost:
    return load_plugins(PluginsConfig(), EventBus())


def test_hook_register_providers(host: PluginHost) -> None:
    entry = host.registries.providers.get("scripted")
    assert entry is not None and entry.plugin == "scripted_provider"
    provider = entry.obj
    assert provider.models()[0].id == "scripted-replay"
    assert "not a model" in provider.health().detail
    chunks = list(
        provider.chat(ChatRequest(model="scripted-replay", messages=[ChatMessage(role="user", content="hi")]))
    )
    assert chunks[-1].finish_reason == "stop"


def test_hook_register_tools(host: PluginHost, workspace: Path) -> None:
    (workspace / "a.txt").write_text("one\ntwo\nthree\n")
    ctx = CallContext(Jail(workspace.resolve()), EventBus(), "read_file")
    read = host.registries.tools.get("read_file")
    assert read is not None and read.plugin == "fs_tools"
    args = read.obj.args_model.model_validate({"path": "a.txt", "start_line": 2, "max_lines": 1})
    assert read.obj.invoke(ctx, args).output == "two\n"
    listing = host.registries.tools.get("list_dir")
    assert listing is not None
    assert listing.obj.invoke(ctx, listing.obj.args_model.model_validate({})).output == "a.txt"


def test_hook_register_indexers(host: PluginHost, workspace: Path) -> None:
    (workspace / "m.py").write_text("class A:\n    def f(self):\n        pass\n\ndef g():\n    return 1\n")
    (workspace / "broken.py").write_text("def (:\n")
    indexer = host.registries.indexers.get("python-outline")
    assert indexer is not None
    stats = indexer.obj.index(workspace)
    assert (stats.files, stats.symbols, stats.skipped) == (1, 3, {"SyntaxError": 1})
    symbols = indexer.obj.symbols(workspace, "m.py")
    assert [(s.name, s.kind, s.start_line, s.end_line, s.parent) for s in symbols] == [
        ("A", "class", 1, 3, None),
        ("f", "method", 2, 3, "A"),
        ("g", "function", 5, 6, None),
    ]


def test_hook_register_storage(host: PluginHost) -> None:
    store = host.registries.storage.get("markdown")
    assert store is not None
    now = datetime.now(UTC)
    session = SessionRecord(
        id="s1",
        workspace="/w",
        created=now,
        updated=now,
        messages=[
            ChatMessage(role="user", content="fix the bug\n~~~\nnot a fence"),
            ChatMessage(
                role="assistant",
                content="",
                tool_calls=[{"id": "c1", "name": "read_file", "arguments": '{"path": "a.py"}'}],
            ),
            ChatMessage(role="tool", content="print(1)", tool_call_id="c1"),
        ],
    )
    store.obj.save(session)
    assert store.obj.load("s1") == session
    assert [s.title for s in store.obj.list()] == ["fix the bug"]


def test_hook_register_sandboxes(host: PluginHost, workspace: Path) -> None:
    backend = host.registries.sandboxes.get("none")
    assert backend is not None
    assert backend.obj.available().enforces == []
    process = backend.obj.spawn(
        SandboxRequest(
            argv=("sh", "-c", "echo $X; pwd"),
            cwd=str(workspace),
            workspace=str(workspace),
            env={"X": "1", "PATH": "/usr/bin:/bin"},
        )
    )
    out, _ = process.communicate(timeout=10)
    assert process.returncode == 0 and out.decode().split() == ["1", str(workspace)]
    assert isinstance(process, subprocess.Popen)


def test_hook_register_event_sinks(host: PluginHost) -> None:
    entry = host.registries.event_sinks.get("stderr")
    assert entry is not None
    stream = io.StringIO()
    sink = type(entry.obj)(stream)
    bus = EventBus(session="s")
    bus.emit("plugin.blocked", {"name": "x", "reason": "not approved"})
    bus.attach([sink])  # replays what happened before it attached
    bus.emit("plugin.discovered", {"name": "y"})  # not shown to a human by default
    assert stream.getvalue() == "vtcode: plugin.blocked x: not approved\n"
    json_sink = type(entry.obj)(stream := io.StringIO())
    json_sink.configure(SinkSettings(session="s", audit_dir="/nonexistent", options={"format": "jsonl"}))
    bus.attach([json_sink])
    assert [line.count('"schema":"vtcode.exec-events/1"') for line in stream.getvalue().splitlines()] == [
        1,
        1,
    ]


def test_hook_register_commands(host: PluginHost) -> None:
    entry = host.registries.commands.get("sessions")
    assert entry is not None and entry.plugin == "markdown_store"
    result = CliRunner().invoke(entry.obj, ["list", "--json"])
    assert result.exit_code == 0 and result.output.strip() == '{"sessions": []}'


def test_hook_review_action(install_plugins) -> None:  # type: ignore[no-untyped-def]
    target = install_plugins(("vtcode-t-dlp", {"vtcode_t_dlp": REVIEWER}, {"dlp": "vtcode_t_dlp"}))
    host = load_plugins(PluginsConfig(third_party="any"), EventBus(), path=[str(target)])
    allow = Decision(verdict=Verdict.ALLOW, reason="allowlisted", rule="allow_list")
    denied = host.review(ActionRequest(kind="command", shell="cat secret.txt"), allow)
    assert (denied.verdict, denied.rule) == (Verdict.DENY, "dlp")
    prompt = Decision(verdict=Verdict.PROMPT, reason="unknown command")
    assert host.review(ActionRequest(kind="command", shell="loosen it"), prompt) == prompt  # cannot loosen
    assert host.review(ActionRequest(kind="command", shell="ls"), allow) == allow


def test_crashing_reviewer_denies(install_plugins) -> None:  # type: ignore[no-untyped-def]
    target = install_plugins(
        ("vtcode-t-crash", {"vtcode_t_crash": CRASHING_REVIEWER}, {"crash": "vtcode_t_crash"})
    )
    host = load_plugins(PluginsConfig(third_party="any"), EventBus(), path=[str(target)])
    allow = Decision(verdict=Verdict.ALLOW, reason="allowlisted")
    result = host.review(ActionRequest(kind="command", shell="ls"), allow)
    assert result.verdict is Verdict.DENY and "review plugin 'crash' failed" in result.reason
