"""The seccomp filter: its syscall tables, its assembly, and the kernel's verdicts in real children.

Fixtures come from conftest.py (typed Any: the rootdir conftest shadows ours as a module name).
"""

from __future__ import annotations

import os
import platform
import struct
import sys
from typing import Any

import pyseccomp
import pytest
from vtcode_landlock import seccomp as sc
from vtcode_landlock.bpf import Program
from vtcode_landlock.seccomp import DENIED, SeccompPolicy, build_bpf
from vtcode_landlock.syscalls import AUDIT_ARCH, NUMBERS, number

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="seccomp is a Linux kernel feature")
ON_X86_64 = pytest.mark.skipif(platform.machine() != "x86_64", reason="int 0x80 and x32 exist only on x86_64")


# Added to Linux after the libseccomp that pyseccomp bundles: numbered in the kernel's generic table
# (include/uapi/asm-generic/unistd.h), the same on both architectures.
NEWER_THAN_LIBSECCOMP = {"setxattrat": 463, "removexattrat": 466}


@pytest.mark.parametrize(("arch", "column"), [(pyseccomp.Arch.X86_64, 0), (pyseccomp.Arch.AARCH64, 1)])
def test_syscall_numbers_match_libseccomp(arch: int, column: int) -> None:
    for name, numbers in NUMBERS.items():
        expected = pyseccomp.resolve_syscall(arch, name)  # negative: no such syscall on this arch
        if expected < 0 and name in NEWER_THAN_LIBSECCOMP:
            expected = NEWER_THAN_LIBSECCOMP[name]
        assert numbers[column] == (expected if expected >= 0 else None), name


@pytest.mark.parametrize("arch", ["x86_64", "aarch64"])
def test_filter_assembles_for_each_architecture(arch: str) -> None:
    bpf = build_bpf(SeccompPolicy(network=True, unix_sockets=True), arch)
    assert len(bpf) % 8 == 0
    first_k = struct.unpack("=HBBI", bpf[8:16])[3]
    assert first_k == {"x86_64": 0xC000003E, "aarch64": 0xC00000B7}[arch]  # the arch check comes first


def _run_bpf(bpf: bytes, data: bytes) -> int:
    """A classic-BPF interpreter for the instructions bpf.py emits, run on one struct seccomp_data."""
    code = [struct.unpack("=HBBI", bpf[i:i + 8]) for i in range(0, len(bpf), 8)]
    pc, acc = 0, 0
    while True:
        op, jt, jf, k = code[pc]
        if op == 0x20:
            acc = struct.unpack("=I", data[k:k + 4])[0]
        elif op == 0x54:
            acc &= k
        elif op in (0x15, 0x35, 0x45):
            hit = acc == k if op == 0x15 else acc >= k if op == 0x35 else bool(acc & k)
            pc += jt if hit else jf
        elif op == 0x06:
            return k
        else:
            raise AssertionError(f"unexpected BPF opcode {op:#x}")
        pc += 1


def _expected(policy: SeccompPolicy, arch: str, nr: int, args: tuple[int, ...]) -> str:
    """The filter's contract, written out plainly (the program is a search tree: check it against this)."""
    if arch == "x86_64" and nr & sc.X32_SYSCALL_BIT:
        return "EPERM"
    name = {n: name for name in NUMBERS if (n := number(name, arch)) is not None}.get(nr)
    if name in DENIED or (not policy.metadata and name in (*sc.METADATA, *sc.HOST_IPC)):
        return "EPERM"
    if name in ("clone3", "openat2"):
        return "ENOSYS"
    low = [a & 0xFFFFFFFF for a in args]
    if name in sc.MODE_ARGUMENT:  # no set-uid or set-gid bit, wherever a mode is given
        return "EPERM" if low[sc.MODE_ARGUMENT[name]] & sc.SETID_BITS else "ALLOW"
    if name == "socket":
        if low[0] == sc.AF_UNIX:
            return "ALLOW" if policy.unix_sockets else "EPERM"
        if policy.network and low[0] in (sc.AF_INET, sc.AF_INET6):
            kind = low[1] & sc.SOCK_TYPE_MASK
            return "ALLOW" if kind in (sc.SOCK_STREAM, sc.SOCK_DGRAM, sc.SOCK_SEQPACKET) else "EPERM"
        if policy.network and low[0] == sc.AF_NETLINK:
            return "ALLOW" if low[2] == sc.NETLINK_ROUTE else "EPERM"
        return "EPERM"
    if name == "clone":
        return "EPERM" if low[0] & sc.CLONE_NAMESPACES else "ALLOW"
    if name == "personality":
        return "ALLOW" if low[0] in sc.PERSONALITY_ALLOWED else "EPERM"
    if name == "ioctl":
        return "EPERM" if low[1] in (sc.TIOCSTI, sc.TIOCLINUX) else "ALLOW"
    return "ALLOW"


