"""A small getopt: where a wrapper's own options end and the command it runs begins.

Getting this wrong is an attack: if `timeout -k 5 10 rm` were read with `-k` taking no argument, `10` would be
the duration and `5`... the program. So every wrapper has an exact table, and anything not in it is a
problem rather than a guess.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from .context import brief

_NUMERIC = re.compile(r"--?\d+")


def names(text: str) -> frozenset[str]:
    """`names("user group")`: long option tables read best as one line of words."""
    return frozenset(text.split())


@dataclass(frozen=True)
class OptionSpec:
    """The options one program accepts. Short options are single letters; long ones are spelled out."""

    flags: str = ""  # short options without an argument
    with_arg: str = ""  # short options that take an argument (attached or the next word)
    optional_arg: str = ""  # short options whose argument can only be attached: xargs -i[R]
    long_flags: frozenset[str] = frozenset()
    long_with_arg: frozenset[str] = frozenset()
    long_optional: frozenset[str] = frozenset()  # --name or --name=value only
    numeric: bool = False  # `nice -10`: a dash followed by digits is an option
    permute: bool = False  # GNU getopt without '+': options may follow operands (su, script)
    dash_is_flag: bool = False  # env's lone `-` means -i


class Option(NamedTuple):
    name: str
    value: str | None
    at: int  # index of the argument that held the value (or the option itself)


@dataclass
class Scan:
    """The result of scanning: options seen (name, value), operands, and where the operands start."""

    options: list[Option] = field(default_factory=list)
    operands: list[int] = field(default_factory=list)  # indexes into the scanned args
    rest: int = 0  # index of the first argument after the options (first operand when not permuting)
    error: str | None = None

    def has(self, *names: str) -> bool:
        return any(option.name in names for option in self.options)

    def last(self, *names: str) -> Option | None:
        found = [option for option in self.options if option.name in names]
        return found[-1] if found else None

    def value(self, *names: str) -> str | None:
        option = self.last(*names)
        return option.value if option else None


def scan(args: Sequence[str], spec: OptionSpec) -> Scan:
    """Scan `args` (the words after the program name) as getopt_long would."""
    result = Scan()
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--":
            if spec.permute:
                result.operands.extend(range(i + 1, len(args)))
                i = len(args)
            else:
                i += 1
            break
        if arg == "-" and spec.dash_is_flag:
            result.options.append(Option("-", None, i))
        elif spec.numeric and _NUMERIC.fullmatch(arg):
            result.options.append(Option("n", arg.lstrip("-"), i))
        elif arg.startswith("--"):
            i = _long(args, i, spec, result)
        elif arg.startswith("-") and arg != "-":
            i = _short(args, i, spec, result)
        elif spec.permute:
            result.operands.append(i)
        else:
            break
        if result.error:
            break
        i += 1
    result.rest = i
    if not spec.permute:
        result.operands = list(range(i, len(args)))
    return result


def _long(args: Sequence[str], i: int, spec: OptionSpec, result: Scan) -> int:
    name, equals, value = args[i][2:].partition("=")
    if name in spec.long_flags and not equals:
        result.options.append(Option(name, None, i))
    elif name in spec.long_optional:
        result.options.append(Option(name, value if equals else None, i))
    elif name in spec.long_with_arg:
        if not equals:
            if i + 1 >= len(args):
                result.error = f"option {brief('--' + name)} needs an argument"
                return i
            i += 1
            value = args[i]
        result.options.append(Option(name, value, i))
    else:
        # getopt_long also accepts unambiguous abbreviations; refusing them costs a prompt, guessing
        # them wrong could hide the program.
        result.error = f"unknown option {brief('--' + name)}"
    return i


def _short(args: Sequence[str], i: int, spec: OptionSpec, result: Scan) -> int:
    arg = args[i]
    j = 1
    while j < len(arg):
        letter = arg[j]
        if letter in spec.flags:
            result.options.append(Option(letter, None, i))
            j += 1
            continue
        if letter in spec.optional_arg:
            result.options.append(Option(letter, arg[j + 1 :] or None, i))
        elif letter in spec.with_arg:
            if j + 1 < len(arg):
                result.options.append(Option(letter, arg[j + 1 :], i))
            elif i + 1 < len(args):
                i += 1
                result.options.append(Option(letter, args[i], i))
            else:
                result.error = f"option -{letter} needs an argument"
        else:
            result.error = f"unknown option -{letter}"
        break
    return i
