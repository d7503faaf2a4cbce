"""Every command of the CLI, given bad input of every kind it takes, fails the same way: exit status 2,
exactly one line on stderr that names what was wrong, and never a traceback. The commands are found by
walking the real command tree (plugin commands included), so a new command is covered without being
listed here; the inputs are generated from each command's own options."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import click
import pytest

from vtcode.cli.app import cli

VTCODE = str(Path(sys.executable).parent / "vtcode")


Leaf = tuple[tuple[str, ...], click.Command]


def _leaves(group: click.Group, path: tuple[str, ...] = ()) -> Iterator[Leaf]:
    ctx = click.Context(group)
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        assert command is not None, name
        if isinstance(command, click.Group):
            yield from _leaves(command, (*path, name))
        else:
            yield (*path, name), command


COMMANDS = dict(_leaves(cli))


def _good_args(path: tuple[str, ...], command: click.Command, tmp: Path) -> list[str]:
    """Valid values for what the command requires, placed last, so that the input under test fails."""
    log = tmp / "session.jsonl"
    log.touch()
    policy = tmp / "policy.toml"
    policy.touch()
    known = {
        ("check", "command"): ["--shell", "ls"],
        ("sandbox", "run"): ["--", "true"],
        ("audit", "replay"): ["--policy", str(policy), str(log)],
        ("audit", "verify"): [str(log)],
        ("config", "validate"): [str(policy)],
    }
    if path in known:
        return known[path]
    return ["x" for p in command.params if isinstance(p, click.Argument) and p.required]


def _cases(tmp: Path) -> Iterator[tuple[str, tuple[str, ...], list[str], str]]:
    """(kind, command, argv, what stderr must name)."""
    malformed = tmp / "malformed.toml"
    malformed.write_text("[providers\nchain = \n")
    unknown_provider = tmp / "unknown-provider.toml"
    unknown_provider.write_text('[providers]\nchain = ["lmstudio", "nosuch"]\n')
    for path, command in COMMANDS.items():
        names = {param.name for param in command.params}
        args = _good_args(path, command, tmp)
        if not command.context_settings.get("ignore_unknown_options"):  # else an unknown option is ARGV
            yield "unknown option", path, [*path, "--no-such-option", *args], "--no-such-option"
        if "config_files" in names:
            yield "malformed config", path, [*path, "--config", str(malformed), *args], str(malformed)
            yield "missing config", path, [*path, "--config", str(tmp / "none.toml"), *args], "none.toml"
        if "overrides" in names:
            yield "override without =", path, [*path, "-c", "nonsense", *args], "nonsense"
            yield "override of a bad value", path, [*path, "-c", 'sandbox.mode="nope"', *args], "sandbox.mode"
            yield "override of an unknown key", path, [*path, "-c", "sandbox.nope=1", *args], "sandbox.nope"
        if "workspace" in names:
            yield "missing workspace", path, [*path, "--workspace", str(tmp / "nowhere"), *args], "nowhere"
        if path in {("exec",), ("sandbox", "run")}:  # the commands that open a session
            yield "unknown provider", path, [*path, "--config", str(unknown_provider), *args], "nosuch"
    yield "unknown provider flag", ("exec",), ["exec", "--provider", "nosuch", "hi"], "--provider nosuch"
    yield "unknown provider", ("config", "validate"), ["config", "validate", str(unknown_provider)], "nosuch"
    yield "no such file", ("symbols",), ["symbols", "nosuch.py"], "nosuch.py"
    yield "no such file", ("config", "validate"), ["config", "validate", str(tmp / "none.toml")], "none.toml"
    yield "no such file", ("audit", "verify"), ["audit", "verify", str(tmp / "none.jsonl")], "none.jsonl"
    yield "no such command", (), ["nosuchcommand"], "nosuchcommand"


def test_every_command_is_covered() -> None:
    for expected in [("exec",), ("config", "validate"), ("plugins", "verify"), ("symbols",), ("find",)]:
        assert expected in COMMANDS


def test_bad_input_is_one_line_and_exit_2(tmp_path: Path, workspace: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    failures = []
    cases = list(_cases(tmp_path))
    assert len(cases) > 3 * len(COMMANDS)
    for kind, path, argv, named in cases:
        result = subprocess.run(
            [VTCODE, *argv], cwd=workspace, env=env, text=True, capture_output=True, timeout=60
        )
        lines = result.stderr.splitlines()
        problem = None
        if result.returncode != 2:
            problem = f"exit {result.returncode}"
        elif "Traceback" in result.stderr:
            problem = "traceback"
        elif len(lines) != 1:
            problem = f"{len(lines)} lines on stderr"
        elif not lines[0].startswith("vtcode: error: "):
            problem = "not a `vtcode: error:` line"
        elif named not in lines[0]:
            problem = f"does not name {named!r}"
        if problem:
            failures.append(f"{' '.join(path) or 'vtcode'} ({kind}): {problem}: {result.stderr[-400:]!r}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("argv", [["--help"], ["plugins", "--help"], ["exec", "--help"]])
def test_help_is_not_an_error(argv: list[str]) -> None:
    result = subprocess.run([VTCODE, *argv], text=True, capture_output=True, timeout=60)
    assert result.returncode == 0 and result.stdout.startswith("Usage:") and not result.stderr


def test_a_name_no_plugin_registers_leaves_the_plugin_commands_working(workspace: Path) -> None:
    """`chain = ["myprov"]` from a plugin not yet approved: sessions refuse it in one line, but `plugins
    list` (how a person finds out why) and plugin commands still run."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    config = Path(env["VTCODE_CONFIG_DIR"]) / "vtcode.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text('[providers]\nchain = ["myprov"]\n')

    def vtcode(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [VTCODE, *args], cwd=workspace, env=env, text=True, capture_output=True, timeout=60
        )

    session = vtcode("exec", "hi")
    assert session.returncode == 2 and session.stderr.count("\n") == 1
    assert f"{config}:2: providers.chain: 'myprov'" in session.stderr
    listed = vtcode("plugins", "list")
    assert listed.returncode == 0 and "lmstudio" in listed.stdout, listed.stderr
    assert vtcode("find", "nothing-like-this").returncode == 1  # a plugin command: runs, finds nothing
