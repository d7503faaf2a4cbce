"""openat2(2) through ctypes: the kernel, not a prior check, keeps a lookup beneath a directory.

RESOLVE_BENEATH refuses `..` or an absolute symlink leaving the starting directory, RESOLVE_NO_SYMLINKS
refuses any symlink at all (a path the jail resolved has none, so one appearing later is a swap), and
RESOLVE_NO_MAGICLINKS refuses /proc's jumps. Linux >= 5.6; where the syscall is missing or filtered
(ENOSYS, or EPERM from a container's seccomp profile) callers fall back to a walk with O_NOFOLLOW.

Switch: VTCODE_NO_OPENAT2=1 in the environment forces the fallback (for kernels or sandboxes where
openat2 misbehaves, and for the tests that prove the fallback holds on its own).
"""

from __future__ import annotations

import ctypes
import errno
import functools
import os
import platform
from collections.abc import Callable

from vtcode.errors import InvariantError

RESOLVE_NO_XDEV = 0x01
RESOLVE_NO_MAGICLINKS = 0x02
RESOLVE_NO_SYMLINKS = 0x04
RESOLVE_BENEATH = 0x08
RESOLVE_IN_ROOT = 0x10
AT_FDCWD = -100

# 437 in the unified syscall table every 64-bit and 32-bit Linux port shares since 5.x; alpha and mips
# number it differently and simply get the fallback.
_SYSCALL_NUMBERS = {
    "x86_64": 437, "amd64": 437, "aarch64": 437, "arm64": 437, "i386": 437, "i686": 437, "armv7l": 437,
    "armv6l": 437, "riscv64": 437, "ppc64le": 437, "ppc64": 437, "s390x": 437, "loongarch64": 437,
}
FORCE_FALLBACK_ENV = "VTCODE_NO_OPENAT2"


class _OpenHow(ctypes.Structure):
    _fields_ = [("flags", ctypes.c_uint64), ("mode", ctypes.c_uint64), ("resolve", ctypes.c_uint64)]


class Unsupported(OSError):
    """openat2 cannot be used here; the caller walks component by component instead."""


_Syscall = Callable[..., int]
_probed: list[_Syscall | None] = []  # filled once: the working syscall entry, or None


def _raw(fn: _Syscall, number: int, dir_fd: int, path: bytes, how: _OpenHow) -> int:
    return fn(ctypes.c_long(number), ctypes.c_int(dir_fd), ctypes.c_char_p(path), ctypes.byref(how),
              ctypes.c_size_t(ctypes.sizeof(how)))


def _detect() -> _Syscall | None:
    """Find the syscall and try it once on `/`: ENOSYS (old kernel) or EPERM (a seccomp filter) -> None."""
    number = _SYSCALL_NUMBERS.get(platform.machine().lower())
    if number is None or platform.system() != "Linux":
        return None
    fn = ctypes.CDLL(None, use_errno=True).syscall
    fn.restype = ctypes.c_long
    fd = _raw(fn, number, AT_FDCWD, b"/", _OpenHow(os.O_PATH | os.O_CLOEXEC, 0, RESOLVE_NO_SYMLINKS))
    if fd < 0:
        return None
    os.close(fd)
    return functools.partial(_raw, fn, number)


def available() -> bool:
    """Whether openat2 will be used: not switched off by the environment, and working on this kernel."""
    if os.environ.get(FORCE_FALLBACK_ENV):
        return False
    if not _probed:
        _probed.append(_detect())
    return _probed[0] is not None


def openat2(dir_fd: int, path: str, flags: int, resolve: int, mode: int = 0) -> int:
    """Open `path` relative to `dir_fd`; raise OSError as os.open would, or Unsupported."""
    if not available():
        raise Unsupported(errno.ENOSYS, "openat2 is not available", path)
    call = _probed[0]
    if call is None:
        raise InvariantError("openat2 used on a kernel without it")
    fd = call(dir_fd, os.fsencode(path), _OpenHow(flags, mode, resolve))
    if fd < 0:
        code = ctypes.get_errno()
        raise OSError(code, os.strerror(code), path)
    return fd
