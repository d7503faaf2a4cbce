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
from vtcode_hookspecs import ActionRequest

from vtcode.approvals.always import UserPolicyStore

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
