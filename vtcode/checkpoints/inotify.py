"""Linux inotify through libc (ctypes): an instance, its watches and its events, nothing more.

No dependency: `inotify_init1`, `inotify_add_watch` and `inotify_rm_watch` are called through libc, and
events are read from the instance's descriptor with `os.read`. Anything that is not Linux, or a libc
without these symbols, gets `InotifyUnavailable`, and checkpoints scan the tree as before.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import os
import struct
import sys
from collections.abc import Iterator
from dataclasses import dataclass

IN_ACCESS = 0x001
IN_MODIFY = 0x002
IN_ATTRIB = 0x004
IN_CLOSE_WRITE = 0x008
IN_CLOSE_NOWRITE = 0x010
IN_OPEN = 0x020
IN_MOVED_FROM = 0x040
IN_MOVED_TO = 0x080
IN_CREATE = 0x100
IN_DELETE = 0x200
IN_DELETE_SELF = 0x400
IN_MOVE_SELF = 0x800
IN_UNMOUNT = 0x2000
IN_Q_OVERFLOW = 0x4000
IN_IGNORED = 0x8000
IN_ONLYDIR = 0x01000000
IN_DONT_FOLLOW = 0x02000000
IN_ISDIR = 0x40000000
IN_NONBLOCK = os.O_NONBLOCK
IN_CLOEXEC = os.O_CLOEXEC

_HEADER = struct.Struct("iIII")  # wd, mask, cookie, len


class InotifyUnavailable(OSError):
    """No inotify here (not Linux, no libc symbol, or the per-user instance limit is reached)."""


@dataclass(frozen=True)
class Event:
    wd: int
    mask: int
    cookie: int
    name: bytes


_libc: ctypes.CDLL | None = None


def _lib() -> ctypes.CDLL:
    global _libc
    if _libc is None:
        if not sys.platform.startswith("linux"):
            raise InotifyUnavailable(errno.ENOSYS, "inotify is Linux-only")
        lib = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        try:
            lib.inotify_init1.argtypes = [ctypes.c_int]
            lib.inotify_init1.restype = ctypes.c_int
            lib.inotify_add_watch.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_uint32]
            lib.inotify_add_watch.restype = ctypes.c_int
            lib.inotify_rm_watch.argtypes = [ctypes.c_int, ctypes.c_int]
            lib.inotify_rm_watch.restype = ctypes.c_int
        except AttributeError as exc:
            raise InotifyUnavailable(errno.ENOSYS, "libc has no inotify") from exc
        _libc = lib
    return _libc


class Inotify:
    """One inotify instance (non-blocking, close-on-exec: no child process inherits it)."""

    def __init__(self) -> None:
        lib = _lib()
        fd = lib.inotify_init1(IN_NONBLOCK | IN_CLOEXEC)
        if fd < 0:
            code = ctypes.get_errno()
            raise InotifyUnavailable(code, f"inotify_init1: {os.strerror(code)}")
        self.fd = fd
        self._lib = lib

    def add_watch(self, path: bytes, mask: int) -> int:
        """The watch descriptor (the same one again for an inode already watched); OSError with the errno
        otherwise: ENOSPC at the per-user watch limit, ENOENT/ENOTDIR if the path went away."""
        wd = self._lib.inotify_add_watch(self.fd, path, mask)
        if wd < 0:
            code = ctypes.get_errno()
            raise OSError(code, os.strerror(code), os.fsdecode(path))
        return int(wd)

    def rm_watch(self, wd: int) -> None:
        self._lib.inotify_rm_watch(self.fd, wd)  # EINVAL: already gone (the kernel dropped it)

    def read(self) -> Iterator[Event]:
        """Every event queued now; returns when the queue is empty (never blocks)."""
        while True:
            try:
                data = os.read(self.fd, 1 << 16)
            except BlockingIOError:
                return
            at = 0
            while at + _HEADER.size <= len(data):
                wd, mask, cookie, length = _HEADER.unpack_from(data, at)
                at += _HEADER.size
                name = data[at : at + length].rstrip(b"\0")
                at += length
                yield Event(wd, mask, cookie, name)

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1
