"""Check the `match` / `not_match` examples rules carry, when the policy loads: a rule whose examples do
not come out as its author said is a load error, so a typo cannot silently allow or block."""

from __future__ import annotations

from collections.abc import Callable

from vtcode_hookspecs import Verdict

from vtcode.config.command_rules import CommandRule
from vtcode.errors import ConfigError
from vtcode.policy.shell import parse_shell

from .argv_match import Invocation, match_rule
from .paths import PathChecker


def check_examples(
    rules: dict[str, CommandRule], paths: PathChecker, source_of: Callable[[str], str]
) -> None:
    """`source_of(name)`: the file that defined rule `name`, for the error message."""
    for name, rule in rules.items():
        for kind, examples in (("match", rule.match), ("not_match", rule.not_match)):
            for index, example in enumerate(examples):
                got = _verdict(name, example, rule, paths)
                wanted = Verdict(rule.decision)
                if (got is wanted) != (kind == "match"):
                    expectation = (
                        f"expected {wanted.value}" if kind == "match" else f"expected not {wanted.value}"
                    )
                    raise ConfigError(
                        source_of(name),
                        f"example {example!r} gives {got.value if got else 'no command'}, {expectation}",
                        key=f"commands.{name}.{kind}.{index}",
                    )


def _verdict(name: str, example: str, rule: CommandRule, paths: PathChecker) -> Verdict | None:
    parsed = parse_shell(example)
    command = next((c for c in parsed.commands if c.name == name and not c.via), None)
    if command is None:
        return None
    return match_rule(Invocation(command.argv, command.dynamic_args, paths), rule, name).verdict
