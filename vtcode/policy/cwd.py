"""Relative paths after a `cd`: `cd .git && echo x > hooks/pre-commit` writes .git/hooks/pre-commit, and
`cd /tmp && rm -rf x` removes /tmp/x. The parser does not run the script, so a relative path is judged
from every directory the string (or the tool's `cwd`) may have changed to, as well as from where it
started; the strictest answer wins."""

from __future__ import annotations

import posixpath
from collections.abc import Sequence

from vtcode.policy.shell import ParseResult, SimpleCommand
from vtcode.policy.shell.envsplit import split_env_string

from .paths import PathCheck, PathChecker

_CHANGES_DIR = frozenset({"cd", "pushd"})
_UNKNOWN = "\0unknown"  # a directory only known at run time


def directories(parsed: ParseResult, start: str | None = None) -> tuple[str, ...]:
    """Every directory relative paths in `parsed` may be relative to, besides the starting one."""
    found: list[str] = []
    for command in parsed.commands:
        if command.name == "env":
            chdirs = _env_chdir(command)
            found += [_UNKNOWN if dynamic else _joined(start, target) for target, dynamic in chdirs]
            continue
        if command.name not in _CHANGES_DIR:
            continue
        operands = [(i, a) for i, a in enumerate(command.argv[1:], 1) if not a.startswith("-") or a == "-"]
        if not operands:
            found.append("~")  # bare `cd` goes home
            continue
        index, target = operands[0]
        if index in command.dynamic_args or target == "-":
            found.append(_UNKNOWN)
        else:
            found.append(target if start is None or target.startswith(("/", "~")) else
                         posixpath.join(start, target))
    return tuple(dict.fromkeys(found))


def _joined(start: str | None, target: str) -> str:
    return target if start is None or target.startswith(("/", "~")) else posixpath.join(start, target)


def _env_chdir(command: SimpleCommand) -> list[tuple[str, bool]]:
    """`env -C DIR cmd` / `env --chdir=DIR cmd` runs cmd in DIR: its relative paths are relative to DIR."""
    return _chdirs(command.argv, command.dynamic_args)


def _chdirs(argv: Sequence[str], dynamic: frozenset[int], depth: int = 0) -> list[tuple[str, bool]]:
    """-C DIR / --chdir, also in a bundle (`-iC DIR`, `-iCDIR`), and inside -S strings (`-S'-C DIR cmd'`,
    `-iS'...'`): GNU env's getopt reads them all."""
    found: list[tuple[str, bool]] = []
    skip = False
    for index, arg in enumerate(argv[1:], 1):
        if skip:
            skip = False
            continue
        if arg == "--" or not arg.startswith("-") or arg == "-":
            break  # env's options end at the first operand (its getopt string starts with "+")
        following = (argv[index + 1], index + 1 in dynamic) if index + 1 < len(argv) else ("", True)
        split: str | None = None
        if arg in ("--split-string", "--chdir", "--unset"):
            skip = True  # its value is the next word
        if arg == "--split-string":
            split = following[0]
        elif arg.startswith("--split-string="):
            split = arg.partition("=")[2]
        elif arg == "--chdir":
            found.append(following)
        elif arg.startswith("--chdir="):
            found.append((arg.partition("=")[2], index in dynamic))
        elif arg.startswith("-") and not arg.startswith("--") and len(arg) > 1:
            for position, letter in enumerate(arg[1:], 2):
                rest = arg[position:]
                if letter in "CSu":  # options with a value: attached, or the next word
                    skip = not rest
                    if letter == "C":
                        found.append((rest, index in dynamic) if rest else following)
                    elif letter == "S":
                        split = rest if rest else following[0]
                    break
        if split is not None:
            # `env -S'-C DIR cmd'`: the split string's own -C moves the command too.
            parts = split_env_string(split)
            if parts is None or depth > 4:
                found.append(("", True))
            else:
                found += _chdirs(["env", *parts], frozenset(), depth + 1)
            break
    return found


class RelativeTo:
    """A PathChecker judging a relative path from each of `bases` (and from `start`, if given)."""

    def __init__(self, paths: PathChecker, bases: Sequence[str], start: str | None = None) -> None:
        self._paths = paths
        self._bases = tuple(bases)
        self._start = start

    def each(self, path: str) -> list[PathCheck]:
        """`path` read from the start and from every directory the string may have moved to (a glob is
        matched in each of them: `cd d && cat *` lists d)."""
        if path.startswith(("/", "~", "$HOME", "${HOME}")):
            return [self._paths.check_path(path, write=False)]
        first = posixpath.join(self._start, path) if self._start else path
        found = [self._paths.check_path(first, write=False)]
        for base in self._bases:
            if base == _UNKNOWN:
                reason = f"{path!r} is relative to a directory only known at run time"
                found.append(PathCheck(False, "?", reason))
            else:
                found.append(self._paths.check_path(posixpath.join(base, path), write=False))
        return found

    def check_path(self, path: str, *, write: bool) -> PathCheck:
        if path.startswith(("/", "~", "$HOME", "${HOME}")):
            return self._paths.check_path(path, write=write)
        first = posixpath.join(self._start, path) if self._start else path
        results = [self._paths.check_path(first, write=write)]
        for base in self._bases:
            if base == _UNKNOWN:
                reason = f"{path!r} is relative to a directory only known at run time (cd)"
                results.append(PathCheck(False, "?", reason))
            else:
                results.append(self._paths.check_path(posixpath.join(base, path), write=write))
        return min(results, key=_safety)


def _safety(check: PathCheck) -> int:
    """Lower is worse: a secret, then a path that cannot be followed, then outside, then inside."""
    if check.secret:
        return 0
    if check.resolved is None:
        return 1
    if not check.inside:
        return 2
    return 3