@pytest.mark.parametrize("arch", ["x86_64", "aarch64"])
@pytest.mark.parametrize("network", [False, True])
def test_the_search_tree_gives_every_syscall_its_verdict(arch: str, network: bool) -> None:
    # network=True also drops the metadata calls (the no-mount-namespace filter): both shapes checked.
    policy = SeccompPolicy(network=network, unix_sockets=network, metadata=not network)
    bpf = build_bpf(policy, arch)
    verdicts = {sc.RET_ALLOW: "ALLOW", sc.RET_ERRNO | 1: "EPERM", sc.RET_ERRNO | 38: "ENOSYS"}
    samples = [(0,) * 6, (sc.AF_UNIX, sc.SOCK_STREAM, 0, 0, 0, 0), (sc.AF_INET, 3, 0, 0, 0, 0),
               (sc.AF_INET6, sc.SOCK_DGRAM | 0x80000, 0, 0, 0, 0), (sc.AF_NETLINK, 3, 0, 0, 0, 0),
               (sc.AF_NETLINK, 3, 9, 0, 0, 0), (0x1_0000_0002, 1, 0, 0, 0, 0), (0x10000000, 0, 0, 0, 0, 0),
               (0x8, sc.TIOCSTI, 0, 0, 0, 0), (0x0040000, 0x5401, 0, 0, 0, 0),
               (3, 0o4755, 0o2755, 0o644, 0, 0), (0, 0o755, 0o755, 0o6755, 0, 0)]
    numbers = [*range(1100), *(n | sc.X32_SYSCALL_BIT for n in range(0, 600, 7)), 0xFFFFFFFF]
    for nr in numbers:
        for args in samples:
            data = struct.pack("=IIQ6Q", nr, AUDIT_ARCH[arch], 0, *(a & (2**64 - 1) for a in args))
            got = verdicts[_run_bpf(bpf, data)]
            assert got == _expected(policy, arch, nr, args), (nr, args)
    foreign = struct.pack("=IIQ6Q", 0, 0x40000003, 0, *(0,) * 6)  # i386 / int 0x80
    assert verdicts[_run_bpf(bpf, foreign)] == "EPERM"


def test_assembler_refuses_backward_and_unknown_jumps() -> None:
    prog = Program()
    prog.label("start")
    prog.load(0)
    prog.jeq(1, "start")
    with pytest.raises(ValueError, match="forward"):
        prog.assemble()
    prog = Program()
    prog.jeq(1, "nowhere")
    with pytest.raises(ValueError, match="never defined"):
        prog.assemble()


def test_every_denied_syscall_gets_eperm(confine: Any, child: Any) -> None:
    # All-ones arguments: should the filter ever fail, the kernel rejects them (EINVAL/EFAULT/EBADF)
    # instead of, say, renaming the host or disabling accounting.
    numbers = {name: number(name) for name in DENIED if number(name) is not None}
    got = child(confine(), f"""
        for name, nr in {numbers!r}.items():
            attempt(name, lambda: sys_call(nr, -1, -1, -1, -1, -1, -1))
    """)
    assert got == dict.fromkeys(numbers, "EPERM")


