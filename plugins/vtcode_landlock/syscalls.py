"""The machine's syscall ABI: architecture, syscall numbers and a checked raw-syscall helper.

Numbers are the kernel's stable ABI for the two architectures vtcode supports; tests cross-check them
against libseccomp's tables. Nothing here allocates after fork beyond what a ctypes call itself needs.
"""

from __future__ import annotations

import ctypes
import os
import platform
from typing import Final

from .errors import SandboxUnavailable

# AUDIT_ARCH_* values as seccomp reports them in seccomp_data.arch (linux/audit.h).
AUDIT_ARCH: Final = {"x86_64": 0xC000003E, "aarch64": 0xC00000B7}

# name -> (x86_64, aarch64); None where the syscall does not exist on that architecture.
NUMBERS: Final[dict[str, tuple[int, int | None]]] = {
    "open": (2, None),
    "shmget": (29, 194),
    "shmat": (30, 196),
    "shmctl": (31, 195),
    "semget": (64, 190),
    "semop": (65, 193),
    "semctl": (66, 191),
    "shmdt": (67, 197),
    "msgget": (68, 186),
    "msgsnd": (69, 189),
    "msgrcv": (70, 188),
    "msgctl": (71, 187),
    "ioctl": (16, 29),
    "creat": (85, None),
    "mknod": (133, None),
    "openat": (257, 56),
    "mknodat": (259, 33),
    "chmod": (90, None),
    "fchmod": (91, 52),
    "chown": (92, None),
    "fchown": (93, 55),
    "lchown": (94, None),
    "utime": (132, None),
    "setxattr": (188, 5),
    "lsetxattr": (189, 6),
    "fsetxattr": (190, 7),
    "removexattr": (197, 14),
    "lremovexattr": (198, 15),
    "fremovexattr": (199, 16),
    "utimes": (235, None),
    "fchownat": (260, 54),
    "futimesat": (261, None),
    "fchmodat": (268, 53),
    "utimensat": (280, 88),
    "socket": (41, 198),
    "clone": (56, 220),
    "ptrace": (101, 117),
    "syslog": (103, 116),
    "capget": (125, 90),
    "capset": (126, 91),
    "uselib": (134, None),
    "personality": (135, 92),
    "vhangup": (153, 58),
    "pivot_root": (155, 41),
    "prctl": (157, 167),
    "adjtimex": (159, 171),
    "chroot": (161, 51),
    "acct": (163, 89),
    "settimeofday": (164, 170),
    "mount": (165, 40),
    "umount2": (166, 39),
    "swapon": (167, 224),
    "swapoff": (168, 225),
    "reboot": (169, 142),
    "sethostname": (170, 161),
    "setdomainname": (171, 162),
    "iopl": (172, None),
    "ioperm": (173, None),
    "init_module": (175, 105),
    "delete_module": (176, 106),
    "quotactl": (179, 60),
    "semtimedop": (220, 192),
    "clock_settime": (227, 112),
    "mq_open": (240, 180),
    "mq_unlink": (241, 181),
    "mq_timedsend": (242, 182),
    "mq_timedreceive": (243, 183),
    "mq_notify": (244, 184),
    "mq_getsetattr": (245, 185),
    "kexec_load": (246, 104),
    "add_key": (248, 217),
    "request_key": (249, 218),
    "keyctl": (250, 219),
    "unshare": (272, 97),
    "perf_event_open": (298, 241),
    "fanotify_init": (300, 262),
    "open_by_handle_at": (304, 265),
    "clock_adjtime": (305, 266),
    "setns": (308, 268),
    "process_vm_readv": (310, 270),
    "process_vm_writev": (311, 271),
    "finit_module": (313, 273),
    "seccomp": (317, 277),
    "kexec_file_load": (320, 294),
    "bpf": (321, 280),
    "userfaultfd": (323, 282),
    "io_uring_setup": (425, 425),
    "io_uring_enter": (426, 426),
    "io_uring_register": (427, 427),
    "open_tree": (428, 428),
    "move_mount": (429, 429),
    "fsopen": (430, 430),
    "fsconfig": (431, 431),
    "fsmount": (432, 432),
    "fspick": (433, 433),
    "clone3": (435, 435),
    "close_range": (436, 436),
    "pidfd_getfd": (438, 438),
    "process_madvise": (440, 440),
    "mount_setattr": (442, 442),
    "quotactl_fd": (443, 443),
    "landlock_create_ruleset": (444, 444),
    "landlock_add_rule": (445, 445),
    "landlock_restrict_self": (446, 446),
    "openat2": (437, 437),
    "fchmodat2": (452, 452),
    "setxattrat": (463, 463),
    "removexattrat": (466, 466),
}


