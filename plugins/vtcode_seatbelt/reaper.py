"""Find and kill every process of one sandboxed command on macOS, daemons included.

macOS has no cgroups, no subreaper and no PID namespace, and a `setsid` double fork leaves the process
group. What a daemon cannot leave is its Seatbelt profile. Each command's profile allows reading one
random path (`yes`) and denies another (`no`), both under /private/var/empty; `sandbox_check(pid, ...)`
asks the kernel what a process's profile says about them. A process whose profile allows the one and
denies the other, sibling paths differing only in random tokens, runs under this command's profile.
A process of another user would refuse the signal anyway.

Not runnable on Linux (there is no libsandbox): its claims are in the Mac check script.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import secrets
import signal
from dataclasses import dataclass

_MARKER_DIR = "/private/var/empty"
_FILTER_PATH = 1  # enum sandbox_filter_type: SANDBOX_FILTER_PATH


@dataclass(frozen=True)
class Markers:
    yes: str
    no: str

    @classmethod
    def new(cls) -> Markers:
        return cls(
            f"{_MARKER_DIR}/vtcode-sandbox-{secrets.token_hex(12)}",
            f"{_MARKER_DIR}/vtcode-sandbox-{secrets.token_hex(12)}",
        )


class _Sandbox:
    """sandbox_check and proc_listallpids through ctypes, loaded on first use."""

    def __init__(self) -> None:
        libsystem = ctypes.CDLL("/usr/lib/libSystem.B.dylib", use_errno=True)
        self.check = libsystem.sandbox_check
        self.check.restype = ctypes.c_int
        # Variadic after these three: ctypes passes the path as a variadic argument (arm64 needs that).
        self.check.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
        try:  # without it each denied check is also logged as a violation: noise, not an error
            self.no_report = ctypes.c_int.in_dll(libsystem, "SANDBOX_CHECK_NO_REPORT").value
        except ValueError:
            self.no_report = 0
        self.list_pids = libsystem.proc_listallpids
        self.list_pids.restype = ctypes.c_int
        self.list_pids.argtypes = [ctypes.c_void_p, ctypes.c_int]

    def pids(self) -> list[int]:
        size = 4096
        while True:
            buffer = (ctypes.c_int * size)()
            count = self.list_pids(buffer, ctypes.sizeof(buffer))
            if count < size:
                return [pid for pid in buffer[: max(count, 0)] if pid > 1]
            size *= 2

    def allows(self, pid: int, path: str) -> bool:
        flags = _FILTER_PATH | self.no_report
        return bool(self.check(pid, b"file-read-data", flags, ctypes.c_char_p(os.fsencode(path))) == 0)


_loaded: _Sandbox | None = None


def _sandbox() -> _Sandbox:
    global _loaded
    if _loaded is None:
        _loaded = _Sandbox()
    return _loaded


def available() -> bool:
    """Whether the sweep can run here (libsandbox loads); tried once per process."""
    global _failed
    if _failed is None:
        try:
            _sandbox()
            _failed = False
        except (OSError, AttributeError):
            _failed = True
    return not _failed


_failed: bool | None = None


def members(markers: Markers) -> list[int]:
    """The pids running under the profile that holds these markers."""
    lib = _sandbox()
    me = os.getpid()
    return [
        pid for pid in lib.pids()
        if pid != me and lib.allows(pid, markers.yes) and not lib.allows(pid, markers.no)
    ]


def kill_all(markers: Markers, pgid: int | None) -> int:
    """SIGKILL the command's process group, then every process still under its profile, until none is
    left (a fork racing the sweep is caught by the next pass). Returns how many were signalled."""
    killed: set[int] = set()
    if pgid is not None and pgid > 1:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pgid, signal.SIGKILL)
    try:
        for attempt in range(50):
            pids = members(markers)
            if not pids or (attempt >= 3 and killed.issuperset(pids)):
                break  # what is left was killed and awaits its parent's wait (a zombie)
            for pid in pids:
                killed.add(pid)
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(pid, signal.SIGKILL)
    except (OSError, AttributeError):
        pass  # no libsandbox (not macOS): the process group was all there was to kill
    return len(killed)
