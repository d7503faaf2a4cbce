"""A confined child keeps no capability at all: effective, permitted, inheritable, ambient and bounding
sets are emptied before exec.

Landlock and seccomp bound what root can reach, but not what capabilities let it do to what it can reach
or name: CAP_CHOWN, CAP_FOWNER and CAP_FSETID change owners, modes and set-id bits of files Landlock never
asks about (it does not govern metadata), CAP_DAC_OVERRIDE writes other users' files in a writable root,
CAP_SETUID/CAP_SETGID become another user, CAP_SYS_RAWIO reads /proc/kcore. An empty bounding set means
the exec'd program, which root normally gets every capability for, gets none: root's commands act as uid 0
under plain file permissions. The same applies inside an unprivileged user namespace, where the child
holds every capability over its own files until this runs.
"""

from __future__ import annotations

import ctypes
import errno
from dataclasses import dataclass

from .syscalls import prctl, required, syscall

PR_CAPBSET_DROP = 24
PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL = 47, 4
_CAPABILITY_VERSION_3 = 0x20080522

KEEP: frozenset[int] = frozenset()  # nothing; kept as a name so the steps and tests state it


def last_capability() -> int:
    with open("/proc/sys/kernel/cap_last_cap", encoding="ascii") as f:
        return int(f.read())


class _CapHeader(ctypes.Structure):
    _fields_ = (("version", ctypes.c_uint32), ("pid", ctypes.c_int))


class _CapData(ctypes.Structure):
    _fields_ = (("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32),
                ("inheritable", ctypes.c_uint32))


@dataclass(frozen=True)
class CapabilityDrop:
    """Precomputed in the parent; `apply` runs in the child after the mounts, which still need root."""

    drop: tuple[int, ...]
    capget_nr: int
    capset_nr: int

    @classmethod
    def everything(cls) -> CapabilityDrop:
        drop = tuple(c for c in range(last_capability() + 1) if c not in KEEP)
        return cls(drop, required("capget"), required("capset"))

    def apply(self) -> None:
        prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL)
        for cap in self.drop:
            try:
                prctl(PR_CAPBSET_DROP, cap)
            except OSError as exc:
                if exc.errno != errno.EINVAL:  # EINVAL: a capability this kernel does not know
                    raise
        # root's exec'd program gets inheritable | bounding: clear inheritable, and trim the sets this
        # process still holds so nothing is carried over.
        header = _CapHeader(_CAPABILITY_VERSION_3, 0)
        data = (_CapData * 2)()
        syscall(self.capget_nr, ctypes.c_void_p(ctypes.addressof(header)),
                ctypes.c_void_p(ctypes.addressof(data)), what="capget")
        for i, word in enumerate(data):
            keep = sum(1 << (c - 32 * i) for c in KEEP if 32 * i <= c < 32 * (i + 1))
            word.effective &= keep
            word.permitted &= keep
            word.inheritable = 0
        syscall(self.capset_nr, ctypes.c_void_p(ctypes.addressof(header)),
                ctypes.c_void_p(ctypes.addressof(data)), what="capset")
