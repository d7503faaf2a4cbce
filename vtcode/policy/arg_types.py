"""Checks for typed argument values: paths through the jail, integers, and a few tool-specific languages
whose innocent-looking arguments can write files or run programs (sed scripts, git refspecs, dd operands)."""

from __future__ import annotations

import fnmatch
import glob
import os
import re
from collections.abc import Callable

from vtcode_hookspecs import RuleId

from vtcode.policy.shell.environment import dangerous_variable

from .outcome import Outcome
from .paths import PathChecker, each_place

ValueCheck = Callable[[str, bool, PathChecker, RuleId], Outcome | None]

# sed commands and flags that write files (w, W) or run a shell command (e, and s///e).
_SED_DANGER = re.compile(r"(^|[;\n}]|\d|\$|/)\s*[ewWrR]\b|s(.).*?\2.*?\2[gpIiMm0-9]*[ew]")
_SED_SAFE = re.compile(
    r"^\s*((\d+|\$|/[^/\\]*/)(\s*,\s*(\d+|\$|/[^/\\]*/))?\s*)?(!\s*)?"
    r"([pdqQ=lnN]|s/([^/\\]|\\.)*/([^/\\]|\\.)*/[gpiI0-9]*)\s*$"
)


GLOB_MEMBER = "__vtcode_glob_member__"
_EXPANSION = re.compile(r"\$|`|[<>]\(")
_GLOB = re.compile(r"[*?\[{]")
_INT = re.compile(r"[+-]?\d+")



def is_process_substitution(value: str) -> bool:
    """Whether the word is exactly one `<(...)` or `>(...)` (its parenthesis closes at the last character):
    bash replaces it with /dev/fd/N, a pipe."""
    if not value.startswith(("<(", ">(")) or not value.endswith(")"):
        return False
    depth = 0
    for index, char in enumerate(value[1:], 1):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth == 0:
            return index == len(value) - 1
    return False
_SED_COMMANDS = re.compile(r";|\n")


def static_prefix(value: str) -> str | None:
    """The directory a glob stays under (`/etc/*` -> `/etc/`, `~/*` -> `~/`, `*.py` -> `.`), or None when the
    value holds an expansion ($VAR, $(...)) whose result cannot be known before it runs."""
    if _EXPANSION.search(value):
        return None
    found = _GLOB.search(value)
    if found is None:
        return value
    head = value[: found.start()]
    return head[: head.rfind("/") + 1] or "."


def check_path(value: str, dynamic: bool, paths: PathChecker, rule: RuleId, *, write: bool) -> Outcome | None:
    if dynamic and is_process_substitution(value):
        # `diff <(sort a) <(sort b)`: the word is a pipe (/dev/fd/N); the commands behind it are judged on
        # their own, like any other command of the string.
        return None
    if dynamic:
        prefix = static_prefix(value)
        if prefix is None:
            return Outcome.prompt(f"path {value!r} is only known at run time", rule)
        # A glob's matches all lie under its static prefix: `rm -rf /*` writes under `/`. Judge a member of
        # that directory, not the directory itself (`rm *.o` writes files in the root, not the root).
        if prefix != value:
            linked = outward_links(value, prefix, paths, rule)
            if linked is not None:
                return linked
            value = prefix.rstrip("/") + "/" + GLOB_MEMBER if prefix.rstrip("/") else "/" + GLOB_MEMBER
    result = paths.check_path(value, write=write)
    if result.secret:
        return Outcome.deny(f"{value!r} is a secret ({result.reason})", rule)
    if result.inside:
        return Outcome.prompt(f"writes {value!r}", rule) if write else None
    if write or result.resolved is None:  # a path that cannot even be followed (/proc magic, NUL) is refused
        return Outcome.deny(f"writes {value!r}: {result.reason}", rule)
    return Outcome.prompt(f"reads {value!r}: {result.reason}", rule)


# Entries of one directory looked at for symlinks a glob may match; a larger directory is not listed.
MAX_LISTED = 4096


