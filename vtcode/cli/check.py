"""`vtcode check command|path`: ask the policy engine, from scripts and git hooks, without running anything.

Exit status: 0 allow, 10 prompt, 11 deny (2 for bad input), so `vtcode check command -- ... && ...` reads
naturally. `--json` prints one object on stdout; otherwise one human line.
"""

from __future__ import annotations

import json
from typing import Any

import click

from vtcode.terminal.echo import say, say_json

from .options import CommandContext, reports_errors, workspace_options

EXIT_CODES = {"allow": 0, "prompt": 10, "deny": 11}


@click.group(name="check")
def check() -> None:
    """Ask the policy engine about an action (nothing is run)."""


@check.command(name="command", context_settings={"ignore_unknown_options": True})
@click.option("--shell", "shell", metavar="STR", default=None, help="A shell string, parsed as bash would.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON object.")
@workspace_options
@click.argument("argv", nargs=-1, type=click.UNPROCESSED)
@reports_errors
def check_command(shell: str | None, argv: tuple[str, ...], invocation: CommandContext) -> None:
    """Decide on a command: `-- ARGV...` (an argv, not parsed) or `--shell STR`."""
    from vtcode.policy.assemble import open_policy

    if (shell is None) == (not argv):
        raise click.UsageError("check command: give exactly one of `-- ARGV...` or `--shell STR`")
    setup = open_policy(
        invocation.workspace, config_files=invocation.config_files, overrides=invocation.overrides
    )
    judged = setup.engine.decide_command(argv=argv or None, shell=shell)
    decision = judged.decision
    report: dict[str, Any] = {
        "decision": decision.verdict.value,
        "reason": decision.reason,
        "rule": str(decision.rule) if decision.rule is not None else None,
        "commands": [list(c) for c in judged.commands],
        "always_offerable": judged.always_offerable,
        "workspace": str(setup.jail.root),
        "trusted": setup.config.trust.trusted,
    }
    _print(report, invocation.as_json, f"{decision.verdict.value}: {decision.reason} (rule {decision.rule})")
    raise SystemExit(EXIT_CODES[decision.verdict.value])


@check.command(name="path")
@click.option("--write", is_flag=True, help="Check the path as written (protected paths are refused).")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON object.")
@workspace_options
@click.argument("path")
@reports_errors
def check_path(write: bool, path: str, invocation: CommandContext) -> None:
    """Resolve PATH through the workspace jail: allow (with where it lands) or deny (with why)."""
    from vtcode.workspace import Jail

    invocation.load_config()  # bad config fails, never ignored
    jail = Jail(invocation.root())
    verdict = jail.check(path, write=write)
    decision = "allow" if verdict.allowed else "deny"
    report = {
        "decision": decision,
        "resolved": verdict.resolved,
        "reason": verdict.reason,
        "write": write,
        "secret": verdict.secret,
        "protected": verdict.protected,
    }
    _print(report, invocation.as_json, f"{decision}: {verdict.reason}")
    raise SystemExit(EXIT_CODES[decision])


def _print(report: dict[str, Any], as_json: bool, line: str) -> None:
    if as_json:
        say_json(json.dumps(report))
    else:
        say(line)
