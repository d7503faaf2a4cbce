"""The engine's layers over the real config loader: tool policy, paths, workspace trust, approval modes,
reviewers. The strictest layer wins."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from vtcode_hookspecs import ActionRequest, Decision, RiskClass, Verdict

from vtcode.policy.assemble import PolicySetup, open_policy
from vtcode.workspace import write_trust

RISKS = {"read_file": RiskClass.READ, "write_file": RiskClass.WRITE, "run_command": RiskClass.EXECUTE}


def _setup(workspace: Path, *overrides: str, trusted: bool = True) -> PolicySetup:
    if trusted:
        write_trust(workspace)
    return open_policy(workspace, overrides=overrides, reviewers=False, risk_of=RISKS.get)


def _tool(setup: PolicySetup, tool: str, path: str, *, write: bool = False) -> Decision:
    return setup.engine.decide(ActionRequest(kind="tool", tool=tool, path=path, write=write))


def test_default_tool_policies(workspace: Path) -> None:
    setup = _setup(workspace)
    assert _tool(setup, "read_file", "a.txt").verdict is Verdict.ALLOW
    assert _tool(setup, "write_file", "a.txt", write=True).verdict is Verdict.PROMPT
    unknown = _tool(setup, "frobnicate", "a.txt")
    assert (unknown.verdict, unknown.rule) == (Verdict.PROMPT, "tools.default_policy")


def test_tools_policies_from_config(workspace: Path) -> None:
    setup = _setup(workspace, 'tools.policies={write_file="deny", frobnicate="allow"}')
    assert _tool(setup, "write_file", "a.txt", write=True).rule == "tools.policies.write_file"
    assert _tool(setup, "write_file", "a.txt", write=True).verdict is Verdict.DENY
    assert _tool(setup, "frobnicate", "a.txt").verdict is Verdict.ALLOW


@pytest.mark.parametrize(
    ("path", "write", "rule"),
    [
        ("/etc/passwd", False, "paths.outside"),
        ("../x", True, "paths.outside"),
        ("~/.ssh/id_rsa", False, "paths.secret"),
        (".git/hooks/pre-commit", True, "paths.outside"),
        (".vt-workspace-trust", True, "paths.outside"),
        ("/proc/self/root/etc/passwd", False, "paths.outside"),
    ],
)
def test_paths_outside_secret_or_protected_are_denied(
    workspace: Path, path: str, write: bool, rule: str
) -> None:
    decision = _tool(_setup(workspace), "read_file", path, write=write)
    assert (decision.verdict, decision.rule) == (Verdict.DENY, rule), decision.reason


def test_extra_paths_are_each_checked(workspace: Path) -> None:
    setup = _setup(workspace)
    action = ActionRequest(kind="tool", tool="read_file", path="a.txt", extra_paths=(("/etc/shadow", False),))
    assert setup.engine.decide(action).verdict is Verdict.DENY


def test_untrusted_workspace_is_read_only_and_says_why(workspace: Path) -> None:
    setup = _setup(workspace, trusted=False)
    assert _tool(setup, "read_file", "a.txt").verdict is Verdict.ALLOW
    write = _tool(setup, "write_file", "a.txt", write=True)
    assert (write.verdict, write.rule) == (Verdict.DENY, "workspace.untrusted")
    assert "vtcode trust" in write.reason
    assert setup.engine.decide_command(shell="ls").decision.verdict is Verdict.ALLOW
    assert setup.engine.decide_command(shell="git commit -m x").decision.verdict is Verdict.DENY


def test_workspace_policy_files_ignored_when_untrusted_and_tighten_only_when_trusted(workspace: Path) -> None:
    (workspace / ".vtcode").mkdir()
    (workspace / ".vtcode" / "tool-policy.json").write_text(
        json.dumps({"policies": {"read_file": "deny", "write_file": "allow"}})
    )
    untrusted = _setup(workspace, trusted=False)
    assert _tool(untrusted, "read_file", "a.txt").verdict is Verdict.ALLOW
    assert any("not trusted" in n for n in untrusted.config.notices)
    trusted = _setup(workspace)
    assert _tool(trusted, "read_file", "a.txt").verdict is Verdict.DENY  # tightening honoured
    assert _tool(trusted, "write_file", "a.txt", write=True).verdict is Verdict.PROMPT  # loosening refused


def test_workspace_cannot_define_command_rules(workspace: Path) -> None:
    (workspace / ".vtcode").mkdir()
    (workspace / ".vtcode" / "tool-policy.json").write_text(
        json.dumps({"commands": {"rm": {"decision": "allow"}}})
    )
    setup = _setup(workspace)
    assert setup.engine.decide_command(shell="rm x").decision.verdict is Verdict.PROMPT


def test_mode_never_turns_prompts_into_denials(workspace: Path) -> None:
    setup = _setup(workspace, 'approvals.mode="never"')
    assert _tool(setup, "write_file", "a.txt", write=True).verdict is Verdict.DENY
    assert setup.engine.decide_command(shell="ls").decision.verdict is Verdict.ALLOW
    hitl = _setup(workspace, "security.human_in_the_loop=false")
    assert "human_in_the_loop" in _tool(hitl, "write_file", "a.txt", write=True).reason


def test_mode_untrusted_asks_for_all_but_read_only_work(workspace: Path, isolated_user_dirs: Path) -> None:
    setup = _setup(
        workspace,
        'approvals.mode="untrusted"',
        'commands.allow_list=["make test"]',
        'tools.policies={write_file="allow"}',
    )
    assert setup.engine.decide_command(shell="ls -la").decision.verdict is Verdict.ALLOW
    assert setup.engine.decide_command(shell="make test").decision.verdict is Verdict.PROMPT
    assert _tool(setup, "write_file", "a.txt", write=True).verdict is Verdict.PROMPT
    assert _tool(setup, "read_file", "a.txt").verdict is Verdict.ALLOW
    on_request = _setup(workspace, 'commands.allow_list=["make test"]')
    assert on_request.engine.decide_command(shell="make test").decision.verdict is Verdict.ALLOW


def test_user_rules_are_not_honoured_in_an_untrusted_workspace(
    workspace: Path, isolated_user_dirs: Path
) -> None:
    path = isolated_user_dirs / "config" / "tool-policy.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"commands": {"make": {"decision": "allow", "flags": None}}}))
    assert _setup(workspace).engine.decide_command(shell="make").decision.verdict is Verdict.ALLOW
    (workspace / ".vt-workspace-trust").unlink()
    untrusted = _setup(workspace, trusted=False)
    assert untrusted.engine.decide_command(shell="make").decision.rule == "workspace.untrusted"


def test_reviewer_sees_every_decision(workspace: Path) -> None:
    write_trust(workspace)
    seen: list[tuple[str | None, Verdict]] = []

    def reviewer(action: ActionRequest, decision: Decision) -> Decision:
        seen.append((action.shell, decision.verdict))
        if action.shell and "git" in action.shell:
            return Decision(verdict=Verdict.DENY, reason="no git today", rule="review.test")
        return decision

    from vtcode.policy.engine import PolicyEngine

    base = _setup(workspace)
    engine = PolicyEngine(base.config, base.jail, reviewer=reviewer)
    assert engine.decide_command(shell="git status").decision.rule == "review.test"
    assert engine.decide_command(shell="ls").decision.verdict is Verdict.ALLOW
    assert seen == [("git status", Verdict.ALLOW), ("ls", Verdict.ALLOW)]


@pytest.mark.parametrize(
    ("cwd", "command", "verdict"),
    [
        (".git", "echo x > hooks/pre-commit", Verdict.DENY),  # a protected path, reached relative to cwd
        ("src", "cat a.py", Verdict.ALLOW),
        (".", "cat ../x", Verdict.PROMPT),
        ("src", "rm -rf ../..", Verdict.DENY),
    ],
)
def test_command_paths_are_judged_from_the_tools_cwd(
    workspace: Path, cwd: str, command: str, verdict: Verdict
) -> None:
    (workspace / "src").mkdir()
    (workspace / ".git" / "hooks").mkdir(parents=True)
    setup = _setup(workspace)
    action = ActionRequest(kind="command", tool="run_command", shell=command, path=cwd)
    decision = setup.engine.decide(action)
    assert decision.verdict is verdict, decision.reason
