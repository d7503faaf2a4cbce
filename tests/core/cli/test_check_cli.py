"""`vtcode check command|path` as scripts and git hooks use it: JSON on stdout, exit 0 allow / 10 prompt /
11 deny, 2 for bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

VTCODE = str(Path(sys.executable).parent / "vtcode")


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return subprocess.run([VTCODE, *args], text=True, capture_output=True, cwd=cwd, env=env, timeout=60)


@pytest.mark.parametrize(
    ("args", "decision", "status"),
    [
        (["--shell", "ls -la && git status"], "allow", 0),
        (["--shell", "git commit -m 'x'"], "prompt", 10),
        (["--shell", "ls; rm -rf /"], "deny", 11),
        (["--", "git", "status"], "allow", 0),
        (["--", "rm", "-rf", "/"], "deny", 11),
        (["--", "ls", "; rm -rf /"], "allow", 0),  # an argv is not parsed: `; rm -rf /` is a file name
    ],
)
def test_check_command_json(workspace: Path, args: list[str], decision: str, status: int) -> None:
    subprocess.run([VTCODE, "trust", "--workspace", str(workspace)], check=True, capture_output=True)
    result = run("check", "command", "--json", "--workspace", str(workspace), *args)
    assert result.returncode == status, result.stderr
    report = json.loads(result.stdout)
    assert report["decision"] == decision
    assert {"decision", "reason", "rule", "commands"} <= set(report)
    assert report["reason"] and report["rule"]


def test_check_command_lists_every_simple_command(workspace: Path) -> None:
    result = run(
        "check",
        "command",
        "--json",
        "--workspace",
        str(workspace),
        "--shell",
        "echo $(whoami) | sudo tee /etc/x",
    )
    report = json.loads(result.stdout)
    assert ["whoami"] in report["commands"] and ["sudo", "tee", "/etc/x"] in report["commands"]
    assert ["tee", "/etc/x"] in report["commands"]
    assert report["decision"] == "deny"


def test_check_command_human_line_and_cwd_workspace(workspace: Path) -> None:
    result = run("check", "command", "--", "git", "status", cwd=workspace)
    assert result.returncode == 0
    assert result.stdout.startswith("allow: ") and result.stdout.count("\n") == 1


@pytest.mark.parametrize("args", [[], ["--shell", "ls", "--", "ls"]])
def test_check_command_needs_exactly_one_form(workspace: Path, args: list[str]) -> None:
    result = run("check", "command", "--workspace", str(workspace), *args)
    assert result.returncode == 2
    assert "exactly one of" in result.stderr and result.stdout == ""


def test_check_path(workspace: Path, isolated_user_dirs: Path) -> None:
    (workspace / "src").mkdir()
    (workspace / "link").symlink_to("/etc")
    inside = json.loads(
        run("check", "path", "--json", "--workspace", str(workspace), "src/../src/x.py").stdout
    )
    assert inside == {
        "decision": "allow",
        "resolved": str(workspace / "src" / "x.py"),
        "reason": inside["reason"],
        "write": False,
        "secret": False,
        "protected": False,
    }
    via_link = run("check", "path", "--json", "--workspace", str(workspace), "link/passwd")
    assert via_link.returncode == 11
    assert json.loads(via_link.stdout)["resolved"] == "/etc/passwd"
    hooks = run("check", "path", "--json", "--write", "--workspace", str(workspace), ".git/hooks/pre-commit")
    assert hooks.returncode == 11 and json.loads(hooks.stdout)["protected"] is True
    read_hooks = run("check", "path", "--workspace", str(workspace), ".git/hooks/pre-commit")
    assert read_hooks.returncode == 0  # reading a protected path is fine; writing it is not


def test_check_path_prefix_trick(workspace: Path) -> None:
    evil = workspace.parent / (workspace.name + "-evil")
    evil.mkdir()
    result = run("check", "path", "--json", "--workspace", str(workspace), str(evil / "x"))
    assert result.returncode == 11
    assert "outside the workspace" in json.loads(result.stdout)["reason"]


def test_bad_workspace_is_one_line(tmp_path: Path) -> None:
    result = run("check", "path", "--workspace", str(tmp_path / "missing"), "x")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "--workspace" in result.stderr
