"""The workspace's file list, as the indexer and file search see it: .gitignore respected, symlinks judged.

Every directory is opened relative to its parent's fd with O_NOFOLLOW, so a directory swapped for a symlink
mid-walk fails to open instead of leading the walk out of the root; directory symlinks are never entered at
all (no loops, no escapes, no duplicates, as ripgrep does by default). A file symlink is listed only when the
jail resolves it inside the root. Whatever is left out and why is counted, never raised: a walk over a hostile
tree always finishes.
"""

from __future__ import annotations

import errno
import os
import stat
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

from .ignore import IgnoreRules
from .jail import Jail

MAX_DEPTH = 64
_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
ALWAYS_SKIPPED = frozenset({".git", ".hg", ".svn"})  # version-control internals: never project files


@dataclass(frozen=True, slots=True)
class ListedFile:
    path: str  # relative to the root, '/'-separated
    size: int
    mtime_ns: int


@dataclass(slots=True)
class Listing:
    files: list[ListedFile] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)  # reason -> count


def list_workspace(jail: Jail, *, hidden: bool = False, gitignore: bool = True) -> Listing:
    """Every file under the jail's root that a user would call part of the project, sorted by path."""
    listing = Listing()
    try:
        fd = os.open(jail.root, _DIR_FLAGS)
    except OSError as exc:
        listing.skipped[_os_reason(exc)] += 1
        return listing
    try:
        _walk(jail, fd, "", IgnoreRules(), 0, hidden, gitignore, listing)
    finally:
        os.close(fd)
    listing.files.sort(key=lambda f: f.path)
    return listing


def _walk(jail: Jail, fd: int, rel_dir: str, rules: IgnoreRules, depth: int, hidden: bool, gitignore: bool,
          out: Listing) -> None:
    if gitignore:
        rules = rules.entering(fd, rel_dir)
    prefix = f"{rel_dir}/" if rel_dir else ""
    try:
        entries = sorted(_entries(fd), key=lambda e: e.name)
    except OSError as exc:
        out.skipped[_os_reason(exc)] += 1
        return
    for entry in entries:
        name = entry.name
        if name in ALWAYS_SKIPPED:
            continue
        rel = prefix + name
        if not hidden and name.startswith("."):
            out.skipped["hidden"] += 1
            continue
        try:
            info = entry.stat(follow_symlinks=False)
        except OSError as exc:
            out.skipped[_os_reason(exc)] += 1
            continue
        is_dir = stat.S_ISDIR(info.st_mode)
        if gitignore and rules.layers and rules.ignored(rel, is_dir):
            out.skipped["gitignored"] += 1
        elif is_dir:
            _enter(jail, fd, name, rel, rules, depth + 1, hidden, gitignore, out)
        elif stat.S_ISREG(info.st_mode):
            _add_file(jail, rel, info, out)
        elif stat.S_ISLNK(info.st_mode):
            _add_link(jail, rel, out)
        else:
            out.skipped["special file"] += 1  # FIFOs, sockets, devices: reading them blocks or worse


def _entries(fd: int) -> Iterator[os.DirEntry[str]]:
    # scandir consumes the fd it is given: hand it a duplicate so the caller's stays open for openat.
    with os.scandir(os.dup(fd)) as it:
        yield from it


def _enter(jail: Jail, parent_fd: int, name: str, rel: str, rules: IgnoreRules, depth: int, hidden: bool,
           gitignore: bool, out: Listing) -> None:
    if depth > MAX_DEPTH:
        out.skipped["too deep"] += 1
        return
    try:
        fd = os.open(name, _DIR_FLAGS, dir_fd=parent_fd)
    except OSError as exc:
        out.skipped[_os_reason(exc)] += 1
        return
    try:
        _walk(jail, fd, rel, rules, depth, hidden, gitignore, out)
    finally:
        os.close(fd)


def _add_file(jail: Jail, rel: str, info: os.stat_result, out: Listing) -> None:
    if jail.is_secret(f"{jail.root}/{rel}") is not None:
        out.skipped["secret"] += 1
        return
    out.files.append(ListedFile(rel, info.st_size, info.st_mtime_ns))


def _add_link(jail: Jail, rel: str, out: Listing) -> None:
    verdict = jail.check(rel)
    if not verdict.allowed:
        reason = "secret" if verdict.secret else "broken symlink" if verdict.resolved is None else \
            "symlink outside workspace"
        out.skipped[reason] += 1
        return
    try:
        target = os.stat(verdict.resolved or "", follow_symlinks=False)
    except OSError:
        out.skipped["broken symlink"] += 1
        return
    if stat.S_ISDIR(target.st_mode):
        out.skipped["symlinked directory"] += 1  # its target is listed where it lives, if inside
    elif stat.S_ISREG(target.st_mode):
        out.files.append(ListedFile(rel, target.st_size, target.st_mtime_ns))
    else:
        out.skipped["special file"] += 1


def _os_reason(exc: OSError) -> str:
    if isinstance(exc, PermissionError):
        return "permission denied"
    if isinstance(exc, FileNotFoundError):
        return "vanished"
    if exc.errno == errno.ELOOP:  # ELOOP: a directory swapped for a symlink after we listed it
        return "symlink swapped in"
    return "unreadable"
