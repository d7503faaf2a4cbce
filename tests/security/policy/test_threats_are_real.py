"""The classes closed for issue 15 are real: each string runs code in real bash or real git (shown by a
marker file a planted program writes), and the policy does not allow it. Run in a temporary directory with
a harmless planted program; nothing else is executed."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from helpers.programs import witnesses

from vtcode.policy.assemble import PolicySetup


@pytest.fixture(autouse=True)
def _witnesses() -> None:
    witnesses("bash", "git")  # real bash and git are the witnesses here: missing on Linux is a failure


def _plant(directory: Path, name: str, marker: Path) -> Path:
    program = directory / name
    program.write_text(f"#!/bin/sh\necho ran > '{marker}'\n")
    program.chmod(0o755)
    return program


def _bash(source: str, cwd: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(cwd)}
    subprocess.run(["bash", "--norc", "--noprofile", "-c", source], cwd=cwd, env=env, timeout=20,
                   capture_output=True, check=False)


@pytest.mark.parametrize(
    "source",
    [
        "PATH=.; ls",
        "export PATH=.; ls",
        "declare -x PATH=.:$PATH; ls",
        "for PATH in .; do ls; done",
        "unset PATH; : ${PATH:=.}; ls",
        "f() { local PATH=.; ls; }; f",
        # the second review's spellings: each one really runs ./ls in bash
        'export P"A"TH=.; ls',
        "export PATH$'='.; ls",
        "export {PATH,X}=.; ls",
        "export PA{TH,}=.; ls",
        "PATH[0]=.; ls",
        "printf -vPATH .; ls",
        "read -raPATH <<< .; ls",
        "unset PATH; ls",
        "f() { local PATH; ls; }; f",
        "f() { declare PATH; ls; }; f",
        "f() { ls; }; PATH=. f",
        "set -k; ls PATH=.",
    ],
)
def test_a_statement_assignment_reaches_the_next_command(
    source: str, tmp_path: Path, policy: PolicySetup
) -> None:
    marker = tmp_path / "marker"
    _plant(tmp_path, "ls", marker)
    _bash(source, tmp_path)
    assert marker.exists(), f"bash did not run ./ls for {source!r}"
    assert policy.engine.decide_command(shell=source).decision.verdict.value != "allow"


@pytest.mark.parametrize(
    "source",
    [
        "declare -a b='($(./planted))'",
        "declare -a 'b=($(./planted))'",
        "declare -A 'A=([$(./planted)]=1)'",
        "declare -a b=(['$(./planted)']=1)",
        "x='a[$(./planted)]'; declare -a b=([x]=1)",
        "jobs -x ./planted",
        "PS4[0]='$(./planted)'; set -x; :",
        "printf -vPS4 '$(./planted)'; set -x; :",
        "export {PS4='$(./planted)',}; set -x; :",
        "{./planted,x}",
        'echo "$( echo x\n\\./planted )"',
    ],
)
def test_a_builtin_runs_code_the_policy_must_see(source: str, tmp_path: Path, policy: PolicySetup) -> None:
    """Compound values, `jobs -x`, prompt strings set by subscript, printf -v or braces, a braced
    command name: real bash runs the planted program for each, and the policy never allows one."""
    marker = tmp_path / "marker"
    _plant(tmp_path, "planted", marker)
    _bash(source, tmp_path)
    assert marker.exists(), f"bash did not run ./planted for {source!r}"
    assert policy.engine.decide_command(shell=source).decision.verdict.value != "allow"


def test_prompt_expansion_runs_a_stored_substitution(tmp_path: Path, policy: PolicySetup) -> None:
    marker = tmp_path / "marker"
    _plant(tmp_path, "planted", marker)
    source = 'echo "${x=\\140./planted\\140}${x@P}"'
    _bash(source, tmp_path)
    assert marker.exists()
    assert policy.engine.decide_command(shell=source).decision.verdict.value != "allow"


def test_git_in_a_nested_repository_runs_its_config(tmp_path: Path, policy: PolicySetup) -> None:
    """A directory holding a `.git` whose config names core.fsmonitor: `git -C it status` runs it."""
    marker = tmp_path / "marker"
    nested = tmp_path / "vendor"
    nested.mkdir()
    subprocess.run(["git", "init", "-q", str(nested)], check=True, capture_output=True)
    program = _plant(tmp_path, "monitor", marker)
    subprocess.run(["git", "-C", str(nested), "config", "core.fsmonitor", str(program)], check=True)
    env = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "HOME": str(tmp_path)}
    subprocess.run(["git", "-C", str(nested), "status"], cwd=tmp_path, env=env, capture_output=True,
                   timeout=20, check=False)
    assert marker.exists(), "git did not run the repository's fsmonitor"
    # The same shape in the policy's workspace: sub/ holds its own .git (tests/security/policy/conftest.py).
    assert policy.engine.decide_command(shell="git -C sub status").decision.verdict.value != "allow"
    assert policy.engine.decide_command(shell="cd sub && git status").decision.verdict.value != "allow"


def test_a_file_option_writes_where_it_says(tmp_path: Path, policy: PolicySetup) -> None:
    (tmp_path / "a.txt").write_text("a\n")
    _bash("uniq a.txt written.txt; tree -o tree.txt 2>/dev/null; xxd a.txt xxd.txt", tmp_path)
    assert (tmp_path / "written.txt").exists() and (tmp_path / "xxd.txt").exists()
    for source in ("uniq a.txt .git/config", "xxd a.txt .git/config", "tree -o .git/config"):
        assert policy.engine.decide_command(shell=source).decision.verdict.value == "deny", source
