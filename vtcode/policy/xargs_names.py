"""`ls | xargs CMD`, `find DIR -print0 | xargs -0 CMD`: when the words xargs appends are known to be paths
inside the working directory.

xargs adds arguments at run time, so a command it runs normally asks. Two shapes are knowable, in a string
that does not change directory:
- `ls` with no operands, straight into `xargs` with only counting options: every appended word is a name
  in the working directory — no `/`, so never a path outside it — or an option-looking name (a file called
  `--output=x`);
- `find` from relative starting points without `..`, printing with `-print0`, into `xargs -0`: every word is
  a whole path beginning with a starting point, so never an option. (Without `-print0`, a directory named
  `a --file=` splits into an option holding an absolute path: that still asks.)
The command is allowed only if its rule reads every operand as a path and has no option that writes, runs
or asks, so even an injected option can only read a file here — and it is not a program that reads inside
directory operands (`diff d other`, grep made recursive by a file named `-R`). A listed symlink is followed,
so every symlink the producer can list is judged by its target (`listed_roots`: the working directory for
`ls`, the whole tree under each starting point for `find`), and a directory holding a name that starts
with `-` asks: the name becomes an option of CMD.
"""

from __future__ import annotations

import re

from vtcode.config.command_rules import CommandRule
from vtcode.policy.shell import ParseResult

_LS_FLAGS = frozenset({"-1", "-t", "-r", "-S", "-X", "-v", "-U", "-tr", "-rt", "-1t", "-t1"})
_XARGS_WORD = re.compile(
    r"-[nLP]\d*|\d+|-r|-t|-x|-0|--null|--no-run-if-empty|--verbose|--max-(args|procs)=\d+"
)
# Every find action that writes to standard output: only the final -print0 may (`-printf '--file=/x\0'`
# would hand xargs any word at all).
_FIND_PRINTS = frozenset({"-print", "-print0", "-printf", "-ls", "-fprint", "-fprint0", "-fprintf", "-fls"})
_FIND_START = re.compile(r"(?!-)(?!.*(^|/)\.\.(/|$))[^/~$`*?\[{][^~$`*?\[{]*")


def appends_listed_names(parsed: ParseResult, index: int, moved: bool) -> bool:
    """Whether the command at `index` (run by xargs) gets only names `ls` printed here."""
    if moved or index < 2:
        return False
    command = parsed.commands[index]
    xargs, ls = parsed.commands[index - 1], parsed.commands[index - 2]
    if command.dynamic_args or not command.wrappers or command.wrappers[-1][0].rsplit("/", 1)[-1] != "xargs":
        return False
    producer = ls
    if xargs.name != "xargs" or xargs.via != (*producer.via, "piped") or "pipeline" not in producer.via:
        return False
    if producer.argv[0] not in ("ls", "find") or producer.dynamic_args or producer.redirects:
        return False
    if producer.assignments or xargs.assignments:
        return False
    words = command.wrappers[-1][1:]
    if not all(_XARGS_WORD.fullmatch(word) for word in words):
        return False
    if producer.argv[0] == "ls":
        return all(arg in _LS_FLAGS for arg in producer.argv[1:])
    return _whole_paths_from_find(producer.argv[1:], nul_separated="-0" in words or "--null" in words)


def listed_roots(parsed: ParseResult, index: int) -> tuple[tuple[str, ...], bool, bool]:
    """The directories whose entries the producer of command `index` lists, whether it recurses into
    them (`find`) or lists one level (`ls`), and whether it goes through links to directories (`find
    -L`/`-follow`). Only meaningful when appends_listed_names() is True."""
    producer = parsed.commands[index - 2]
    if producer.argv[0] == "ls":
        return (".",), False, False
    starts = []
    for arg in producer.argv[1:]:
        if arg.startswith("-") or arg in ("(", "!", ")"):
            break
        starts.append(arg)
    return tuple(starts), True, any(arg in ("-L", "-follow") for arg in producer.argv[1:])


def _whole_paths_from_find(args: tuple[str, ...], *, nul_separated: bool) -> bool:
    """`find` from relative starting points (no `..`), ending with `-print0`, read by `xargs -0`."""
    starts = []
    for arg in args:
        if arg.startswith("-") or arg in ("(", "!", ")"):
            break
        starts.append(arg)
    printing = [arg for arg in args if arg in _FIND_PRINTS]
    return nul_separated and bool(starts) and args[-1] == "-print0" and printing == ["-print0"] and all(
        _FIND_START.fullmatch(start) for start in starts
    )


def reads_only(rule: CommandRule | None) -> bool:
    """A rule under which any appended word, operand or option, can at most read a file."""
    if rule is None or rule.decision != "allow" or rule.subcommands is not None or rule.interpreter:
        return False
    # (Options that ask — `wc --files0-from` — cannot be injected: a listed name starting with `-` asks.)
    if rule.rest != "read_path" or rule.last is not None or rule.forbidden_flags:
        return False
    return all(kind != "write_path" for kind in (rule.flags or {}).values())
