"""A seccomp filter assembled in the parent as raw BPF; the child installs it with one prctl.

Raw BPF rather than libseccomp (pyseccomp): no native library to find at runtime, the child runs no
library code after fork (libseccomp's seccomp_load allocates and compiles in the child), and every
argument test compares only the low 32 bits the kernel actually reads. A 64-bit compare, which is what
a naive libseccomp rule on an `int` argument does, lets socket(0x1_0000_0002, ...) slip past a rule on
AF_INET while the kernel truncates it to AF_INET.
"""

from __future__ import annotations

import ctypes
import errno
from dataclasses import dataclass

from .bpf import Program
from .syscalls import AUDIT_ARCH, machine, number, prctl, required

RET_ALLOW = 0x7FFF0000
RET_ERRNO = 0x00050000
PR_SET_SECCOMP = 22
SECCOMP_MODE_FILTER = 2

# struct seccomp_data: int nr; u32 arch; u64 ip; u64 args[6]. Both supported arches are little-endian,
# so the low word of args[i] sits at 16 + 8 * i.
_NR, _ARCH = 0, 4


def _arg_low(index: int) -> int:
    return 16 + 8 * index


# Denied outright with EPERM: each either breaks out of the confinement (namespaces, mounts, ptrace,
# io_uring which performs socket and file operations that seccomp never sees), reads other processes or
# the kernel (process_vm_*, bpf, perf, keyrings holding tokens), or changes the host (modules, clock,
# swap, reboot...). Several only matter when the agent runs as root, which is exactly when they matter.
DENIED = (
    "ptrace", "process_vm_readv", "process_vm_writev", "pidfd_getfd", "process_madvise",
    "mount", "umount2", "pivot_root", "move_mount", "open_tree", "fsopen", "fsconfig", "fsmount",
    "fspick", "mount_setattr", "chroot", "unshare", "setns",
    "bpf", "perf_event_open", "userfaultfd", "io_uring_setup", "io_uring_enter", "io_uring_register",
    "kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module", "uselib",
    "keyctl", "add_key", "request_key",
    "reboot", "swapon", "swapoff", "acct", "quotactl", "quotactl_fd", "syslog", "vhangup",
    "clock_settime", "settimeofday", "clock_adjtime", "adjtimex", "sethostname", "setdomainname",
    "iopl", "ioperm", "open_by_handle_at", "fanotify_init",
)

# Landlock does not govern a file's metadata: mode, owner, times and extended attributes. Where the child
# gets a mount namespace, everything outside its writable roots is a read-only mount and these fail with
# EROFS there while still working on the workspace (`chmod +x`). Where it does not, they are denied here
# outright, in every path and through every fd (fchmod on an fd opened read-only is a route too).
METADATA = (
    "chmod", "fchmod", "fchmodat", "fchmodat2", "chown", "fchown", "lchown", "fchownat",
    "utime", "utimes", "futimesat", "utimensat",
    "setxattr", "lsetxattr", "fsetxattr", "setxattrat", "removexattr", "lremovexattr", "fremovexattr",
    "removexattrat",
)

# SysV IPC and POSIX message queues live in the IPC namespace. With a mount namespace the child gets a
# new one; without, they would be the host's (attach to another process's shared memory, leave objects
# behind), so they are denied along with METADATA.
HOST_IPC = (
    "shmget", "shmat", "shmctl", "shmdt", "semget", "semop", "semtimedop", "semctl",
    "msgget", "msgsnd", "msgrcv", "msgctl",
    "mq_open", "mq_unlink", "mq_timedsend", "mq_timedreceive", "mq_notify", "mq_getsetattr",
)

# Set-user-ID and set-group-ID bits are refused wherever a mode is given (chmod, creation): a root agent's
# command could otherwise leave a set-uid-root copy of a shell in the workspace, for any local user to run
# later; mode, not path, so this holds in every tree. syscall -> index of its mode argument.
SETID_BITS = 0o6000
MODE_ARGUMENT = {
    "chmod": 1, "fchmod": 1, "fchmodat": 2, "fchmodat2": 2, "creat": 1, "open": 2, "openat": 3,
    "mknod": 1, "mknodat": 2,
}