def machine() -> str:
    """The architecture name used to index NUMBERS; anything else is unsupported (fail closed)."""
    name = platform.machine()
    name = {"amd64": "x86_64", "arm64": "aarch64"}.get(name, name)
    if name not in AUDIT_ARCH:
        raise SandboxUnavailable(f"unsupported CPU architecture {name!r}: the Linux sandbox knows x86_64 and "
                                 "aarch64 only; set sandbox = \"off\" explicitly to run unconfined")
    return name


def number(name: str, arch: str | None = None) -> int | None:
    """The syscall number of `name` on `arch` (default: this machine), None if it has none there."""
    x86_64, aarch64 = NUMBERS[name]
    return x86_64 if (arch or machine()) == "x86_64" else aarch64


def required(name: str, arch: str | None = None) -> int:
    """Like `number`, for syscalls every supported architecture has."""
    value = number(name, arch)
    if value is None:
        raise SandboxUnavailable(f"syscall {name} has no number on {arch or machine()}; this is a vtcode bug")
    return value


LIBC: Final = ctypes.CDLL(None, use_errno=True)
_syscall = LIBC.syscall
_syscall.restype = ctypes.c_long
_prctl = LIBC.prctl
_prctl.restype = ctypes.c_int
# Fixed argtypes let ctypes convert plain ints itself: fewer objects allocated in the forked child,
# whose every fresh allocation can fault in a copy-on-write page.
_prctl.argtypes = (ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong)
_mount = LIBC.mount
_mount.restype = ctypes.c_int
_mount.argtypes = (ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong, ctypes.c_char_p)
_unshare = LIBC.unshare
_unshare.restype = ctypes.c_int
_unshare.argtypes = (ctypes.c_int,)


def _checked(result: int, what: str) -> int:
    if result < 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")
    return result


def syscall(nr: int, *args: int | ctypes.c_void_p, what: str = "syscall") -> int:
    """A raw syscall with integer/pointer arguments; raises OSError(errno) on failure."""
    cargs = [a if isinstance(a, ctypes.c_void_p) else ctypes.c_long(a) for a in args]
    return _checked(_syscall(ctypes.c_long(nr), *cargs), what)


def prctl(option: int, arg2: int = 0, arg3: int = 0) -> int:
    """prctl with unsigned-long arguments (pass pointers as addresses); raises OSError on failure."""
    result: int = _prctl(option, arg2, arg3, 0, 0)
    return result if result >= 0 else _checked(result, f"prctl({option})")


def mount(source: bytes | None, target: bytes, flags: int) -> None:
    _checked(_mount(source, target, None, flags, None), f"mount {target.decode(errors='replace')}")


def unshare(flags: int) -> None:
    _checked(_unshare(flags), "unshare")


class MountAttr(ctypes.Structure):
    """struct mount_attr (linux/mount.h), for mount_setattr(2)."""

    _fields_ = (("attr_set", ctypes.c_uint64), ("attr_clr", ctypes.c_uint64),
                ("propagation", ctypes.c_uint64), ("userns_fd", ctypes.c_uint64))


AT_FDCWD = -100


def mount_setattr(path: bytes, flags: int, attr: MountAttr) -> None:
    _checked(_syscall(ctypes.c_long(required("mount_setattr")), ctypes.c_long(AT_FDCWD),
                      ctypes.c_char_p(path), ctypes.c_long(flags), ctypes.byref(attr),
                      ctypes.c_long(ctypes.sizeof(attr))),
             f"mount_setattr {path.decode(errors='replace')}")
