"""Variables whose value is known before the command runs: `rm -rf $HOME` is judged as `rm -rf ~` is.

The runner fixes them: HOME, USER, LOGNAME and TMPDIR are the caller's (a sandbox may point HOME and TMPDIR
at a fresh temporary directory instead, which is outside the workspace too, so judging the caller's values
is never more lenient), and PWD is where the command starts unless the string changes directory. A
variable the string assigns itself is not expanded. Only `$NAME` and `${NAME}` of these names are
replaced; a word with any other expansion stays unknown.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Mapping

from vtcode.policy.shell import Redirect, SimpleCommand

_REFERENCE = re.compile(r"\$(?:\{(\w+)\}|(\w+))")
_STILL_DYNAMIC = re.compile(r"[*?\[{~]")  # a glob or tilde left after expansion keeps the word a pattern
_SPLITS = re.compile(r"[\s*?\[]")  # a value that word splitting or globbing would change
FIXED_NAMES = ("HOME", "USER", "LOGNAME", "TMPDIR")


def fixed_values(environ: Mapping[str, str] | None = None, *, home: str | None = None) -> dict[str, str]:
    """The values of the names the runner passes through unchanged, from this process's environment;
    `home`: the directory the jail takes `~` for, so that `$HOME` and `~` are judged alike."""
    env = dict(os.environ if environ is None else environ)
    if home:
        env["HOME"] = home
    return {name: env[name] for name in FIXED_NAMES if env.get(name) and not _SPLITS.search(env[name])}


def expand(value: str, known: Mapping[str, str]) -> str | None:
    """`value` with every `$NAME`/`${NAME}` replaced, or None when some expansion is not a known one."""
    if "`" in value:
        return None
    missing = False

    def substitute(match: re.Match[str]) -> str:
        nonlocal missing
        name = match.group(1) or match.group(2)
        if name not in known:
            missing = True
            return ""
        return known[name]

    out = _REFERENCE.sub(substitute, value)
    if missing or "$" in out:
        return None
    return out


def expand_command(command: SimpleCommand, known: Mapping[str, str]) -> SimpleCommand:
    """`command` with its dynamic arguments and redirect targets expanded where every expansion is known."""
    argv = list(command.argv)
    dynamic = set(command.dynamic_args)
    for index in sorted(command.dynamic_args):
        if index == 0 or "$" not in argv[index]:
            continue
        value = expand(argv[index], known)
        if value is not None:
            argv[index] = value
            if not _STILL_DYNAMIC.search(value):
                dynamic.discard(index)
    redirects = tuple(expand_redirect(r, known) for r in command.redirects)
    if argv == list(command.argv) and redirects == command.redirects:
        return command
    return dataclasses.replace(
        command, argv=tuple(argv), dynamic_args=frozenset(dynamic), redirects=redirects
    )


def expand_redirect(redirect: Redirect, known: Mapping[str, str]) -> Redirect:
    if not redirect.dynamic or "$" not in redirect.target:
        return redirect
    value = expand(redirect.target, known)
    if value is None:
        return redirect
    return dataclasses.replace(redirect, target=value, dynamic=bool(_STILL_DYNAMIC.search(value)))
