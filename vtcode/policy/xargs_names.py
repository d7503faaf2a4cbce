"""`ls | xargs CMD`: when the words xargs appends can only be names `ls` prints for the working directory.

xargs adds arguments at run time, so a command it runs normally asks. One shape is knowable: `ls` with no
operands, piped straight into `xargs` with only counting options, in a string that does not change
directory. Every appended word is then a name in the working directory — no `/`, so never a path
outside it — or an option-looking name (a file called `--output=x`). The command is allowed only if
its rule reads every operand as a path and has no option that writes, runs or asks, so even an injected
option can only read a file here. (A symlink listed by `ls` is followed as a glob's match would be.)
"""

from __future__ import annotations

import re

from vtcode.config.command_rules import CommandRule
from vtcode.policy.shell import ParseResult

_LS_FLAGS = frozenset({"-1", "-t", "-r", "-S", "-X", "-v", "-U", "-tr", "-rt", "-1t", "-t1"})
_XARGS_WORD = re.compile(r"-[nLP]\d*|\d+|-r|-t|-x|--no-run-if-empty|--verbose|--max-(args|procs)=\d+")


def appends_listed_names(parsed: ParseResult, index: int, moved: bool) -> bool:
    """Whether the command at `index` (run by xargs) gets only names `ls` printed here."""
    if moved or index < 2:
        return False
    command = parsed.commands[index]
    xargs, ls = parsed.commands[index - 1], parsed.commands[index - 2]
    if command.dynamic_args or not command.wrappers or command.wrappers[-1][0].rsplit("/", 1)[-1] != "xargs":
        return False
    if xargs.name != "xargs" or ls.name != "ls" or ls.via != xargs.via or "pipeline" not in ls.via:
        return False
    if ls.argv[0] != "ls" or ls.dynamic_args or ls.redirects or ls.assignments or xargs.assignments:
        return False
    if any(arg not in _LS_FLAGS for arg in ls.argv[1:]):
        return False
    return all(_XARGS_WORD.fullmatch(word) for word in command.wrappers[-1][1:])


def reads_only(rule: CommandRule | None) -> bool:
    """A rule under which any appended word, operand or option, can at most read a file."""
    if rule is None or rule.decision != "allow" or rule.subcommands is not None or rule.interpreter:
        return False
    if rule.rest != "read_path" or rule.last is not None or rule.forbidden_flags or rule.prompt_flags:
        return False
    return all(kind != "write_path" for kind in (rule.flags or {}).values())
