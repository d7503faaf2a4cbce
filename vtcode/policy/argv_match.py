"""Match one argv against a CommandRule: flags (with `--flag=value`, `-abc` bundles, `--`, and GNU-style
abbreviations of long flags), subcommands and typed positionals."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from vtcode_hookspecs import RuleId, Verdict

from vtcode.config.command_rules import ArgType, CommandRule
from vtcode.errors import InvariantError

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
    if rule.queries and len(inv.argv) == 2 and 1 not in inv.dynamic and inv.argv[1] in rule.queries:
        return Outcome.allow(f"`{name} {inv.argv[1]}` only prints information",
                             RuleId("commands", name, detail="query"))
    if rule.old_style and len(inv.argv) > 1 and inv.argv[1][:1].isalpha() and 1 not in inv.dynamic:
        inv = _old_style(inv, rule)
    return _match(inv, 1, rule, RuleId("commands", name))


def _old_style(inv: Invocation, rule: CommandRule) -> Invocation:
    """`tar czfb out.tgz 20 src` -> `tar -c -z -f out.tgz -b 20 src`: each letter that takes a value takes
    the next unused word, in order."""
    letters = inv.argv[1]
    rest = list(range(2, len(inv.argv)))
    argv: list[str] = [inv.argv[0]]
    dynamic: set[int] = set()
    for letter in letters:
        argv.append(f"-{letter}")
        if (rule.flags or {}).get(f"-{letter}") not in (None, "none", "optional") and rest:
            source = rest.pop(0)
            if source in inv.dynamic:
                dynamic.add(len(argv))
            argv.append(inv.argv[source])
    for source in rest:
        if source in inv.dynamic:
            dynamic.add(len(argv))
        argv.append(inv.argv[source])
    return Invocation(tuple(argv), frozenset(dynamic), inv.paths)


def _match(inv: Invocation, start: int, rule: CommandRule, label: RuleId) -> Outcome:
    found: list[Outcome] = []
    operands: list[int] = []  # indexes of the positional arguments, typed once all are known
    index = start
    flags_done = False
    patterned = False
    while index < len(inv.argv):
        arg = inv.argv[index]
        if not flags_done and arg == "--":
            flags_done = True
            index += 1
            continue
        if not flags_done and arg.startswith("-") and arg != "-":
            if rule.pattern_flags and not patterned:
                patterned = any(flag in rule.pattern_flags for flag, _ in _split_flag(arg, rule))
            index = _flags(inv, index, rule, label, found)
            continue
        if rule.subcommands is not None and not operands:
            return _subcommand(inv, index, rule, label, found)
        operands.append(index)
        flags_done = flags_done or rule.options_first
        index += 1
    _operands(inv, operands, rule, label, found, patterned)
    said = " ".join((label.name or "", *label.path))  # the command and its subcommands: `git push`
    reason = rule.reason or f"`{said}` is {_SAID[rule.decision]} by its rule"
    mine = Outcome(_VERDICTS[rule.decision], reason, label)
    return strictest([*found, mine], mine)  # on a tie the specific finding explains better


def _operands(
    inv: Invocation, operands: list[int], rule: CommandRule, label: RuleId, found: list[Outcome],
    patterned: bool,
) -> None:
    """Type each positional: `positionals` in order (none after a pattern flag), then `rest`; the last of
    two or more is `last` when the rule has one (`cp a b`: a is read, b written)."""
    leading = () if patterned else rule.positionals
    for position, index in enumerate(operands):
        kind: ArgType | None
        if rule.last is not None and position == len(operands) - 1 and position > 0:
            kind = rule.last
        elif position < len(leading):
            kind = leading[position]
        else:
            kind = rule.rest
        if kind is None:
            found.append(Outcome.prompt(f"unexpected argument {inv.argv[index]!r}", label))
        else:
            _value(inv, index, kind, label, found)


def _subcommand(
    inv: Invocation, index: int, rule: CommandRule, label: RuleId, found: list[Outcome]
) -> Outcome:
    if rule.subcommands is None:
        raise InvariantError("a subcommand rule without subcommands")
    arg = inv.argv[index]
    sub = None if index in inv.dynamic else rule.subcommands.get(arg)
    if sub is None:
        unknown = Outcome(_VERDICTS[rule.unknown_subcommand], f"subcommand {arg!r} is not in the rule", label)
        return strictest([unknown, *found], unknown)
    result = _match(inv, index + 1, sub, label.below(arg))
    return strictest([result, *found], result)


def _flags(inv: Invocation, index: int, rule: CommandRule, label: RuleId, found: list[Outcome]) -> int:
    """Check the flag token at `index`; returns the index after it (and after a consumed value)."""
    arg = inv.argv[index]
    for flag, inline in _split_flag(arg, rule):
        forbidden = _forbidden(flag, rule)
        if forbidden is not None:
            found.append(Outcome.deny(f"{flag}: {forbidden}", label.at(flag)))
            continue
        asks = _listed(flag, rule, rule.prompt_flags) if rule.prompt_flags else None
        if asks is not None:
            found.append(Outcome.prompt(f"{flag}: {asks}", label.at(flag)))
        if rule.flags is None:
            continue
        kind = rule.flags.get(flag)
        if kind is None and flag.startswith("--") and len(flag) >= 3:
            # `--outp=x` is `--output=x` to getopt_long: an abbreviation takes the full flag's type.
            longer = [name for name in rule.flags if name.startswith(flag)]
            kind = rule.flags[longer[0]] if len(longer) == 1 else None
        if kind is None:
            if rule.unknown_flag != "allow":  # (an allowed switch adds nothing, not even a reason)
                found.append(Outcome(_VERDICTS[rule.unknown_flag], f"flag {flag} is not in the rule", label))
            continue
        if kind == "none" or kind == "optional":  # an optional value is only ever attached, never checked
            continue
        if inline is not None:
            _check(inv, inline, index in inv.dynamic, kind, label.at(flag), found)
        elif index + 1 < len(inv.argv):
            index += 1
            _value(inv, index, kind, label.at(flag), found)
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
    return _listed(flag, rule, rule.forbidden_flags)


def _listed(flag: str, rule: CommandRule, table: dict[str, str]) -> str | None:
    if flag in table:
        return table[flag]
    # GNU getopt_long and git accept any unambiguous prefix of a long option: `--outp` is `--output`.
    if flag.startswith("--") and len(flag) >= 3 and (rule.flags is None or flag not in rule.flags):
        for name, reason in table.items():
            if name.startswith(flag):
                return f"abbreviates {name}: {reason}"
    return None


def _value(inv: Invocation, index: int, kind: ArgType, label: RuleId, found: list[Outcome]) -> None:
    _check(inv, inv.argv[index], index in inv.dynamic, kind, label, found)


def _check(
    inv: Invocation, value: str, dynamic: bool, kind: ArgType, label: RuleId, found: list[Outcome]
) -> None:
    if kind == "tar_archive":
        kind = "write_path" if _tar_writes(inv.argv) else "read_path"
    check = value_check(kind)
    if check is None:
        return
    outcome = check(value, dynamic, inv.paths, label)
    if outcome is not None:
        found.append(outcome)


_TAR_WRITE_MODES = frozenset("cruA")
_TAR_WRITE_LONG = ("--create", "--append", "--update", "--concatenate", "--catenate", "--delete")


def _tar_writes(argv: Sequence[str]) -> bool:
    """Whether a tar invocation writes its archive: a create/append mode in any short bundle, the old
    dashless first bundle (`tar cf x.tar dir`), or the long form. Unknown (no mode seen) counts as a write."""
    modes = ""
    for index, arg in enumerate(argv[1:], 1):
        if arg == "--":
            break
        if arg.startswith("--"):
            if arg.startswith(_TAR_WRITE_LONG):
                return True
            if arg.startswith(("--extract", "--get", "--list", "--diff", "--compare")):
                modes += "x"
        elif arg.startswith("-") or (index == 1 and arg[:1].isalpha()):
            modes += arg.lstrip("-").split("=", 1)[0]
    if any(letter in _TAR_WRITE_MODES for letter in modes):
        return True
    return not any(letter in "xtd" for letter in modes)
