"""A real jail over a temp workspace with a fake home, and a helper to decide commands under ad-hoc rules."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from helpers.deciders import Decide

from vtcode.config.command_rules import CommandRule
from vtcode.config.models import CommandsConfig
from vtcode.config.tool_policy import ApprovalCache
from vtcode.policy.commands import CommandPolicy
from vtcode.policy.shell import parse_shell
from vtcode.workspace import Jail


@pytest.fixture
def jail(workspace: Path, tmp_path: Path) -> Jail:
    home = tmp_path / "home"
    (home / ".ssh").mkdir(parents=True)
    (home / ".ssh" / "id_rsa").write_text("KEY")
    (workspace / ".git" / "hooks").mkdir(parents=True)
    (workspace / "src").mkdir()
    (workspace / "src" / "a.py").write_text("x")
    return Jail(workspace, home=home)


@pytest.fixture
def decide(jail: Jail) -> Decide:
    """decide(shell, rules={name: {...}}, lists={...}, approvals={...}) -> (verdict, rule, reason)."""

    def run(
        shell: str,
        rules: dict[str, dict[str, Any]] | None = None,
        lists: dict[str, list[str]] | None = None,
        approvals: dict[str, list[str]] | None = None,
    ) -> tuple[str, str, str]:
        policy = CommandPolicy(
            {name: CommandRule.model_validate(rule) for name, rule in (rules or {}).items()},
            CommandsConfig.model_validate(lists or {}),
            ApprovalCache.model_validate(approvals or {}),
        )
        outcome = policy.decide(parse_shell(shell), jail).outcome
        return outcome.verdict.value, outcome.rule, outcome.reason

    return run
