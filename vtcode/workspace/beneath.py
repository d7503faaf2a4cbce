"""Open directories and files beneath the workspace root with the kernel holding what `resolve` checked.

A resolved path has no symlink in it, so the open demands none: a directory swapped for a symlink between
the check and the use (TOCTOU) makes the open fail (ELOOP, ENOTDIR or EXDEV) instead of following it out
of the workspace. With openat2 that is one syscall (RESOLVE_BENEATH | NO_SYMLINKS | NO_MAGICLINKS); without
it, each component is opened from the previous one's fd with O_NOFOLLOW, which holds the same line.
"""

from __future__ import annotations

import contextlib
import errno
import os
from collections.abc import Sequence

from .openat2 import (
    AT_FDCWD,
    RESOLVE_BENEATH,
    RESOLVE_NO_MAGICLINKS,
    RESOLVE_NO_SYMLINKS,
    Unsupported,
    openat2,
)
from .refused import Refused

BENEATH = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS
_PATH_DIR = os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC
DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC
READ_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC  # NONBLOCK: a FIFO cannot hang us
_RACE_ERRNOS = frozenset({errno.ELOOP, errno.ENOTDIR, errno.EXDEV})


def refused_or_oserror(exc: OSError, shown: str) -> Exception:
    """A symlink or non-directory where the check saw a directory is a race, refused by name."""
    if exc.errno in _RACE_ERRNOS:
        return Refused(f"changed after it was checked: a symlink or non-directory now stands on the way to "
                       f"{shown!r} (a race with another process?); nothing was read or written")
    return OSError(exc.errno, exc.strerror, shown)


def open_root(root: str) -> int:
    """An O_PATH fd on the root; fails if a component of it has become a symlink since start-up."""
    try:
        return openat2(AT_FDCWD, root, _PATH_DIR, RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS)
    except Unsupported:
        pass
    except OSError as exc:
        raise refused_or_oserror(exc, root) from exc
    try:
        return walk_open(os.open("/", _PATH_DIR), [p for p in root.split("/") if p], _PATH_DIR)
    except OSError as exc:
        raise refused_or_oserror(exc, root) from exc


def open_dir(root_fd: int, parts: Sequence[str], *, create: bool = False, flags: int = DIR_FLAGS) -> int:
    """An fd on root/parts, opened with `flags`; with `create`, missing directories are made on the way."""
    _check_names(parts)
    if parts:
        try:
            return openat2(root_fd, "/".join(parts), flags, BENEATH)
        except Unsupported:
            pass
        except FileNotFoundError:
            if not create:
                raise
    return walk_open(os.dup(root_fd), parts, flags, create=create)


def open_file(root_fd: int, parts: Sequence[str], flags: int = READ_FLAGS) -> int:
    """An fd on the file root/parts; the final component must not be a symlink either."""
    _check_names(parts)
    try:
        return openat2(root_fd, "/".join(parts), flags | os.O_NOFOLLOW, BENEATH)
    except Unsupported:
        pass
    dir_fd = open_dir(root_fd, parts[:-1], flags=_PATH_DIR)
    try:
        return os.open(parts[-1], flags | os.O_NOFOLLOW, dir_fd=dir_fd)
    finally:
        os.close(dir_fd)


def walk_open(fd: int, parts: Sequence[str], flags: int, *, create: bool = False) -> int:
    """From `fd` (consumed), open each component with O_NOFOLLOW; the last one with `flags`."""
    if not parts:
        try:
            return os.open(".", flags, dir_fd=fd)
        finally:
            os.close(fd)
    for index, name in enumerate(parts):
        step = flags if index == len(parts) - 1 else _PATH_DIR
        try:
            following = _open_component(fd, name, step | os.O_NOFOLLOW, create)
        finally:
            os.close(fd)
        fd = following
    return fd


def _open_component(fd: int, name: str, flags: int, create: bool) -> int:
    try:
        return os.open(name, flags, dir_fd=fd)
    except FileNotFoundError:
        if not create:
            raise
    # Made by us or by someone racing us: either way the O_NOFOLLOW open below refuses a symlink.
    with contextlib.suppress(FileExistsError):
        os.mkdir(name, 0o777, dir_fd=fd)
    return os.open(name, flags, dir_fd=fd)


def _check_names(parts: Sequence[str]) -> None:
    # Parts come from a resolved path; anything else here is a bug that must not become a traversal.
    for name in parts:
        if name in ("", ".", "..") or "/" in name or "\0" in name:
            raise ValueError(f"not a resolved path component: {name!r}")
