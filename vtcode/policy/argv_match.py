"""Match one argv against a CommandRule: flags (with `--flag=value`, `-abc` bundles, `--`, and GNU-style
abbreviations of long flags), subcommands and typed positionals."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from vtcode_hookspecs import Verdict

from vtcode.config.command_rules import ArgType, CommandRule

from .arg_types import value_check
from .outcome import Outcome, strictest
from .paths import PathChecker

_VERDICTS = {verdict.value: verdict for verdict in Verdict}  # Verdict(x) without the enum machinery
_SAID = {"allow": "allowed", "prompt": "asked first", "deny": "denied"}


@dataclass(frozen=True)
class Invocation:
    argv: Sequence[str]
    dynamic: frozenset[int]
    paths: PathChecker


def match_rule(inv: Invocation, rule: CommandRule, name: str) -> Outcome:
    """The rule's verdict for `inv.argv[1:]`: its decision if everything conforms, stricter otherwise."""
    return _match(inv, 1, rule, f"commands.{name}")


def _match(inv: Invocation, start: int, rule: CommandRule, label: str) -> Outcome:
    found: list[Outcome] = []
    position = 0
    index = start
    flags_done = False
    while index < len(inv.argv):
        arg = inv.argv[index]
        if not flags_done and arg == "--":
            flags_done = True
            index += 1
            continue
        if not flags_done and arg.startswith("-") and arg != "-":
            index = _flags(inv, index, rule, label, found)
            continue
        if rule.subcommands is not None and position == 0:
            return _subcommand(inv, index, rule, label, found)
        kind: ArgType | None = rule.positionals[position] if position < len(rule.positionals) else rule.rest
        if kind is None:
            found.append(Outcome.prompt(f"unexpected argument {arg!r}", label))
        else:
            _value(inv, index, kind, label, found)
        position += 1
        index += 1
    reason = rule.reason or f"`{' '.join(label.split('.')[1:])}` is {_SAID[rule.decision]} by its rule"
    mine = Outcome(_VERDICTS[rule.decision], reason, label)
    return strictest([*found, mine], mine)  # on a tie the specific finding explains better


def _subcommand(inv: Invocation, index: int, rule: CommandRule, label: str, found: list[Outcome]) -> Outcome:
    assert rule.subcommands is not None
    arg = inv.argv[index]
    sub = None if index in inv.dynamic else rule.subcommands.get(arg)
    if sub is None:
        unknown = Outcome(_VERDICTS[rule.unknown_subcommand], f"subcommand {arg!r} is not in the rule", label)
        return strictest([unknown, *found], unknown)
    result = _match(inv, index + 1, sub, f"{label}.{arg}")
    return strictest([result, *found], result)


def _flags(inv: Invocation, index: int, rule: CommandRule, label: str, found: list[Outcome]) -> int:
    """Check the flag token at `index`; returns the index after it (and after a consumed value)."""
    arg = inv.argv[index]
    for flag, inline in _split_flag(arg, rule):
        forbidden = _forbidden(flag, rule)
        if forbidden is not None:
            found.append(Outcome.deny(f"{flag}: {forbidden}", f"{label}:{flag}"))
            continue
        if rule.flags is None:
            continue
        kind = rule.flags.get(flag)
        if kind is None:
            found.append(Outcome(_VERDICTS[rule.unknown_flag], f"flag {flag} is not in the rule", label))
            continue
        if kind == "none":
            continue
        if inline is not None:
            _check(inv, inline, index in inv.dynamic, kind, f"{label}:{flag}", found)
        elif index + 1 < len(inv.argv):
            index += 1
            _value(inv, index, kind, f"{label}:{flag}", found)
        else:
            found.append(Outcome.prompt(f"{flag} expects a value", label))
    return index + 1


def _split_flag(arg: str, rule: CommandRule) -> list[tuple[str, str | None]]:
    """`--name=value` -> [(--name, value)]; `-abc` -> [(-a), (-b), (-c)] unless a letter takes a value,
    which then takes the rest of the bundle (`-n5`)."""
    if arg.startswith("--") or rule.long_single_dash:
        name, sep, value = arg.partition("=")
        return [(name, value if sep else None)]
    letters = arg[1:]
    out: list[tuple[str, str | None]] = []
    for offset, letter in enumerate(letters):
        flag = f"-{letter}"
        kind = (rule.flags or {}).get(flag)
        rest = letters[offset + 1 :]
        if kind not in (None, "none") and rest:
            out.append((flag, rest.removeprefix("=")))
            return out
        out.append((flag, None))
    return out


def _forbidden(flag: str, rule: CommandRule) -> str | None:
    if flag in rule.forbidden_flags:
        return rule.forbidden_flags[flag]
    # GNU getopt_long and git accept any unambiguous prefix of a long option: `--outp` is `--output`.
    if flag.startswith("--") and len(flag) > 3 and (rule.flags is None or flag not in rule.flags):
        for name, reason in rule.forbidden_flags.items():
            if name.startswith(flag):
                return f"abbreviates {name}: {reason}"
    return None


def _value(inv: Invocation, index: int, kind: ArgType, label: str, found: list[Outcome]) -> None:
    _check(inv, inv.argv[index], index in inv.dynamic, kind, label, found)


def _check(
    inv: Invocation, value: str, dynamic: bool, kind: ArgType, label: str, found: list[Outcome]
) -> None:
    check = value_check(kind)
    if check is None:
        return
    outcome = check(value, dynamic, inv.paths, label)
    if outcome is not None:
        found.append(outcome)