AF_UNIX, AF_INET, AF_INET6, AF_NETLINK = 1, 2, 10, 16
SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET, SOCK_TYPE_MASK = 1, 2, 5, 0xF
NETLINK_ROUTE = 0
IPPROTO_TCP, IPPROTO_UDP = 6, 17
# clone() with any of these creates a namespace, the same escape as unshare(). CLONE_NEWTIME (0x80) is
# left out: for clone() that byte is the exit signal; only clone3/unshare read it as a namespace flag.
CLONE_NAMESPACES = 0x00020000 | 0x02000000 | 0x04000000 | 0x08000000 | 0x10000000 | 0x20000000 | 0x40000000
# The personality values glibc and setarch use harmlessly (the same set Docker allows); anything else
# (READ_IMPLIES_EXEC, ADDR_NO_RANDOMIZE...) weakens the child's exploit mitigations.
PERSONALITY_ALLOWED = (0x0, 0x8, 0x20000, 0x20008, 0xFFFFFFFF)
# TIOCSTI pushes bytes into a terminal's input queue: a child holding the user's tty could type commands
# into the shell that runs after vtcode exits (CVE-2017-5226 in bubblewrap). TIOCLINUX can do the same.
TIOCSTI, TIOCLINUX = 0x5412, 0x541C
X32_SYSCALL_BIT = 0x40000000


@dataclass(frozen=True)
class SeccompPolicy:
    """What the filter lets through: inet sockets only with network, unix sockets only if asked."""

    network: bool = False
    # socket(AF_UNIX) reaches any pathname socket by name (docker.sock, the D-Bus session bus which can
    # start unconfined processes): Landlock up to ABI 7 does not mediate connect() on them. socketpair()
    # stays allowed either way, so pipes between a tool's own processes keep working.
    unix_sockets: bool = False
    # False where no read-only mount can protect what lies outside the writable roots (see METADATA).
    metadata: bool = True
    # The egress mode: inet sockets only as plain TCP and UDP. Landlock's network rules govern TCP
    # sockets only; socket(AF_INET, SOCK_STREAM, IPPROTO_MPTCP) connects to any port and binds and
    # listens where the same TCP socket gets EACCES, and SCTP, UDP-Lite or ICMP would be as unseen.
    plain_protocols: bool = False


def _socket_rules(prog: Program, policy: SeccompPolicy) -> None:
    prog.label("socket")
    prog.load(_arg_low(0))  # domain, an int
    prog.jeq(AF_UNIX, "allow" if policy.unix_sockets else "eperm")
    if policy.network:
        prog.jeq(AF_INET, "inet")
        prog.jeq(AF_INET6, "inet")
        # glibc's getaddrinfo(AI_ADDRCONFIG) and `ip` read interfaces over NETLINK_ROUTE; other netlink
        # families (netfilter, audit, uevents...) are host administration and stay denied.
        prog.jeq(AF_NETLINK, None, "eperm")
        prog.load(_arg_low(2))
        prog.jeq(NETLINK_ROUTE, "allow", "eperm")
        prog.label("inet")
        prog.load(_arg_low(1))
        prog.and_(SOCK_TYPE_MASK)  # drop SOCK_NONBLOCK / SOCK_CLOEXEC
        if policy.plain_protocols:
            prog.jeq(SOCK_STREAM, "inet-stream")
            prog.jeq(SOCK_DGRAM, "inet-dgram", "eperm")
            prog.label("inet-stream")
            prog.load(_arg_low(2))  # protocol: 0 (the default, TCP) or IPPROTO_TCP, never MPTCP/SCTP
            prog.jeq(0, "allow")
            prog.jeq(IPPROTO_TCP, "allow", "eperm")
            prog.label("inet-dgram")
            prog.load(_arg_low(2))
            prog.jeq(0, "allow")
            prog.jeq(IPPROTO_UDP, "allow", "eperm")
        else:
            prog.jeq(SOCK_STREAM, "allow")
            prog.jeq(SOCK_DGRAM, "allow")
            prog.jeq(SOCK_SEQPACKET, "allow")  # raw and packet sockets (spoofing, sniffing as root) stay out
    prog.ret(RET_ERRNO | errno.EPERM)


def _argument_rules(prog: Program, policy: SeccompPolicy) -> None:
    _socket_rules(prog, policy)
    for index in sorted(set(MODE_ARGUMENT.values())):
        prog.label(f"mode{index}")
        prog.load(_arg_low(index))
        prog.jset(SETID_BITS, "eperm", "allow")
    prog.label("clone")
    prog.load(_arg_low(0))
    prog.jset(CLONE_NAMESPACES, "eperm", "allow")
    prog.label("personality")
    prog.load(_arg_low(0))
    for value in PERSONALITY_ALLOWED:
        prog.jeq(value, "allow")
    prog.ret(RET_ERRNO | errno.EPERM)
    prog.label("ioctl")
    prog.load(_arg_low(1))  # request: unsigned int
    prog.jeq(TIOCSTI, "eperm")
    prog.jeq(TIOCLINUX, "eperm", "allow")


