"""A saved "always" covers exactly the argv the prompt showed, run with no environment of the command
string's own making. The review saved `make` from a prompt and then had `MAKEFLAGS=... make`, `CC=./evil
make` and friends allowed unasked: each of them runs other code than the `make` a person approved. Every
standing approval (approval_cache.allowed, .prefixes, .regexes) now asks again when the string sets any
environment: prefix assignments, `env VAR=x`, wrappers, or variables set before the command."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from vtcode_hookspecs import ActionRequest, RiskClass, Verdict

from vtcode.approvals.always import UserPolicyStore
from vtcode.policy.assemble import PolicySetup, open_policy
from vtcode.workspace import Jail, write_trust

VTCODE = str(Path(sys.executable).parent / "vtcode")

VARIANTS = [
    "MAKEFLAGS='--eval=$(shell id>/tmp/pwn)' make",
    "CC=./evil make",
    "MAKEFILES=./evil.mk make",
    "PYTEST_ADDOPTS=-p evil make",
    "RUSTC_WRAPPER=./evil make",
    "GOFLAGS=-toolexec=./evil make",
    "npm_config_script_shell=./evil make",
    "HARMLESS=1 make",
    "env CC=./evil make",
    "export CC=./evil; make",
    "CC=./evil; export CC; make",
    "timeout 60 make",
]


def _decide(workspace: Path, shell: str) -> dict[str, object]:
    result = subprocess.run([VTCODE, "check", "command", "--json", "--workspace", str(workspace),
                             "--shell", shell], capture_output=True, text=True, timeout=60, cwd=workspace)
    assert result.stdout, result.stderr
    decided: dict[str, object] = json.loads(result.stdout)
    return decided


@pytest.fixture
def always_make(workspace: Path) -> Path:
    subprocess.run([VTCODE, "trust", "--workspace", str(workspace)], check=True, capture_output=True,
                   timeout=60, cwd=workspace)
    store = UserPolicyStore(root=workspace)
    store.remember(ActionRequest(kind="command", shell="make"), [("make",)])
    return workspace


def test_the_saved_rule_allows_exactly_what_was_shown(always_make: Path) -> None:
    decided = _decide(always_make, "make")
    assert decided["decision"] == "allow", decided


@pytest.mark.parametrize("shell", VARIANTS)
def test_any_environment_of_its_own_asks_again(always_make: Path, shell: str) -> None:
    decided = _decide(always_make, shell)
    assert decided["decision"] != "allow", (shell, decided)
    assert "approval_cache" not in json.dumps(decided), (shell, decided)


# -- a standing rule is for the workspace's root (third review, decision 1603) ------------------------

RISKS = {"run_command": RiskClass.EXECUTE, "write_file": RiskClass.WRITE}


def _engine(workspace: Path) -> PolicySetup:
    return open_policy(workspace, reviewers=False, risk_of=RISKS.get)


@pytest.fixture
def always_rm_build(workspace: Path) -> Path:
    write_trust(workspace)
    (workspace / "src" / "build").mkdir(parents=True)
    UserPolicyStore(root=workspace).remember(
        ActionRequest(kind="command", shell="rm -rf build"), [("rm", "-rf", "build")]
    )
    return workspace


def _command(shell: str, cwd: str = ".") -> ActionRequest:
    return ActionRequest(kind="command", tool="run_command", shell=shell, path=cwd,
                         args={"command": shell, "cwd": cwd})


def test_a_saved_command_rule_covers_the_workspace_root_only(always_rm_build: Path) -> None:
    """Shown `in: .`, saved `rm -rf build`: it must not remove src/build unasked."""
    engine = _engine(always_rm_build).engine
    assert engine.judge(_command("rm -rf build")).decision.verdict is Verdict.ALLOW
    for action in (_command("rm -rf build", cwd="src"), _command("rm -rf build", cwd="./src/"),
                   _command("cd src && rm -rf build"), _command("cd src; rm -rf build"),
                   _command("env -C src rm -rf build")):
        judged = engine.judge(action)
        assert judged.decision.verdict is not Verdict.ALLOW, action
        assert "approval_cache" not in (judged.decision.rule or ""), action


def test_always_is_not_offered_for_a_command_run_away_from_the_root(workspace: Path) -> None:
    write_trust(workspace)
    (workspace / "src").mkdir()
    engine = _engine(workspace).engine
    assert engine.judge(_command("rm -rf build")).always_offerable
    assert not engine.judge(_command("rm -rf build", cwd="src")).always_offerable
    assert not engine.judge(_command("cd src && rm -rf build")).always_offerable


def test_a_standing_tool_rule_is_matched_by_where_the_path_leads(workspace: Path) -> None:
    """Saved for a plain notes.txt: once notes.txt is a link to another file it asks again; saved through
    a link, the file it led to is what is saved."""
    write_trust(workspace)
    (workspace / "notes.txt").write_text("notes\n")
    (workspace / "auth.py").write_text("secret = 1\n")
    jail = Jail(workspace)
    write = ActionRequest(kind="tool", tool="write_file", path="notes.txt", write=True,
                          args={"path": "notes.txt", "content": "x"})
    saved = UserPolicyStore(root=workspace, paths=jail).remember(write, ())
    assert saved.endswith(f"approval_cache.tools.write_file: {workspace / 'notes.txt'}")
    assert _engine(workspace).engine.judge(write).decision.verdict is Verdict.ALLOW
    (workspace / "notes.txt").unlink()
    (workspace / "notes.txt").symlink_to("auth.py")
    judged = _engine(workspace).engine.judge(write).decision
    assert judged.verdict is Verdict.PROMPT, judged  # the same name now changes auth.py: asked again
    saved = UserPolicyStore(root=workspace, paths=jail).remember(write, ())
    assert saved.endswith(f"approval_cache.tools.write_file: {workspace / 'auth.py'}")


def test_no_standing_rule_applies_to_a_send_into_a_shell_session(workspace: Path) -> None:
    """A shell session keeps what earlier sends exported (`export MAKEFLAGS=...` is allowed): a saved
    `make` must not allow `make` typed into it, and "always" is not offered there."""
    write_trust(workspace)
    UserPolicyStore(root=workspace).remember(ActionRequest(kind="command", shell="make"), [("make",)])
    engine = open_policy(workspace, overrides=('tools.policies={shell_session="allow"}',), reviewers=False,
                         risk_of=RISKS.get).engine  # the user lets the model use shell sessions freely
    one_shot = ActionRequest(kind="command", tool="run_command", shell="make", path=".",
                             args={"command": "make", "cwd": "."})
    send = ActionRequest(kind="command", tool="shell_session", shell="make", path=".",
                         args={"action": "send", "command": "make", "cwd": ".", "session_id": "ab12cd34"})
    assert engine.judge(one_shot).decision.verdict is Verdict.ALLOW
    judged = engine.judge(send)
    assert judged.decision.verdict is Verdict.PROMPT and "approval_cache" not in (judged.decision.rule or "")
    assert not judged.always_offerable
