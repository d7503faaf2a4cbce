"""Reads that follow symlinks while they recurse: `grep -R x .`, `diff -r a b` (and `diff d1 d2`), `rg -L x`,
`cp -rL`, `tar -h`, `zip -r`. A workspace symlink to /etc/shadow is read by them although no operand names
it, so every symlink under the directories they walk is judged by its target, like an operand. The walk is
bounded; past the bound the command is asked about, not allowed."""

from __future__ import annotations

import os
from collections.abc import Sequence

from vtcode_hookspecs import RuleId

from .arg_types import check_path, is_process_substitution
from .outcome import Outcome
from .paths import PathChecker

MAX_WALKED = 20_000  # entries looked at per decision before giving up (and asking)
_SKIPPED = frozenset({".git"})  # git's own directory: read by git only, never by these programs
LINK_FOLLOWERS = frozenset({"grep", "egrep", "fgrep", "rg", "diff", "cp", "tar", "zip"})
# Programs that read the files inside a directory operand without being told to recurse (`diff d other`).
DIRECTORY_READERS = frozenset({"diff"})


def _short(args: Sequence[str], letters: str) -> bool:
    return any(a.startswith("-") and not a.startswith("--") and any(c in a[1:] for c in letters)
               for a in args)


def follows_links(name: str, args: Sequence[str]) -> bool:
    """Whether `name args` reads through the symlinks it meets while recursing."""
    if name in ("grep", "egrep", "fgrep"):
        return _short(args, "R") or "--dereference-recursive" in args
    if name == "rg":
        return _short(args, "L") or "--follow" in args
    if name == "diff":
        # Even without -r, diff compares the files of directory operands (`diff d other`, `diff f d` reads
        # d/f) through their links; with -r it goes deeper. The walk only looks at directory operands.
        return "--no-dereference" not in args
    if name == "cp":
        recursive = _short(args, "rRa") or "--recursive" in args
        return recursive and (_short(args, "L") or "--dereference" in args)
    if name == "tar":  # (`tar czhf`: the first word's letters are options without a dash)
        bundled = bool(args) and not args[0].startswith("-") and "h" in args[0]
        return "--dereference" in args or _short(args, "h") or bundled
    if name == "zip":
        recursive = _short(args, "r") or "--recurse-paths" in args
        return recursive and not (_short(args, "y") or "--symlinks" in args)
    return False


def walked_link_outcomes(
    name: str, args: Sequence[tuple[str, bool]], paths: PathChecker, label: RuleId
) -> list[Outcome]:
    """Outcomes for the symlinks under the directory operands of a link-following recursive read."""
    values = [a for a, _ in args]
    if not follows_links(name, values):
        return []
    # (`diff <(sort a) <(sort b)`: a process substitution is a pipe, not a directory.)
    args = [(a, dynamic) for a, dynamic in args if not (dynamic and is_process_substitution(a))]
    if any(dynamic for _, dynamic in args):
        return [Outcome.prompt(f"`{name}` follows symlinks under directories known only at run time", label)]
    operands = [a for a in values if not a.startswith("-")]
    roots = []
    for operand in operands:
        where = paths.check_path(operand, write=False)
        if where.inside and where.resolved is not None and os.path.isdir(where.resolved):
            roots.append((operand, where.resolved))
    if len(operands) <= 1 and name in ("grep", "egrep", "fgrep", "rg"):  # only a pattern: the cwd
        where = paths.check_path(".", write=False)
        if where.inside and where.resolved is not None:
            roots.append((".", where.resolved))
    return tree_link_outcomes(name, roots, paths, label)


def tree_link_outcomes(
    name: str, roots: Sequence[tuple[str, str]], paths: PathChecker, label: RuleId, *, to_dirs: bool = True
) -> list[Outcome]:
    """Every symlink under `roots` ((as written, resolved) directory pairs), judged by its target
    (`to_dirs=False`: links to directories are left out — a program handed one does not read through it)."""
    found: list[Outcome] = []
    budget = MAX_WALKED
    for operand, resolved in roots:
        for directory, dirs, files in os.walk(resolved):
            dirs[:] = [d for d in dirs if d not in _SKIPPED]
            budget -= len(dirs) + len(files)
            if budget < 0:
                reason = f"`{name}` follows symlinks under more than {MAX_WALKED} entries"
                return [Outcome.prompt(reason, label)]
            for entry in (*dirs, *files):
                full = os.path.join(directory, entry)
                if not os.path.islink(full) or (not to_dirs and os.path.isdir(full)):
                    continue
                relative = os.path.join(operand, os.path.relpath(full, resolved))
                outcome = check_path(relative, False, paths, label.at("link"), write=False)
                if outcome is not None:
                    found.append(outcome)
    return found


def listed_link_outcomes(
    name: str, roots: Sequence[str], recursive: bool, paths: PathChecker, label: RuleId, follow: bool = True
) -> list[Outcome]:
    """`ls | xargs CMD` / `find DIR -print0 | xargs -0 CMD`: CMD reads whatever the producer lists, links
    included (and a listed name starting with `-` is an option of CMD). Judges the links the producer can
    list — one level for `ls`, the whole tree for `find` — and asks for option-like names."""
    found: list[Outcome] = []
    resolved_roots = []
    for root in roots:
        where = paths.check_path(root, write=False)
        if not where.inside or where.resolved is None or not os.path.isdir(where.resolved):
            reason = f"`{name}` reads what is listed under {root!r}, not known here"
            found.append(Outcome.prompt(reason, label))
            continue
        resolved_roots.append((root, where.resolved))
        try:
            with os.scandir(where.resolved) as entries:
                for count, entry in enumerate(entries):
                    if count >= MAX_WALKED:
                        found.append(Outcome.prompt(f"too many entries under {root!r} to check", label))
                        break
                    if entry.name.startswith("-"):
                        found.append(Outcome.prompt(
                            f"{entry.name!r} under {root!r} would be an option of `{name}`", label))
                    elif not recursive and entry.is_symlink() and not entry.is_dir():
                        outcome = check_path(os.path.join(root, entry.name), False, paths, label.at("link"),
                                             write=False)
                        if outcome is not None:
                            found.append(outcome)
        except OSError:
            found.append(Outcome.prompt(f"cannot list {root!r}", label))
    if recursive:
        # find lists a link to a directory but does not go through it (without -L, which asks as
        # an unknown flag of the shape); CMD handed a directory reads nothing in it.
        found += tree_link_outcomes(name, resolved_roots, paths, label, to_dirs=follow)
    return found
