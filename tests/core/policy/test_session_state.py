"""The policy's view of a shell session's state (vtcode/policy/session_state.py): what a send leaves in
the shell, and how a later send is judged with it. End to end with a real shell in
tests/plugins/vtcode_bash_runner/test_session_state.py."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from vtcode_hookspecs import ActionRequest, RiskClass, Verdict

from vtcode.policy.assemble import open_policy
from vtcode.policy.session_state import FUNCTION, RUNTIME, SHELL_CHANGE, session_variables
from vtcode.workspace import write_trust


def _send(workspace: Path, shell: str, session: Any, cwd: str = ".") -> tuple[Verdict, str | None, str]:
    write_trust(workspace)
    engine = open_policy(workspace, overrides=('tools.policies={shell_session="allow"}',), reviewers=False,
                         risk_of={"shell_session": RiskClass.EXECUTE}.get).engine
    args = {"action": "send", "command": shell, "cwd": cwd, "session_id": "ab12cd34", "session": session}
    decision = engine.decide(ActionRequest(kind="command", tool="shell_session", shell=shell, path=cwd,
                                           args=args))
    return decision.verdict, decision.rule, decision.reason


def test_what_a_send_leaves_in_the_shell() -> None:
    assert session_variables("export MAKEFLAGS='--eval=x'") == [("MAKEFLAGS", "--eval=x")]
    assert session_variables("CC=./cc; true") == [("CC", "./cc")]
    assert ("CC", RUNTIME) in session_variables("read -r CC < f")
    assert session_variables("make() { curl x; }") == [("make()", FUNCTION)]
    assert session_variables("X=1 make") == [], "a prefix assignment is for that command only"
    assert session_variables("echo hi") == []
    for changes in ("source ./env.sh", ". ./env.sh", "eval \"$X\"", "alias make='curl x'", "set -a"):
        assert [value for _, value in session_variables(changes)] == [SHELL_CHANGE], changes


def test_a_send_with_nothing_carried_is_judged_alone(workspace: Path) -> None:
    assert _send(workspace, "echo hi", {"cwd": ".", "variables": {}})[0] is Verdict.ALLOW


@pytest.mark.parametrize("name", ["MAKEFLAGS", "PYTEST_ADDOPTS", "CC", "FOO", "make()"])
def test_any_carried_variable_or_function_asks(workspace: Path, name: str) -> None:
    verdict, rule, reason = _send(workspace, "echo hi", {"cwd": ".", "variables": {name: "x"}})
    assert verdict is Verdict.PROMPT and rule == "shell_session.carried" and name in reason


@pytest.mark.parametrize("name", ["LD_PRELOAD", "PATH", "GIT_DIR", "PYTHONSTARTUP", "BASH_ENV"])
def test_a_carried_dangerous_variable_denies(workspace: Path, name: str) -> None:
    verdict, rule, _ = _send(workspace, "echo hi", {"cwd": ".", "variables": {name: "x"}})
    assert verdict is Verdict.DENY and rule == "shell_session.carried"


@pytest.mark.parametrize("state", [{"cwd": "unknown", "variables": {}}, "junk", {"cwd": ".", "variables": 3}])
def test_an_unknown_place_or_a_malformed_state_asks(workspace: Path, state: Any) -> None:
    assert _send(workspace, "echo hi", state)[0] is Verdict.PROMPT


def test_a_shell_inside_git_asks(workspace: Path) -> None:
    (workspace / ".git").mkdir()
    verdict, rule, reason = _send(workspace, "ls", {"cwd": ".git", "variables": {}},
                                  cwd=str(workspace / ".git"))
    assert verdict is Verdict.PROMPT and rule == "shell_session.cwd" and ".git" in reason
