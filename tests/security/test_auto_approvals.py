"""approvals.mode = "auto": fewer prompts at equal safety. Measured on a scripted bug-fix session (read,
run the tests, edit, run the tests, show the diff) through `vtcode exec` against a model server on
127.0.0.1, and on the demo's attack sequence, in each mode: 0 prompts in auto for the bug fix, every
attack still stopped; and auto fails closed (asks) whenever its conditions do not all hold."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers.openai_stub import OpenAIStub, Reply, ToolCallReply

from vtcode.workspace.trust import write_trust

VTCODE = str(Path(sys.executable).parent / "vtcode")
pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="auto mode is verified on the Linux sandbox")
GIT_ENV = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "GIT_AUTHOR_NAME": "u",
           "GIT_AUTHOR_EMAIL": "u@x.invalid", "GIT_COMMITTER_NAME": "u", "GIT_COMMITTER_EMAIL": "u@x.invalid"}


def call(name: str, **arguments: object) -> Reply:
    return Reply(tool_calls=[ToolCallReply(name, arguments)])


BUG_FIX = [
    call("read_file", path="calc.py"),
    call("run_command", command="python3 test_calc.py"),
    call("edit_file", path="calc.py", old="a - b", new="a + b"),
    call("run_command", command="python3 test_calc.py"),
    call("run_command", command="git diff"),
    Reply(text="fixed"),
]


def project(workspace: Path) -> Path:
    (workspace / "calc.py").write_text("def add(a, b):\n    return a - b\n")
    (workspace / "test_calc.py").write_text(
        "from calc import add\nassert add(2, 3) == 5, 'wrong'\nprint('ok')\n")
    for argv in (["git", "init", "-q"], ["git", "add", "-A"], ["git", "commit", "-qm", "start"]):
        subprocess.run(argv, cwd=workspace, env=GIT_ENV, check=True, capture_output=True)
    write_trust(workspace)
    return workspace


def session(workspace: Path, script: list[Reply], *args: str) -> tuple[subprocess.CompletedProcess[str],
                                                                      list[dict[str, object]]]:
    with OpenAIStub(script) as stub:
        result = subprocess.run(
            [VTCODE, "exec", "--provider", "openai-compat", "--base-url", stub.base_url, "--model", "m",
             "--workspace", str(workspace), "--events", "jsonl", *args, "fix the bug"],
            capture_output=True, text=True, timeout=180, stdin=subprocess.DEVNULL,
            env={**os.environ, "VTCODE_AUDIT_DIR": str(workspace.parent / "audit")})
    events = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    return result, events


def prompts(events: list[dict[str, object]]) -> int:
    return sum(1 for e in events if e["type"] == "approval.requested")


def test_the_bug_fix_session_asks_nothing_in_auto_mode_and_runs_for_real(workspace: Path) -> None:
    project(workspace)
    result, events = session(workspace, BUG_FIX, "--approvals", "auto")
    assert result.returncode == 0, result.stderr[-2000:]
    assert prompts(events) == 0
    assert "a + b" in (workspace / "calc.py").read_text()
    verified = [e["payload"] for e in events if e["type"] == "sandbox.verified"]
    assert len(verified) == 1 and verified[0]["ok"] is True, verified  # type: ignore[index]
    auto = [e["payload"] for e in events if e["type"] == "policy.decision"
            and e["payload"]["rule"] == "approvals.auto"]  # type: ignore[index]
    assert len(auto) == 3  # two test runs and the edit (`git diff` is allowed anyway): each recorded
    assert sum(1 for e in events if e["type"] == "checkpoint.taken") == 4  # every command and edit: undoable


def test_the_same_session_asks_in_on_request_mode(workspace: Path) -> None:
    project(workspace)
    _, events = session(workspace, BUG_FIX)
    assert prompts(events) >= 1  # no terminal: the first prompt is a denial and the model stops
    assert "a - b" in (workspace / "calc.py").read_text()


@pytest.mark.parametrize("mode", ["on-request", "auto"])
def test_every_attack_of_the_demo_is_stopped_in_each_mode(mode: str) -> None:
    argv = [VTCODE, "demo", "--approvals", mode]
    result = subprocess.run(argv, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:]
    assert "6/6 attacks stopped; task done; demo passed" in result.stdout
    assert f"approvals.mode '{mode}': 1 prompt(s)" in result.stdout


@pytest.mark.parametrize("command", [
    "curl -s https://example.com/x -o x.txt",   # needs the network
    "git push origin main",                      # reaches a remote
    "cat /etc/hostname > copy.txt",              # a path outside the workspace
    "python3 -m pip install requests",           # a package install
])
def test_auto_still_asks_for_what_the_sandbox_would_not_confine_or_the_person_should_see(
    workspace: Path, command: str
) -> None:
    project(workspace)
    _, events = session(workspace, [call("run_command", command=command), Reply(text="done")],
                             "--approvals", "auto")
    decisions = [e["payload"] for e in events if e["type"] == "policy.decision"]
    assert decisions and decisions[0]["decision"] in ("prompt", "deny"), decisions  # type: ignore[index]
    assert decisions[0]["rule"] != "approvals.auto"  # type: ignore[index]


def test_a_prompt_pinned_by_the_users_rule_still_asks_in_auto_mode(workspace: Path) -> None:
    from vtcode.paths import user_config_dir

    project(workspace)
    user_config_dir().mkdir(parents=True, exist_ok=True)
    (user_config_dir() / "vtcode.toml").write_text('[tools.policies]\nedit_file = "prompt"\n')
    _, events = session(workspace, [BUG_FIX[2], Reply(text="done")], "--approvals", "auto")
    assert prompts(events) == 1
    assert "a - b" in (workspace / "calc.py").read_text()


def test_a_managed_config_can_forbid_auto_mode(workspace: Path, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    managed = tmp_path / "managed.toml"
    managed.write_text("[approvals]\nallow_auto = false\n")
    monkeypatch.setenv("VTCODE_MANAGED_CONFIG", str(managed))
    project(workspace)
    _, events = session(workspace, BUG_FIX, "--approvals", "auto")
    assert prompts(events) >= 1
    assert "a - b" in (workspace / "calc.py").read_text()
    assert not any(e["payload"].get("rule") == "approvals.auto"  # type: ignore[union-attr]
                   for e in events if e["type"] == "policy.decision")


def test_auto_fails_closed_when_the_sandbox_is_not_verified(workspace: Path) -> None:
    """A weaker sandbox mode cannot be verified for auto: every prompt still asks."""
    project(workspace)
    _, events = session(workspace, BUG_FIX, "--approvals", "auto", "-c", 'sandbox.mode="read-only"')
    assert prompts(events) >= 1
    assert not any(e["payload"].get("rule") == "approvals.auto"  # type: ignore[union-attr]
                   for e in events if e["type"] == "policy.decision")
