"""Resolve a path the way the kernel's path walk does, without opening anything.

One component at a time from a directory already resolved: a symlink's target is spliced in front of the
components still to walk (absolute targets restart at `/`), and `..` drops the last component of what has
been resolved so far. So `link/../x` is the parent of the link's *target*, as open(2) sees it, not the
directory holding the link (the Rust vtcode collapsed `..` as text first, so `link/../x` escaped).
The result has no symlink, `.` or `..` in it, which is what lets the file operations demand
RESOLVE_NO_SYMLINKS from the kernel afterwards.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass

from .refused import Refused

MAX_SYMLINKS = 40  # the kernel's MAXSYMLINKS: past this, open(2) fails with ELOOP


@dataclass(frozen=True, slots=True)
class Walk:
    path: str  # absolute; every existing component is a real directory or the final entry
    exists: bool  # False when a component is missing (a new file, or a dangling symlink's target)
    links: tuple[str, ...]  # where each symlink followed sits, as spelled during the walk


_proc_dev: int | None = -1


def _procfs_dev() -> int | None:
    global _proc_dev
    if _proc_dev == -1:
        try:
            _proc_dev = os.stat("/proc").st_dev
        except OSError:
            _proc_dev = None
    return _proc_dev


def walk(start: str, path: str) -> Walk:
    """Resolve `path` (absolute, or relative to `start`, itself absolute and resolved)."""
    current = "" if path.startswith("/") or start == "/" else start
    pending = path.split("/")
    pending.reverse()
    links: list[str] = []
    missing: str | None = None  # the first component that does not exist
    while pending:
        name = pending.pop()
        if not name or name == ".":
            continue
        if name == "..":
            if missing is not None:
                # The kernel fails here with ENOENT; giving `..` a meaning would be guessing.
                raise Refused(f"uses '..' after {missing!r}, which does not exist")
            current = current[: current.rfind("/")]
            continue
        candidate = f"{current}/{name}"
        current = candidate
        if missing is not None:
            continue
        try:
            info = os.lstat(candidate)
        except FileNotFoundError:
            missing = candidate
            continue
        except OSError as exc:
            raise Refused(f"cannot be resolved at {candidate!r}: {exc.strerror}") from exc
        if stat.S_ISLNK(info.st_mode):
            current = _follow(candidate, info, pending, links)
        elif pending and not stat.S_ISDIR(info.st_mode):
            # `file/x`, `file/..` and `file/` all fail with ENOTDIR in the kernel.
            raise Refused(f"goes through {candidate!r}, which is not a directory")
    return Walk(current or "/", missing is None, tuple(links))


def _follow(link: str, info: os.stat_result, pending: list[str], links: list[str]) -> str:
    """Splice the link's target into `pending`; return the directory the walk continues from."""
    parent = link[: link.rfind("/")]
    if info.st_dev == _procfs_dev() and parent != "/proc":
        # /proc/<pid>/root, cwd, exe, fd/N, ns/*: the kernel jumps to another process's view instead of
        # reading text, so readlink's answer is not where the path leads. (/proc/self is a plain link.)
        raise Refused(f"goes through {link!r}, a /proc magic link")
    links.append(link)
    if len(links) > MAX_SYMLINKS:
        # A loop (a -> b -> a) or a chain longer than the kernel would follow.
        raise Refused(f"has too many levels of symbolic links (more than {MAX_SYMLINKS})")
    try:
        target = os.readlink(link)
    except OSError as exc:
        raise Refused(f"cannot be resolved at {link!r}: {exc.strerror}") from exc
    if not target:
        raise Refused(f"goes through {link!r}, an empty symlink")
    pending.extend(reversed(target.split("/")))
    return "" if target.startswith("/") else parent