def outward_links(pattern: str, prefix: str, paths: PathChecker, rule: RuleId) -> Outcome | None:
    """A glob matches what is on disk, symlinks included: `cat *` in a directory holding `l -> /etc/shadow`
    reads /etc/shadow. The symlinks in the glob's directory that its first wildcard component matches are
    judged by their targets: links to files, and links to directories when the pattern goes on through
    them (`cat */x`). (A read: a write through a glob is judged at the directory already.)"""
    directory = prefix if prefix.endswith("/") else ""
    for where in each_place(paths, directory or "."):  # after `cd d`, `cat *` lists d
        if not where.inside or where.resolved is None:
            continue  # judged as a read of the directory itself
        found = _links_in(pattern, directory, where.resolved, paths, rule)
        if found is not None:
            return found
    return None


def _links_in(
    pattern: str, directory: str, resolved: str, paths: PathChecker, rule: RuleId
) -> Outcome | None:
    component, deeper, _ = pattern[len(directory):].partition("/")
    found: list[Outcome] = []
    try:
        with os.scandir(resolved) as entries:
            for count, entry in enumerate(entries):
                if count >= MAX_LISTED:
                    return Outcome.prompt(f"{pattern!r}: too many entries to check for symlinks", rule)
                if not directory and entry.name[:1] == "-" and fnmatch.fnmatchcase(entry.name, component):
                    # `sort *` with a file named `--output=vtcode.toml`: bash hands the name over as an
                    # option, which the rule never sees.
                    found.append(Outcome.prompt(
                        f"{pattern!r} matches {entry.name!r}, which the program would take for an option",
                        rule))
                    continue
                if not entry.is_symlink() or not fnmatch.fnmatchcase(entry.name, component):
                    continue
                if not deeper and entry.is_dir():
                    continue  # `cat *` does not read a directory's files; `cat */x` goes through the link
                target = paths.check_path(directory + entry.name, write=False)
                if target.secret:
                    return Outcome.deny(f"{pattern!r} matches {entry.name!r}, a link to a secret", rule)
                if not target.inside:
                    reason = f"{pattern!r} matches {entry.name!r}, a link out of the workspace"
                    reason += f" ({target.reason})"
                    found.append(Outcome.prompt(reason, rule))
    except OSError:
        return None
    if deeper and not found:
        found += _deeper_links(pattern[len(directory):], directory, resolved, paths, rule)
    return found[0] if found else None


def _deeper_links(
    relative: str, directory: str, resolved: str, paths: PathChecker, rule: RuleId
) -> list[Outcome]:
    """`cat */l`, `cat [d]/l`: a component after the first wildcard can be a link too; match the pattern
    against the disk as bash does and judge each match that goes through a link by where it resolves."""
    found: list[Outcome] = []
    try:
        matches = glob.iglob(relative, root_dir=resolved)
        for count, match in enumerate(matches):
            if count >= MAX_LISTED:
                return [Outcome.prompt(f"{relative!r}: too many matches to check for symlinks", rule)]
            full = os.path.join(resolved, match)
            if os.path.realpath(full) == os.path.normpath(full):
                continue  # no link on the way: a plain file or directory under the workspace
            target = paths.check_path(directory + match, write=False)
            if target.secret:
                return [Outcome.deny(f"{relative!r} matches {match!r}, a link to a secret", rule)]
            if not target.inside:
                found.append(Outcome.prompt(
                    f"{relative!r} matches {match!r}, a link out of the workspace ({target.reason})", rule))
    except OSError:
        return []
    return found


def check_read_path(value: str, dynamic: bool, paths: PathChecker, rule: RuleId) -> Outcome | None:
    return check_path(value, dynamic, paths, rule, write=False)


def check_write_path(value: str, dynamic: bool, paths: PathChecker, rule: RuleId) -> Outcome | None:
    return check_path(value, dynamic, paths, rule, write=True)


def check_int(value: str, dynamic: bool, paths: PathChecker, rule: RuleId) -> Outcome | None:
    if dynamic or not _INT.fullmatch(value):
        return Outcome.prompt(f"expected an integer, got {value!r}", rule)
    return None


