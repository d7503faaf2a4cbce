"""Landlock through raw syscalls: ABI detection, access masks per ABI, and a ruleset built in the parent.

The parent opens every granted path (O_PATH) and adds the rules; the child only calls
landlock_restrict_self(fd). The kernel returns ruleset fds with O_CLOEXEC set, so the fd never reaches
the exec'd program even when the caller passes close_fds=False.
"""

from __future__ import annotations

import ctypes
import enum
import errno
import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass, field

from .errors import SandboxUnavailable
from .grants import Grant, GrantPlan, plan_grants
from .syscalls import syscall

# Landlock arrived after the syscall tables were unified: the same numbers on x86_64 and aarch64.
_NR_CREATE_RULESET = 444
_NR_ADD_RULE = 445
_NR_RESTRICT_SELF = 446
_CREATE_RULESET_VERSION = 1 << 0
_RULE_PATH_BENEATH = 1
_RULE_NET_PORT = 2


class FsAccess(enum.IntFlag):
    EXECUTE = 1 << 0
    WRITE_FILE = 1 << 1
    READ_FILE = 1 << 2
    READ_DIR = 1 << 3
    REMOVE_DIR = 1 << 4
    REMOVE_FILE = 1 << 5
    MAKE_CHAR = 1 << 6
    MAKE_DIR = 1 << 7
    MAKE_REG = 1 << 8
    MAKE_SOCK = 1 << 9
    MAKE_FIFO = 1 << 10
    MAKE_BLOCK = 1 << 11
    MAKE_SYM = 1 << 12
    REFER = 1 << 13  # ABI 2: link/rename across directories
    TRUNCATE = 1 << 14  # ABI 3
    IOCTL_DEV = 1 << 15  # ABI 5: ioctl on device files opened after restriction


class NetAccess(enum.IntFlag):
    BIND_TCP = 1 << 0  # ABI 4
    CONNECT_TCP = 1 << 1  # ABI 4


class Scope(enum.IntFlag):
    ABSTRACT_UNIX_SOCKET = 1 << 0  # ABI 6: no connecting to abstract sockets outside the domain
    SIGNAL = 1 << 1  # ABI 6: no signals to processes outside the domain


class RestrictFlag(enum.IntFlag):
    LOG_SAME_EXEC_OFF = 1 << 0  # ABI 7
    LOG_NEW_EXEC_ON = 1 << 1  # ABI 7: audit-log denials of the exec'd program, not only of the preexec code
    LOG_SUBDOMAINS_OFF = 1 << 2  # ABI 7


_FS_BY_ABI = {1: FsAccess(0x1FFF), 2: FsAccess(0x3FFF), 3: FsAccess(0x7FFF), 5: FsAccess(0xFFFF)}

# Rights a rule on a non-directory may carry; anything else makes landlock_add_rule fail with EINVAL.
FILE_ACCESS = (FsAccess.EXECUTE | FsAccess.WRITE_FILE | FsAccess.READ_FILE | FsAccess.TRUNCATE
               | FsAccess.IOCTL_DEV)

# Read implies execute: Landlock's EXECUTE only guards execve, while ld.so or an interpreter runs any
# readable file, so withholding it from readable trees would break tools without stopping anyone.
READ = FsAccess.READ_FILE | FsAccess.READ_DIR | FsAccess.EXECUTE

# Write covers normal work in a tree. Device nodes (MAKE_CHAR/MAKE_BLOCK) are never granted: a root
# child could otherwise mknod the disk and read it raw, under every path rule.
WRITE = (READ | FsAccess.WRITE_FILE | FsAccess.REMOVE_DIR | FsAccess.REMOVE_FILE | FsAccess.MAKE_DIR
         | FsAccess.MAKE_REG | FsAccess.MAKE_SOCK | FsAccess.MAKE_FIFO | FsAccess.MAKE_SYM | FsAccess.REFER
         | FsAccess.TRUNCATE)

# /dev/null, /dev/tty, ptys: read, write and the device ioctls (isatty, window size) tools rely on.
DEVICE = READ | FsAccess.WRITE_FILE | FsAccess.TRUNCATE | FsAccess.IOCTL_DEV


def abi_version() -> int:
    """The Landlock ABI this kernel supports, 0 if Landlock is absent or disabled at boot."""
    try:
        return syscall(_NR_CREATE_RULESET, ctypes.c_void_p(None), 0, _CREATE_RULESET_VERSION,
                       what="landlock ABI")
    except OSError as exc:
        if exc.errno in (errno.ENOSYS, errno.EOPNOTSUPP):
            return 0
        raise


def fs_access(abi: int) -> FsAccess:
    """Every filesystem right the kernel knows at `abi`; handling all of them denies all by default."""
    return _FS_BY_ABI[max(k for k in _FS_BY_ABI if k <= abi)] if abi >= 1 else FsAccess(0)


def net_access(abi: int) -> NetAccess:
    return NetAccess.BIND_TCP | NetAccess.CONNECT_TCP if abi >= 4 else NetAccess(0)


