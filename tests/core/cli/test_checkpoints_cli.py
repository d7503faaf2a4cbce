"""Checkpoints end to end: `vtcode exec` against a model server on 127.0.0.1 edits files and runs a
command; every such action is preceded by a checkpoint (an audit event); `vtcode checkpoints list|diff`,
`vtcode undo` and `checkpoints restore` bring the files back; a resumed session keeps its checkpoints."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from helpers.openai_stub import OpenAIStub, Reply, ToolCallReply

from vtcode.workspace.trust import write_trust

VTCODE = str(Path(sys.executable).parent / "vtcode")


def allow_tools(workspace: Path, *files: str) -> None:
    """Standing approvals in the user's own tool-policy.json, as "always" answers save them: writes to
    these files and `touch out.txt`, so nothing asks (there is no terminal to ask on)."""
    from vtcode.paths import user_config_dir

    user_config_dir().mkdir(parents=True, exist_ok=True)
    cache = {"allowed": ["touch out.txt"], "tools": {"write_file": [str(workspace / f) for f in files]}}
    (user_config_dir() / "tool-policy.json").write_text(json.dumps({"version": 1, "approval_cache": cache}))


def run(workspace: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([VTCODE, *args, "--workspace", str(workspace)], capture_output=True, text=True,
                          timeout=120, input=stdin,
                          env={**os.environ, "VTCODE_AUDIT_DIR": str(workspace.parent / "audit")})


def exec_(workspace: Path, stub: OpenAIStub, *args: str) -> subprocess.CompletedProcess[str]:
    return run(workspace, "exec", "--provider", "openai-compat", "--base-url", stub.base_url, "--model",
               "stub-model", "--events", "jsonl", *args)


def write(path: str, content: str) -> Reply:
    return Reply(tool_calls=[ToolCallReply("write_file", {"path": path, "content": content})])


def test_every_change_is_checkpointed_audited_and_undoable(workspace: Path) -> None:
    (workspace / "app.py").write_text("print('v1')\n")
    write_trust(workspace)
    allow_tools(workspace, "app.py", "a.txt")
    script = [
        write("app.py", "print('v2')\n"),
        Reply(tool_calls=[ToolCallReply("run_command", {"command": "touch out.txt"})]),
        Reply(tool_calls=[ToolCallReply("read_file", {"path": "app.py"})]),
        Reply(text="done"),
    ]
    with OpenAIStub(script) as stub:
        result = exec_(workspace, stub, "change app.py")
    assert result.returncode == 0, result.stderr
    assert (workspace / "app.py").read_text() == "print('v2')\n"
    assert (workspace / "out.txt").read_text() == ""
    events = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    taken = [e["payload"] for e in events if e["type"] == "checkpoint.taken"]
    assert [t["tool"] for t in taken] == ["write_file", "run_command"]  # the read took none
    order = [e["type"] for e in events if e["type"] in ("checkpoint.taken", "tool.started")]
    # Each checkpoint before its action; the read has none.
    assert order == ["checkpoint.taken", "tool.started", "checkpoint.taken", "tool.started", "tool.started"]
    logs = list((workspace.parent / "audit").glob("*.jsonl"))
    assert any("checkpoint.taken" in log.read_text() for log in logs)

    listed = json.loads(run(workspace, "checkpoints", "list", "--json").stdout)
    assert [c["tool"] for c in listed["checkpoints"]] == ["write_file", "run_command"]
    assert not listed["store"].startswith(str(workspace))
    diff = run(workspace, "checkpoints", "diff", "1")
    assert "-print('v1')" in diff.stdout and "+print('v2')" in diff.stdout and "out.txt" in diff.stdout

    refused = run(workspace, "undo")  # no terminal, no --yes: shows the plan, changes nothing
    assert refused.returncode == 2 and "delete    out.txt" in refused.stdout and "--yes" in refused.stderr
    assert (workspace / "out.txt").exists()
    undone = run(workspace, "undo", "--yes")
    assert undone.returncode == 0, undone.stderr
    assert not (workspace / "out.txt").exists()
    assert (workspace / "app.py").read_text() == "print('v2')\n"
    restored = run(workspace, "checkpoints", "restore", "1", "--yes")
    assert restored.returncode == 0, restored.stderr
    assert (workspace / "app.py").read_text() == "print('v1')\n"
    audit = "".join(log.read_text() for log in (workspace.parent / "audit").glob("*.jsonl"))
    assert audit.count('"checkpoint.restored"') == 2


def test_a_persons_edit_is_named_and_kept_by_undo(workspace: Path) -> None:
    (workspace / "app.py").write_text("v1\n")
    write_trust(workspace)
    allow_tools(workspace, "app.py", "a.txt")
    with OpenAIStub([write("app.py", "v2\n"), Reply(text="done")]) as stub:
        assert exec_(workspace, stub, "edit").returncode == 0
    (workspace / "notes.md").write_text("mine\n")  # the person, after the agent
    shown = run(workspace, "undo", "--dry-run")
    assert "restore   app.py" in shown.stdout
    assert "keep      notes.md" in shown.stdout and "--overwrite" in shown.stdout
    assert run(workspace, "undo", "--yes").returncode == 0
    assert (workspace / "app.py").read_text() == "v1\n" and (workspace / "notes.md").read_text() == "mine\n"


def test_a_resumed_session_keeps_its_checkpoints(workspace: Path) -> None:
    (workspace / "a.txt").write_text("a\n")
    write_trust(workspace)
    allow_tools(workspace, "app.py", "a.txt")
    with OpenAIStub([write("a.txt", "b\n"), Reply(text="first")]) as stub:
        first = exec_(workspace, stub, "one")
    session_id = first.stderr.split("--resume ")[1].split()[0]
    with OpenAIStub([write("a.txt", "c\n"), Reply(text="second")]) as stub:
        second = exec_(workspace, stub, "--resume", session_id, "two")
    assert second.returncode == 0, second.stderr
    listed = json.loads(run(workspace, "checkpoints", "list", "--json").stdout)["checkpoints"]
    assert len(listed) == 2
    assert run(workspace, "checkpoints", "restore", str(listed[0]["id"]), "--yes").returncode == 0
    assert (workspace / "a.txt").read_text() == "a\n"


def test_an_unknown_checkpoint_is_a_one_line_error(workspace: Path) -> None:
    result = run(workspace, "checkpoints", "restore", "7", "--yes")
    assert result.returncode == 2 and result.stderr.startswith("vtcode: error: no checkpoint 7")
    assert "Traceback" not in result.stderr



def test_shell_session_input_is_checkpointed_and_undoable(workspace: Path) -> None:
    """Typed into a persistent shell (the real bash_runner plugin through the real runner): each `send`
    that carries a command is preceded by a checkpoint; opening and reading are not."""
    from vtcode.checkpoints import Checkpoints, CheckpointStore
    from vtcode.config.models import PluginsConfig
    from vtcode.events import EventBus
    from vtcode.plugins import load_plugins
    from vtcode.testing import ScriptedApprover, tool_runner

    write_trust(workspace)
    bus = EventBus()
    host = load_plugins(PluginsConfig(), bus)
    runner = tool_runner(host, workspace, approver=ScriptedApprover(["allow-once"] * 4))
    runner.checkpoints = Checkpoints(CheckpointStore(workspace), bus.emit)
    opened = runner.call("shell_session", {"action": "open", "wait_s": 0.5}, "c1").result
    assert opened.ok, opened.output
    session_id = opened.data["session_id"]
    try:
        sent = runner.call("shell_session", {"action": "send", "session_id": session_id,
                                             "command": "touch out.txt", "wait_s": 1.0}, "c2").result
        assert sent.ok, sent.output
    finally:
        runner.call("shell_session", {"action": "close", "session_id": session_id}, "c3")
    assert (workspace / "out.txt").exists()
    taken = [e.payload for e in bus.history if e.type == "checkpoint.taken"]
    assert [(t["tool"], t["call_id"]) for t in taken] == [("shell_session", "c2")]
    assert run(workspace, "undo", "--yes").returncode == 0
    assert not (workspace / "out.txt").exists()
