"""Detect-and-restore for protected paths the kernel did not guard (no mount namespace, or a path that
did not exist yet): snapshot before the command, compare after, put back what changed.

Runs only after every process of the command was killed, so nothing races the restore. Restoring must
not be steered outside the workspace: an ancestor the command replaced by a symlink is removed and made
a real directory again before anything is written through it.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field

from .errors import SandboxDenied
from .gitcontain import force_remove

MAX_SNAPSHOT_BYTES = 8 * 1024 * 1024
_REPLACED_ANCESTOR = "an ancestor of a protected path was replaced; made a directory"


@dataclass
class Entry:
    kind: str  # missing, file, dir, symlink, other
    data: bytes = b""
    mode: int = 0
    target: str = ""
    children: dict[str, Entry] = field(default_factory=dict)
    # Put back too: a restored file must look untouched (its times are part of what the user sees).
    times_ns: tuple[int, int] = field(default=(0, 0), compare=False)
    mtime_ns: int = 0  # compared (a rewrite with the same bytes still changes it); atime is not


def _take(path: str, budget: list[int], depth: int = 0) -> Entry:
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return Entry("missing")
    except NotADirectoryError:
        return Entry("missing")
    mode = stat.S_IMODE(info.st_mode)
    times = (info.st_atime_ns, info.st_mtime_ns)
    if stat.S_ISLNK(info.st_mode):
        return Entry("symlink", mode=mode, target=os.readlink(path), times_ns=times,
                     mtime_ns=info.st_mtime_ns)
    if stat.S_ISREG(info.st_mode):
        budget[0] -= info.st_size
        if budget[0] < 0:
            raise SandboxDenied(
                f"protected path {path} is too large to snapshot for detect-and-restore; "
                "refusing to run without a way to restore it"
            )
        with open(path, "rb") as f:
            return Entry("file", data=f.read(), mode=mode, times_ns=times, mtime_ns=info.st_mtime_ns)
    if stat.S_ISDIR(info.st_mode) and depth < 8:
        children = {name: _take(os.path.join(path, name), budget, depth + 1) for name in os.listdir(path)}
        return Entry("dir", mode=mode, children=children, times_ns=times)
    return Entry("other", mode=mode, times_ns=times)


def _put(path: str, entry: Entry) -> None:
    if entry.kind == "file":
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, entry.mode)
        with os.fdopen(fd, "wb") as f:
            f.write(entry.data)
        os.chmod(path, entry.mode)
    elif entry.kind == "symlink":
        os.symlink(entry.target, path)
    elif entry.kind == "dir":
        os.mkdir(path, entry.mode)
        for name, child in entry.children.items():
            _put(os.path.join(path, name), child)
        os.chmod(path, entry.mode)
    if entry.kind in ("file", "symlink", "dir") and entry.times_ns != (0, 0):
        os.utime(path, ns=entry.times_ns, follow_symlinks=False)


def _fix_ancestors(root: str, path: str) -> list[str]:
    """Make every ancestor of `path` below `root` a real directory; returns those that were not."""
    fixed = []
    rel = os.path.relpath(os.path.dirname(path), root)
    current = root
    for part in [] if rel == "." else rel.split(os.sep):
        current = os.path.join(current, part)
        if os.path.islink(current) or (os.path.lexists(current) and not os.path.isdir(current)):
            os.unlink(current)
            fixed.append(current)
        if not os.path.lexists(current):
            os.mkdir(current, 0o755)
    return fixed


@dataclass
class Snapshot:
    """The state of each watched path before a command."""

    root: str
    before: dict[str, Entry]

    @classmethod
    def take(cls, root: str, paths: tuple[str, ...]) -> Snapshot:
        budget = [MAX_SNAPSHOT_BYTES]
        return cls(root, {p.rstrip("/"): _take(p.rstrip("/"), budget) for p in paths})

    def restore(self) -> list[tuple[str, str]]:
        """Put every changed path back; returns (path, what happened) for each violation."""
        violations: list[tuple[str, str]] = []
        budget = [MAX_SNAPSHOT_BYTES * 4]
        for path, before in self.before.items():
            inside = path.startswith(self.root.rstrip("/") + "/")  # outside: vtcode's own files (full-access)
            if before.kind == "missing":
                # Created by the command: removed whatever it holds (no budget: it is not read).
                if os.path.lexists(path):
                    for ancestor in _fix_ancestors(self.root, path) if inside else []:
                        violations.append((ancestor, _REPLACED_ANCESTOR))
                    force_remove(path)
                    violations.append((path, "created; removed"))
                continue
            try:
                now: Entry | None = _take(path, budget)
            except SandboxDenied:  # too large to compare: put it back, it cannot be what it was
                now = None
            if now == before:
                continue
            for ancestor in _fix_ancestors(self.root, path) if inside else []:
                violations.append((ancestor, _REPLACED_ANCESTOR))
            force_remove(path)
            _put(path, before)
            violations.append((path, "changed; restored"))
        return violations
