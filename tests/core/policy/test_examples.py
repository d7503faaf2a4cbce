"""`match` / `not_match` examples are checked when the policy loads: a failing one is a load error naming the
file and the key, and nothing is decided."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from vtcode.errors import ConfigError
from vtcode.policy.assemble import open_policy


def _user_policy(home: Path, document: dict[str, object]) -> Path:
    path = home / "config" / "tool-policy.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document))
    return path


def test_passing_examples_load(isolated_user_dirs: Path, workspace: Path) -> None:
    _user_policy(
        isolated_user_dirs,
        {
            "commands": {
                "make": {
                    "decision": "allow",
                    "flags": {"-j": "int"},
                    "match": ["make -j4 test"],
                    "not_match": ["make -jx"],
                }
            }
        },
    )
    setup = open_policy(workspace, reviewers=False)
    assert "make" in setup.engine.commands.rules
    assert "ls" in setup.engine.commands.rules  # merged over the shipped rules, not replacing them


@pytest.mark.parametrize(
    ("rule", "key", "says"),
    [
        ({"decision": "allow", "flags": {}, "match": ["make -j4"]}, "commands.make.match.0", "gives prompt"),
        (
            {"decision": "allow", "flags": None, "not_match": ["make x"]},
            "commands.make.not_match.0",
            "expected not allow",
        ),
        ({"decision": "allow", "match": ["cmake x"]}, "commands.make.match.0", "gives no command"),
    ],
)
def test_failing_example_is_a_load_error(
    isolated_user_dirs: Path, workspace: Path, rule: dict[str, object], key: str, says: str
) -> None:
    path = _user_policy(isolated_user_dirs, {"commands": {"make": rule}})
    with pytest.raises(ConfigError) as raised:
        open_policy(workspace, reviewers=False)
    message = str(raised.value)
    assert str(path) in message and key in message and says in message
    assert "\n" not in message


@pytest.mark.parametrize(
    ("document", "key"),
    [
        ({"commands": {"make": {"decison": "allow"}}}, "commands.make.decison"),
        ({"commands": {"make": {"decision": "sometimes"}}}, "commands.make.decision"),
        ({"commands": {"make": {"flags": {"-j": "number"}}}}, "commands.make.flags.-j"),
        ({"policies": {"write_file": "yes"}}, "policies.write_file"),
    ],
)
def test_malformed_policy_is_one_line_naming_file_and_key_and_nothing_runs(
    isolated_user_dirs: Path, workspace: Path, document: dict[str, object], key: str
) -> None:
    path = _user_policy(isolated_user_dirs, document)
    marker = workspace / "ran"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "vtcode",
            "check",
            "command",
            "--workspace",
            str(workspace),
            "--",
            "touch",
            str(marker),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and str(path) in lines[0] and key in lines[0], result.stderr
    assert result.stdout == "" and not marker.exists()


def test_broken_json_names_the_line(isolated_user_dirs: Path, workspace: Path) -> None:
    path = isolated_user_dirs / "config" / "tool-policy.json"
    path.parent.mkdir(parents=True)
    path.write_text('{\n  "commands": {\n    "make": {"decision": "allow",}\n  }\n}\n')
    with pytest.raises(ConfigError) as raised:
        open_policy(workspace, reviewers=False)
    assert f"{path}:3" in str(raised.value)