def scopes(abi: int) -> Scope:
    return Scope.ABSTRACT_UNIX_SOCKET | Scope.SIGNAL if abi >= 6 else Scope(0)


class _RulesetAttr(ctypes.Structure):
    # Fields unknown to an older kernel stay zero; copy_struct_from_user accepts the longer struct then.
    _fields_ = (("handled_access_fs", ctypes.c_uint64), ("handled_access_net", ctypes.c_uint64),
                ("scoped", ctypes.c_uint64))


class _NetPortAttr(ctypes.Structure):
    _pack_ = 1  # __attribute__((packed)) in linux/landlock.h: 16 bytes
    _fields_ = (("allowed_access", ctypes.c_uint64), ("port", ctypes.c_uint64))


class _PathBeneathAttr(ctypes.Structure):
    _pack_ = 1  # __attribute__((packed)) in linux/landlock.h: 12 bytes
    _fields_ = (("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32))


@dataclass
class RulesetFd:
    """An open Landlock ruleset; enforce it in a child with `restrict_self`, then `close` it."""

    fd: int
    abi: int
    plan: GrantPlan
    closed: bool = field(default=False)

    def close(self) -> None:
        if not self.closed:
            os.close(self.fd)
            self.closed = True


@dataclass
class Ruleset:
    """Collects grants, hides secrets inside them, then creates the kernel ruleset in the parent."""

    abi: int
    restrict_network: bool = True
    scoped: bool = True
    # TCP ports connect() may reach while the network is restricted (ABI >= 4). A port rule does not name an
    # address: the egress mode pairs it with a network namespace that holds only loopback.
    connect_ports: tuple[int, ...] = ()
    _grants: list[Grant] = field(default_factory=list)
    _hidden: list[str] = field(default_factory=list)

    def allow_read(self, path: str) -> None:
        self._grants.append(Grant(path, READ))

    def allow_write(self, path: str) -> None:
        self._grants.append(Grant(path, WRITE))

    def allow_device(self, path: str) -> None:
        self._grants.append(Grant(path, DEVICE))

    def hide(self, paths: Iterable[str]) -> None:
        """Keep `paths` out of every grant, whichever tree would have covered them."""
        self._hidden.extend(paths)

    def plan(self) -> GrantPlan:
        return plan_grants(self._grants, self._hidden)

    def create(self) -> RulesetFd:
        """Create the ruleset and add one rule per planned path; the result is ready for restrict_self."""
        if self.abi < 1:
            raise SandboxUnavailable("Landlock is not available in this kernel (needs Linux 5.13+ with "
                                     "'landlock' in the lsm= boot list); refusing to run unconfined")
        handled = fs_access(self.abi)
        attr = _RulesetAttr(handled, net_access(self.abi) if self.restrict_network else 0,
                            scopes(self.abi) if self.scoped else 0)
        fd = syscall(_NR_CREATE_RULESET, ctypes.c_void_p(ctypes.addressof(attr)), ctypes.sizeof(attr), 0,
                     what="landlock_create_ruleset")
        plan = self.plan()
        try:
            for grant in plan.grants:
                _add_path_rule(fd, grant, handled)
            if self.restrict_network and self.abi >= 4:
                for port in self.connect_ports:
                    net = _NetPortAttr(int(NetAccess.CONNECT_TCP), port)
                    syscall(_NR_ADD_RULE, fd, _RULE_NET_PORT, ctypes.c_void_p(ctypes.addressof(net)), 0,
                            what=f"landlock_add_rule tcp port {port}")
        except BaseException:
            os.close(fd)
            raise
        return RulesetFd(fd=fd, abi=self.abi, plan=plan)


def _add_path_rule(ruleset_fd: int, grant: Grant, handled: int) -> None:
    # O_NOFOLLOW: the plan holds resolved paths, so a symlink here means one was swapped in since.
    try:
        path_fd = os.open(grant.path, os.O_PATH | os.O_CLOEXEC | os.O_NOFOLLOW)
    except OSError:
        return  # vanished since planning: fewer grants is the safe direction
    try:
        mode = os.fstat(path_fd).st_mode
        if stat.S_ISLNK(mode):
            return
        access = grant.access & handled
        if not stat.S_ISDIR(mode):
            access &= FILE_ACCESS  # directory-only rights on a file rule are EINVAL
        if access:
            attr = _PathBeneathAttr(access, path_fd)
            syscall(_NR_ADD_RULE, ruleset_fd, _RULE_PATH_BENEATH, ctypes.c_void_p(ctypes.addressof(attr)), 0,
                    what=f"landlock_add_rule {grant.path}")
    finally:
        os.close(path_fd)


def restrict_self(ruleset_fd: int, flags: int = 0) -> None:
    """Enforce the ruleset on the calling thread and its future children (needs no_new_privs first)."""
    syscall(_NR_RESTRICT_SELF, ruleset_fd, flags, what="landlock_restrict_self")
