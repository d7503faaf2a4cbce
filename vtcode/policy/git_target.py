"""Which repository a git command works on. A read-only git command is only read-only against the
workspace's own repository: pointed at another one (`git -C DIR`, `cd DIR && git log`, a tool `cwd`), git
reads that repository's config, and a committed bare repository's config can name `core.pager`,
`diff.external` or `core.fsmonitor`, which git then runs. (`--git-dir`, `--work-tree`, `GIT_DIR=` and the
variables that move git's config lookup are refused by the rule and the environment checks.)"""

from __future__ import annotations

import os
import posixpath
from collections.abc import Sequence

from vtcode_hookspecs import RuleId

from vtcode.policy.shell import SimpleCommand

from .git_config_code import worktree_code
from .git_index import foreign_submodules
from .outcome import Outcome
from .paths import PathChecker

UNKNOWN_DIR = "\0unknown"  # (cwd.py's marker for a directory only known at run time)
# What makes git take a directory for a repository on its way up: a `.git` (directory or `gitdir:` file)
# or the files of a bare repository.
_MARKERS = (".git", "HEAD")


def git_location_outcome(
    command: SimpleCommand, paths: PathChecker, start: str | None, bases: Sequence[str], label: RuleId,
    root: str | None = None,
) -> Outcome | None:
    """A prompt when git may run in, or be pointed at, a repository other than the workspace's own."""
    here = [start or ".", *bases]  # (bases: cwd.directories(), already joined to the start)
    for value, dynamic in _chdirs(command):
        if dynamic:
            return Outcome.prompt(f"git -C {value!r} names a directory only known at run time", label)
        here = [d if d == UNKNOWN_DIR else posixpath.join(d, value) for d in here]
    for directory in dict.fromkeys(here):
        if directory == UNKNOWN_DIR:
            return Outcome.prompt("git runs in a directory only known at run time (cd)", label)
        foreign = _foreign_repository(directory, paths)
        if foreign is not None:
            return Outcome.prompt(f"git would work on {foreign}, not the workspace's own repository", label)
    if root is None:  # (the policy passes the workspace root it knows; resolving it costs a jail walk)
        root = paths.check_path(".", write=False).resolved
    if root is not None:
        home = getattr(paths, "home", None)
        code = worktree_code(root, str(home) if home is not None else os.path.expanduser("~"))
        if code is not None:
            return Outcome.prompt(f"git would run a file of the work tree: {code}", label)
    if _subcommand(command) in _ENTERS_SUBMODULES:
        nested = foreign_submodules(root) if root is not None else ["?"]
        if nested:
            where = "an unreadable index" if nested == ["?"] else repr(nested[0])
            return Outcome.prompt(
                f"git would enter the submodule at {where}, a repository of the workspace's content whose "
                "configuration can run programs", label)
    return None


# Subcommands that run git inside populated submodules (status, diff/show/log --submodule=diff, grep and
# ls-files --recurse-submodules, describe --dirty, stash).
_ENTERS_SUBMODULES = frozenset({"status", "diff", "show", "log", "grep", "ls-files", "describe", "stash"})
_VALUED = frozenset({"-C", "-c", "--git-dir", "--work-tree", "--namespace", "--exec-path", "--config-env"})


def _subcommand(command: SimpleCommand) -> str | None:
    argv = command.argv
    index = 1
    while index < len(argv) and argv[index].startswith("-"):
        index += 2 if argv[index] in _VALUED else 1
    return argv[index] if index < len(argv) else None


def _chdirs(command: SimpleCommand) -> list[tuple[str, bool]]:
    """The `-C DIR` options before git's subcommand, in order (they accumulate: `-C a -C b` is a/b)."""
    found = []
    argv = command.argv
    index = 1
    while index < len(argv) and argv[index].startswith("-"):
        arg = argv[index]
        if arg == "-C" and index + 1 < len(argv):
            found.append((argv[index + 1], index + 1 in command.dynamic_args))
            index += 2
            continue
        if arg.startswith("-C") and len(arg) > 2:
            found.append((arg[2:], index in command.dynamic_args))
        elif arg in ("-c", "--git-dir", "--work-tree", "--namespace", "--exec-path", "--config-env"):
            index += 1  # (these are refused by the rule; only their value is skipped here)
        index += 1
    return found


def _pointed(marker: str, root: str) -> str | None:
    """Where a `.git` file (`gitdir: X`) or symlink leads; None for a `.git` directory."""
    if os.path.islink(marker):
        return os.path.realpath(marker)
    if not os.path.isfile(marker):
        return None
    try:
        with open(marker, encoding="utf-8", errors="replace") as handle:
            text = handle.read(4096).strip()
    except OSError:
        return None
    if not text.startswith("gitdir:"):
        return None
    try:
        return os.path.realpath(os.path.join(root, text[len("gitdir:") :].strip()))
    except ValueError:  # a NUL in the pointer: not a path git could follow either; judged as content
        return root


def _foreign_repository(directory: str, paths: PathChecker) -> str | None:
    """The first directory from `directory` up to (not including) the workspace root that git would take
    for a repository; also a directory outside the workspace."""
    check = paths.check_path(directory, write=False)
    if not check.inside or check.resolved is None:
        return f"{directory!r} ({check.reason})"
    current = check.resolved
    while True:
        parent = os.path.dirname(current)
        if parent == current or not paths.check_path(parent, write=False).inside:
            # `current` is the workspace root: its `.git` is the workspace's own repository. Without one, a
            # root holding HEAD (a bare repository's files: an unpacked archive) would be taken by git for
            # the repository, with the `config` next to it.
            marker = os.path.join(current, ".git")
            if not os.path.lexists(marker):
                if os.path.lexists(os.path.join(current, "HEAD")):
                    return f"the bare repository files at the workspace root {current!r}"
                return None
            # A `.git` pointer (a `gitdir:` file or a symlink) is the user's when it leads out of the
            # workspace (a worktree's, a submodule's); leading into the workspace, it names content.
            target = _pointed(marker, current)
            if target is not None and paths.check_path(target, write=False).inside:
                return f"the repository {target!r} that the workspace root's .git points to"
            return None
        if any(os.path.lexists(os.path.join(current, marker)) for marker in _MARKERS):
            return f"the repository at {current!r}"
        current = parent
