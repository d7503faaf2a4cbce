"""Path spellings for a Seatbelt profile.

Seatbelt decides on the path the kernel resolved: `/tmp/x` is checked as `/private/tmp/x`, a symlinked
`~/.ssh` as wherever it points. So an allow must name the canonical path (or it never matches) and a
deny must name every spelling a request can arrive under (or the other one walks past it). On macOS
the canonical path also has the on-disk letter case (`fcntl(F_GETPATH)`): a workspace typed as
`~/project` on a case-insensitive volume holding `~/Project` is still the workspace.
"""

from __future__ import annotations

import fcntl
import os

_F_GETPATH: int | None = getattr(fcntl, "F_GETPATH", None)  # macOS only


def canonical(path: str) -> str:
    """The path with every symlink resolved and, on macOS, the on-disk case of each existing part."""
    real = os.path.realpath(path)
    if _F_GETPATH is None:
        return real
    head, tail = real, ""
    while head != "/" and not os.path.exists(head):  # the longest existing prefix has a vnode
        head, name = os.path.split(head)
        tail = os.path.join(name, tail) if tail else name
    try:
        fd = os.open(head, os.O_RDONLY | os.O_CLOEXEC | getattr(os, "O_SYMLINK", 0))
    except OSError:
        return real
    try:
        resolved = fcntl.fcntl(fd, _F_GETPATH, bytes(1024)).rstrip(b"\0").decode()
    except (OSError, UnicodeDecodeError):
        return real
    finally:
        os.close(fd)
    return os.path.join(resolved, tail) if tail else resolved


def spellings(path: str) -> tuple[str, ...]:
    """The path as given (normalised) and its canonical form, without duplicates: what a deny names."""
    given = os.path.normpath(path)
    real = canonical(given)
    return (given,) if real == given else (given, real)


def depth(path: str) -> int:
    """Components below "/": the number of `/[^/]+` a regex needs to reach `path`."""
    return len([part for part in path.split("/") if part])


def is_within(parent: str, path: str) -> bool:
    return path == parent or path.startswith(parent.rstrip("/") + "/")