def _dispatch(prog: Program, verdicts: list[tuple[int, str]], leaf: int = 4) -> None:
    """Jump on the syscall number (in A) to its verdict's label, by binary search; the rest -> allow.

    A linear list of ~60 comparisons cost every allowed syscall ~60 instructions, and the kernel runs
    the filter once per syscall number when it is installed (to cache the always-allowed ones): ~0.15 ms
    per spawn. A search tree needs ~8. Every leaf ends in an explicit jump: nothing falls through."""
    if len(verdicts) <= leaf:
        for nr, target in verdicts[:-1]:
            prog.jeq(nr, target)
        nr, target = verdicts[-1]
        prog.jeq(nr, target, "allow")
        return
    middle = len(verdicts) // 2
    upper = f"nr>={verdicts[middle][0]}"
    prog.jge(verdicts[middle][0], upper)  # unsigned: numbers below the middle fall through
    _dispatch(prog, verdicts[:middle], leaf)
    prog.label(upper)
    _dispatch(prog, verdicts[middle:], leaf)


def build_bpf(policy: SeccompPolicy, arch: str | None = None) -> bytes:
    """The filter for `arch` (default: this machine) as struct sock_filter[] bytes."""
    arch = arch or machine()
    prog = Program()
    prog.load(_ARCH)
    # A syscall from another ABI (int 0x80 on x86_64, arm32 compat on aarch64) uses other numbers:
    # without this check `int 0x80` with eax=102 would be socketcall, unfiltered.
    prog.jeq(AUDIT_ARCH[arch], None, "eperm")
    prog.load(_NR)
    if arch == "x86_64":
        prog.jset(X32_SYSCALL_BIT, "eperm")  # x32 numbers reach the same handlers under other numbers
    denied = DENIED if policy.metadata else (*DENIED, *METADATA, *HOST_IPC)
    verdicts = {nr: "eperm" for name in denied if (nr := number(name, arch)) is not None}
    # clone3 hides its flags behind a pointer seccomp cannot read. ENOSYS, not EPERM: glibc then falls
    # back to clone(), whose flags the filter does check; EPERM would break pthread_create.
    verdicts[required("clone3", arch)] = "enosys"
    # openat2 hides its mode behind a pointer too; ENOSYS makes callers fall back to openat.
    verdicts[required("openat2", arch)] = "enosys"
    for name, index in MODE_ARGUMENT.items():
        nr = number(name, arch)
        if nr is not None and verdicts.get(nr) != "eperm":  # denied outright (no mount namespace) wins
            verdicts[nr] = f"mode{index}"
    for name in ("socket", "clone", "personality", "ioctl"):
        verdicts[required(name, arch)] = name
    _dispatch(prog, sorted(verdicts.items()))
    _argument_rules(prog, policy)
    prog.label("allow")  # BPF jumps only forward: the shared verdicts sit at the end
    prog.ret(RET_ALLOW)
    prog.label("eperm")
    prog.ret(RET_ERRNO | errno.EPERM)
    prog.label("enosys")
    prog.ret(RET_ERRNO | errno.ENOSYS)
    return prog.assemble()


class _SockFprog(ctypes.Structure):
    _fields_ = (("len", ctypes.c_ushort), ("filter", ctypes.c_void_p))


class SeccompFilter:
    """A BPF program held in memory the child inherits, so installing it is a single prctl."""

    def __init__(self, bpf: bytes) -> None:
        if not bpf or len(bpf) % 8:
            raise ValueError("seccomp BPF must be a non-empty array of 8-byte instructions")
        self.bpf = bpf
        self._buffer = ctypes.create_string_buffer(bpf, len(bpf))
        self._fprog = _SockFprog(len(bpf) // 8, ctypes.addressof(self._buffer))
        self._fprog_address = ctypes.addressof(self._fprog)

    @classmethod
    def for_policy(cls, policy: SeccompPolicy) -> SeccompFilter:
        return cls(build_bpf(policy))

    def install(self) -> None:
        """Load the filter into the calling thread; requires no_new_privs (or CAP_SYS_ADMIN)."""
        prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, self._fprog_address)