def check_sed_script(value: str, dynamic: bool, paths: PathChecker, rule: RuleId) -> Outcome | None:
    if dynamic:
        return Outcome.prompt("sed script is only known at run time", rule)
    parts = [p for p in _SED_COMMANDS.split(value) if p.strip()]
    if parts and all(_SED_SAFE.match(p) for p in parts):
        return None
    if _SED_DANGER.search(value):
        return Outcome.deny("sed script writes files or runs commands (w, W, e, r or s///e, s///w)", rule)
    return Outcome.prompt("sed script beyond print/delete/substitute", rule)


def check_git_refspec(value: str, dynamic: bool, paths: PathChecker, rule: RuleId) -> Outcome | None:
    if value.startswith("+"):
        return Outcome.deny(f"refspec {value!r} forces the update (same as --force)", rule)
    if value.startswith(":") and value != ":":
        return Outcome.deny(f"refspec {value!r} deletes a remote ref", rule)
    return None


def check_dd_operand(value: str, dynamic: bool, paths: PathChecker, rule: RuleId) -> Outcome | None:
    key, sep, operand = value.partition("=")
    if not sep:
        return Outcome.prompt(f"dd operand {value!r} is not KEY=VALUE", rule)
    if key == "of":
        return check_path(operand, dynamic, paths, rule, write=True)
    if key == "if":
        return check_path(operand, dynamic, paths, rule, write=False)
    return None


def check_assignment(value: str, dynamic: bool, paths: PathChecker, rule: RuleId) -> Outcome | None:
    """`export NAME=VALUE` and its kin: the name is judged as a prefix assignment's would be."""
    name, sep, _ = value.partition("=")
    if "$" in name or "`" in name or (dynamic and not sep):
        return Outcome.prompt(f"assigns a variable named only at run time ({value!r})", rule)
    if sep and dangerous_variable(name):
        return Outcome.deny(
            f"sets {name} for the commands after it, which makes programs load or run code not visible here",
            rule.at(f"env:{name}"),
        )
    return None


def check_date_operand(value: str, dynamic: bool, paths: PathChecker, rule: RuleId) -> Outcome | None:
    """`date +%F` formats; any other operand (`date 010100002030`) sets the system clock."""
    if value.startswith("+"):
        return None
    return Outcome.prompt(f"date {value!r} sets the system clock", rule)


# jq's module system reads files wherever the filter says: `import "x" as $d {search: "/etc"}` reads
# /etc/x.json, `include "m" {search: "../.."}` a .jq module; bare `import`/`include` search ~/.jq and the
# -L directories. Any filter using them reads files the policy does not see.
_JQ_FILES = re.compile(r"\b(import|include|modulemeta|get_search_list)\b")


def check_jq_filter(value: str, dynamic: bool, paths: PathChecker, rule: RuleId) -> Outcome | None:
    """A jq filter is a program: one that imports modules or data files reads files it names itself."""
    if dynamic:
        return Outcome.prompt("jq filter is only known at run time", rule)
    if _JQ_FILES.search(value):
        return Outcome.prompt("jq filter imports modules or data files, which it may read from anywhere",
                              rule)
    return None


def check_jq_operand(value: str, dynamic: bool, paths: PathChecker, rule: RuleId) -> Outcome | None:
    """A jq operand after the filter is a file, unless options with two values (`--arg NAME VALUE`) shifted
    the filter there: it is judged both ways."""
    return check_jq_filter(value, dynamic, paths, rule) or check_read_path(value, dynamic, paths, rule)


_CHECKS: dict[str, ValueCheck] = {
    "read_path": check_read_path,
    "write_path": check_write_path,
    "int": check_int,
    "sed_script": check_sed_script,
    "git_refspec": check_git_refspec,
    "dd_operand": check_dd_operand,
    "assignment": check_assignment,
    "date_operand": check_date_operand,
    "jq_filter": check_jq_filter,
    "jq_operand": check_jq_operand,
}


def value_check(kind: str) -> ValueCheck | None:
    return _CHECKS.get(kind)
