"""The per-command allowlist grammar: flags (`--flag=value`, `-abc` bundles, `--`, abbreviations),
subcommands and typed positionals (paths read or written, confined to the workspace; integers; opaque)."""

from __future__ import annotations

import pytest
from helpers.deciders import Decide

HEAD = {
    "head": {"decision": "allow", "flags": {"-n": "int", "-q": "none", "-v": "none"}, "rest": "read_path"}
}
GIT = {
    "git": {
        "decision": "prompt",
        "forbidden_flags": {
            "-c": "sets any config, including core.sshCommand",
            "--exec-path": "runs programs",
        },
        "flags": None,
        "subcommands": {
            "status": {"decision": "allow", "flags": {"-s": "none", "--short": "none"}},
            "push": {"decision": "prompt", "flags": None, "forbidden_flags": {"--force": "rewrites history"}},
        },
    }
}
SORT = {"sort": {"decision": "allow", "flags": {"-o": "write_path", "-r": "none"}, "rest": "read_path"}}


@pytest.mark.parametrize(
    ("command", "verdict"),
    [
        ("head -n 5 src/a.py", "allow"),
        ("head -n5 src/a.py", "allow"),  # the value glued to its letter
        ("head -qv src/a.py", "allow"),  # a bundle of switches
        ("head -qn 5 src/a.py", "allow"),  # a bundle ending in a flag that takes the next word
        ("head -n five src/a.py", "prompt"),  # int expected
        ("head -x src/a.py", "prompt"),  # a flag the rule does not list asks
        ("head -qx src/a.py", "prompt"),  # ...also inside a bundle
        ("head -- -n", "allow"),  # after `--` it is a path (inside the workspace), not a flag
        ("head /etc/hostname", "prompt"),  # a read outside the workspace asks
        ("head ~/.ssh/id_rsa", "deny"),  # a secret is denied outright
        ("head -n", "prompt"),  # a flag missing its value
    ],
)
def test_flags_values_and_bundles(decide: Decide, command: str, verdict: str) -> None:
    assert decide(command, HEAD)[0] == verdict


@pytest.mark.parametrize(
    ("command", "verdict", "rule"),
    [
        ("git status", "allow", "commands.git.status"),
        ("git status --short", "allow", "commands.git.status"),
        ("git status --porcelain", "prompt", "commands.git.status"),
        ("git frobnicate", "prompt", "commands.git"),  # unknown subcommand asks
        ("git -c core.pager=sh status", "deny", "commands.git:-c"),  # forbidden before the subcommand
        ("git --exec-path=/tmp status", "deny", "commands.git:--exec-path"),  # --flag=value form
        ("git --exec-pa=/tmp status", "deny", "commands.git:--exec-pa"),  # GNU abbreviation
        ("git push origin main", "prompt", "commands.git.push"),
        ("git push --force origin main", "deny", "commands.git.push:--force"),
        ("git push --forc origin main", "deny", "commands.git.push:--forc"),
    ],
)
def test_subcommands_and_forbidden_flags(decide: Decide, command: str, verdict: str, rule: str) -> None:
    got = decide(command, GIT)
    assert got[:2] == (verdict, rule), got


@pytest.mark.parametrize(
    ("command", "verdict"),
    [
        ("sort -o out.txt src/a.py", "prompt"),  # writing inside the workspace asks
        ("sort -o=out.txt src/a.py", "prompt"),
        ("sort -o /tmp/out src/a.py", "deny"),  # writing outside the workspace is denied
        ("sort -o.git/hooks/pre-commit src/a.py", "deny"),  # protected path, value glued to the flag
        ("sort -ro ../escape src/a.py", "deny"),  # value of the last letter of a bundle
        ("sort -r src/a.py", "allow"),
    ],
)
def test_typed_write_paths(decide: Decide, command: str, verdict: str) -> None:
    assert decide(command, SORT)[0] == verdict


def test_positional_types_and_no_rest(decide: Decide) -> None:
    rules = {"kill": {"decision": "prompt", "flags": {}, "positionals": ["int"], "rest": None}}
    assert decide("kill 42", rules)[0] == "prompt"
    assert decide("kill 42 43", rules)[2] == "unexpected argument '43'"
    assert decide("kill abc", rules)[2] == "expected an integer, got 'abc'"


def test_dynamic_values_are_not_trusted(decide: Decide) -> None:
    assert decide("head $(echo src/a.py)", HEAD)[0] == "prompt"
    assert decide("head -n $N src/a.py", HEAD)[0] == "prompt"
    # A glob is judged by the directory it stays under: `/etc/*` reads outside, `src/*` inside.
    assert decide("head src/*", HEAD)[0] == "allow"
    assert decide("head /etc/*", HEAD)[0] == "prompt"


def test_unknown_program_asks_and_absolute_system_path_keeps_its_rule(decide: Decide) -> None:
    assert decide("frob", HEAD)[1] == "commands.unknown"
    assert decide("/usr/bin/head -n 1 src/a.py", HEAD)[0] == "allow"
    assert decide("./head -n 1 src/a.py", HEAD)[0] == "prompt"  # a file in the workspace may be anything


def test_family_names_fall_back_to_the_rule(decide: Decide) -> None:
    rules = {"mkfs": {"decision": "deny", "flags": None}, "python3": {"decision": "prompt", "flags": None}}
    assert decide("mkfs.ext4 /dev/sda1", rules)[:2] == ("deny", "commands.mkfs")
    assert decide("python3.12 x.py", rules)[:2] == ("prompt", "commands.python3")