def test_namespaces_ptrace_and_mounts_are_denied(confine: Any, child: Any, run: Any) -> None:
    clone, clone3 = number("clone"), number("clone3")
    got = child(confine(), f"""
        import subprocess, threading, time
        CLONE_NEWUSER, SIGCHLD = 0x10000000, 17
        attempt("clone_newuser", lambda: sys_call({clone}, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0))
        attempt("clone3", lambda: sys_call({clone3}, 0, 0))
        attempt("unshare", lambda: sys_call({number("unshare")}, CLONE_NEWUSER))
        attempt("mount", lambda: libc.mount(b"none", b"/mnt", b"tmpfs", 0, None) == 0 or
                (_ for _ in ()).throw(OSError(ctypes.get_errno(), "mount")))
        sleeper = subprocess.Popen(["/bin/sleep", "30"])   # glibc posix_spawn: clone3 -> ENOSYS -> clone
        PTRACE_ATTACH = 16
        attempt("ptrace_sibling", lambda: sys_call({number("ptrace")}, PTRACE_ATTACH, sleeper.pid, 0, 0))
        sleeper.kill()
        results = []
        thread = threading.Thread(target=results.append, args=(1,))
        thread.start(); thread.join()
        print("threads=" + ("ok" if results == [1] else "broken"))
    """)
    assert got == {"clone_newuser": "EPERM", "clone3": "ENOSYS", "unshare": "EPERM", "mount": "EPERM",
                   "ptrace_sibling": "EPERM", "threads": "ok"}
    result = run(confine(), ["unshare", "-U", "-r", "true"])
    assert result.returncode != 0
    assert "Operation not permitted" in result.stderr


def test_io_uring_is_denied(confine: Any, child: Any) -> None:
    # io_uring performs socket and file operations that seccomp never sees.
    got = child(confine(), f"""
        params = ctypes.create_string_buffer(120)
        attempt("io_uring_setup", lambda: sys_call({number("io_uring_setup")}, 8, ctypes.addressof(params)))
    """)
    assert got == {"io_uring_setup": "EPERM"}


def test_personality_query_allowed_and_changes_denied(confine: Any, child: Any) -> None:
    nr = number("personality")
    got = child(confine(), f"""
        ADDR_NO_RANDOMIZE = 0x0040000
        attempt("query", lambda: sys_call({nr}, 0xFFFFFFFF))
        attempt("linux", lambda: sys_call({nr}, 0))
        attempt("no_aslr", lambda: sys_call({nr}, ADDR_NO_RANDOMIZE))
        # The kernel reads an unsigned int: garbage in the upper half must not hide the value.
        attempt("no_aslr_high_bits", lambda: sys_call({nr}, (1 << 32) | ADDR_NO_RANDOMIZE))
    """)
    assert got == {"query": "ok", "linux": "ok", "no_aslr": "EPERM", "no_aslr_high_bits": "EPERM"}


def test_terminal_injection_is_denied(confine: Any, child: Any) -> None:
    # The command's terminal (a PTY the test made) is its stdin, as the runner's terminal mode does.
    master, slave = os.openpty()
    try:
        got = child(confine(), """
            import fcntl, termios
            attempt("tiocsti", lambda: fcntl.ioctl(0, termios.TIOCSTI, b"x"))
            attempt("tcgets", lambda: termios.tcgetattr(0))
        """, stdin=slave)
    finally:
        os.close(master)
        os.close(slave)
    assert got == {"tiocsti": "EPERM", "tcgets": "ok"}


@ON_X86_64
def test_foreign_abi_syscalls_are_denied(confine: Any, child: Any) -> None:
    # int 0x80 enters the i386 table (102 = socketcall there); x32 numbers reach the same handlers.
    got = child(confine(), """
        import mmap
        code = bytes([0xB8, 20, 0, 0, 0, 0xCD, 0x80, 0xC3])  # mov eax, 20 (i386 getpid); int 0x80; ret
        page = mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
        page.write(code)
        int80 = ctypes.CFUNCTYPE(ctypes.c_int)(ctypes.addressof(ctypes.c_char.from_buffer(page)))
        print(f"int80={int80()}")
        attempt("x32_getpid", lambda: sys_call(39 | 0x40000000))
    """)
    assert got == {"int80": "-1", "x32_getpid": "EPERM"}  # -1 is -EPERM as the raw syscall returns it
