"""A path's first look: refusals that need no file system, and the only expansions the jail honours.

Paths reach the jail from tool arguments and from shell words (arguments, redirection targets). The jail
expands what it can know for certain, `~` and `$HOME`, to the real user's home; anything whose value only
the shell would know (another user's home, other variables, command substitution) is refused, never
guessed, because a guess is a path the policy judged that is not the path that gets used.
"""

from __future__ import annotations

import os
import pwd
import re

from .refused import Refused

PATH_MAX = 4096  # bytes including the NUL: the kernel refuses longer paths with ENAMETOOLONG
NAME_MAX = 255  # bytes in one component

# `$` starts an expansion when followed by a name, `{`, `(` (command or arithmetic substitution), a special
# parameter, or a quote ($'..' and $".." are ANSI-C / locale quoting). A lone `$` is literal in sh.
_EXPANSION = re.compile(r"""\$[A-Za-z0-9_{(@*#?$!'"-]""")
_HOME_VAR = re.compile(r"\$(?:HOME|\{HOME\})(?=/|$)")

# Components that make /proc/<pid>/... or /dev/fd a door to another process's view of the file system.
_PROC_MAGIC = frozenset({"root", "cwd", "exe", "fd", "map_files", "fdinfo", "ns"})


def first_look(raw: str) -> None:
    """Refuse what no file system lookup can make safe."""
    if not raw:
        raise Refused("is empty")
    if "\0" in raw:
        # The C layer would stop at the NUL: "ok.txt\0/../../etc/passwd" is judged whole but used cut.
        raise Refused("contains a NUL byte")
    try:
        encoded = os.fsencode(raw)
    except UnicodeEncodeError as exc:
        raise Refused("cannot be encoded for the file system") from exc
    if len(encoded) >= PATH_MAX:
        raise Refused(f"is longer than PATH_MAX ({PATH_MAX} bytes)")
    if len(encoded) > NAME_MAX and any(len(part) > NAME_MAX for part in encoded.split(b"/")):
        raise Refused(f"has a component longer than NAME_MAX ({NAME_MAX} bytes)")


def expand(raw: str, home: str) -> str:
    """`~`, `~/x`, `$HOME/x`, `${HOME}/x` -> home; every other expansion is refused."""
    head, rest = "", raw
    if raw.startswith("~"):
        name, sep, tail = raw.partition("/")
        if name != "~":
            # ~user is another user's home; ~+ and ~- are the shell's $PWD and $OLDPWD.
            raise Refused(f"contains an expansion ({name!r}) the jail cannot know")
        head, rest = home, sep + tail
    elif raw.startswith("$"):
        found = _HOME_VAR.match(raw)
        if found is not None:
            head, rest = home, raw[found.end() :]
    if "`" in rest or ("$" in rest and _EXPANSION.search(rest)):
        # $VAR, ${...}, $(...), `...`: the shell decides the value at run time, after the policy judged.
        raise Refused("contains an expansion ($VAR, ${...}, $(...) or backticks) the jail cannot know")
    return head + rest if head else rest


def refuse_magic(absolute: str) -> None:
    """Refuse /proc/<pid>/{root,cwd,exe,fd,...} and /dev/fd by their spelling, before any lookup.

    These are magic links: the kernel jumps to another process's root, cwd or open file instead of
    following text, so no lexical or readlink-based check can tell where they lead.
    """
    if "proc" not in absolute and "dev" not in absolute:
        return
    parts = [p for p in absolute.split("/") if p and p != "."]
    if parts[:1] == ["dev"] and parts[1:2] in (["fd"], ["stdin"], ["stdout"], ["stderr"]):
        raise Refused("names /dev/fd, a /proc magic link to an open file")
    if parts[:1] != ["proc"] or len(parts) < 3:
        return
    if parts[2] in _PROC_MAGIC or (parts[2] == "task" and len(parts) >= 5 and parts[4] in _PROC_MAGIC):
        raise Refused("names a /proc magic link (root, cwd, exe, fd, map_files, fdinfo, ns)")


def real_home() -> str:
    """The home of the real user from the password database; $HOME only when there is no entry.

    `~` must mean the same directory to the jail and to the secret list, whatever the environment says.
    """
    try:
        return pwd.getpwuid(os.getuid()).pw_dir
    except KeyError:  # a uid with no passwd entry (some containers)
        return os.path.expanduser("~")
