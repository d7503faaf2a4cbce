"""The sandbox fork server: a small process that forks, confines and execs on the agent's behalf.

Why: a confined spawn needs code between fork and exec, so CPython must fork() the agent instead of
vfork(); copying a large agent's page tables costs milliseconds. This process is started once per session
(`python -I -S <this file> FD`, by vfork+exec), imports only the standard library, and forks itself instead.

It is a dumb executor: the parent compiles the confinement into a list of steps (program.py) and sends,
over a SOCK_SEQPACKET socket, `("spawn", argv, env, steps)` with the child's fds as SCM_RIGHTS (stdin,
stdout, stderr, then the Landlock ruleset and the cgroup.procs fd the steps name by index). The child runs
the steps in order, closes every other fd, execs, and reports a failure through a CLOEXEC pipe: nothing is
exec'd unless every step succeeded. A step is `(label, op, *args)`; the label names it in errors.
Replies: `("ok", pid)` with a pidfd, or `("error", step, errno, msg)`.
`("status", pid)` answers with the exit status once the child was reaped (None while it runs).
Children get PR_SET_PDEATHSIG(SIGKILL) until a command's supervisor takes over (see supervise()): if the
server dies, its commands die with it. EOF on the socket (the agent went away, SIGKILL included) stops every
child still running with SIGTERM (a supervisor then kills all the command's descendants) and ends the
server.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import gc
import marshal
import os
import resource
import select
import signal
import socket
import struct
import sys
import time
from collections.abc import Callable
from typing import Any

MAX_MESSAGE = 1 << 20
MAX_FDS = 16
PR_SET_PDEATHSIG, PR_SET_DUMPABLE, PR_CAPBSET_DROP, PR_SET_CHILD_SUBREAPER = 1, 4, 24, 36
PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 22, 2
TIOCSCTTY = 0x540E
_NR = {"x86_64": {"capget": 125, "capset": 126}, "aarch64": {"capget": 90, "capset": 91}}
_LANDLOCK_RESTRICT_SELF = 446
_MOUNT_SETATTR = 442
_AT_FDCWD = -100
_CAPABILITY_VERSION_3 = 0x20080522

_libc = ctypes.CDLL(None, use_errno=True)
_libc.syscall.restype = ctypes.c_long
_libc.prctl.argtypes = (ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong)
_libc.mount.argtypes = (ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong, ctypes.c_char_p)
_libc.unshare.argtypes = (ctypes.c_int,)


def _check(result: int, what: str) -> int:
    if result < 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")
    return result


def _syscall(nr: int, *args: int, what: str) -> int:
    return _check(_libc.syscall(ctypes.c_long(nr), *(ctypes.c_long(a) for a in args)), what)


def _prctl(option: int, arg2: int = 0, arg3: int = 0) -> int:
    return _check(_libc.prctl(option, arg2, arg3, 0, 0), f"prctl({option})")


class _SockFprog(ctypes.Structure):
    _fields_ = (("len", ctypes.c_ushort), ("filter", ctypes.c_void_p))


def _cap_trim(keep_low: int, keep_high: int) -> Callable[[], None]:
    """Keep only `keep` in the effective and permitted sets; clear inheritable (see capabilities.py)."""
    arch = os.uname().machine
    header = (ctypes.c_uint32 * 2)(_CAPABILITY_VERSION_3, 0)
    data = (ctypes.c_uint32 * 6)()
    get, put = _NR[arch]["capget"], _NR[arch]["capset"]
    addresses = (ctypes.addressof(header), ctypes.addressof(data))

    def trim() -> None:
        if header[0] != _CAPABILITY_VERSION_3:  # also keeps `header` alive: `addresses` points into it
            raise OSError(errno.EINVAL, "capability header was overwritten")
        _syscall(get, *addresses, what="capget")
        for word, keep in ((0, keep_low), (1, keep_high)):
            data[3 * word] &= keep
            data[3 * word + 1] &= keep
            data[3 * word + 2] = 0
        _syscall(put, *addresses, what="capset")

    return trim


def _capbset_drop(caps: tuple[int, ...]) -> None:
    for cap in caps:
        try:
            _prctl(PR_CAPBSET_DROP, cap)
        except OSError as exc:
            if exc.errno != errno.EINVAL:  # a capability this kernel does not know
                raise


_SIOCSIFFLAGS = 0x8914
_LISTEN_BACKLOG = 512


def hand_over_listener(channel_fd: int, port: int) -> None:
    """In the new namespace: lo up, listen on 127.0.0.1:port, send the listener to the agent, close ours."""
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        up = struct.pack("16sH22x", b"lo", 0x1 | 0x40)  # struct ifreq: IFF_UP | IFF_RUNNING
        fcntl.ioctl(probe.fileno(), _SIOCSIFFLAGS, up)
    finally:
        probe.close()
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        listener.bind(("127.0.0.1", port))
        listener.listen(_LISTEN_BACKLOG)
        channel = socket.socket(fileno=os.dup(channel_fd))
        try:
            socket.send_fds(channel, [b"L"], [listener.fileno()])
        finally:
            channel.close()
    finally:
        listener.close()


def _write_proc(name: bytes, data: bytes) -> None:
    fd = os.open(b"/proc/self/" + name, os.O_WRONLY | os.O_CLOEXEC)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)


def _seccomp(bpf: bytes) -> Callable[[], None]:
    if not bpf or len(bpf) % 8:
        raise ValueError("seccomp BPF must be a non-empty array of 8-byte instructions")
    buffer = ctypes.create_string_buffer(bpf, len(bpf))
    prog = _SockFprog(len(bpf) // 8, ctypes.addressof(buffer))
    address = ctypes.addressof(prog)

    def install() -> None:
        if prog.filter != ctypes.addressof(buffer):  # also keeps both alive: `address` points into them
            raise OSError(errno.EINVAL, "seccomp program was overwritten")
        _prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, address)

    return install


def _mount_setattr(path: bytes, flags: int, attr_set: int, attr_clr: int) -> Callable[[], None]:
    """mount_setattr(2) with its struct mount_attr made before fork."""
    attr = (ctypes.c_uint64 * 4)(attr_set, attr_clr, 0, 0)
    target = ctypes.create_string_buffer(path)

    def call() -> None:
        _check(_libc.syscall(ctypes.c_long(_MOUNT_SETATTR), ctypes.c_long(_AT_FDCWD), target,
                             ctypes.c_long(flags), attr, ctypes.c_long(ctypes.sizeof(attr))),
               f"mount_setattr {path!r}")

    return call


# -- the supervisor: a per-command subreaper (also used by the direct path, confine.Confinement.preexec) --

_CATCHABLE = frozenset(signal.valid_signals()) - {signal.SIGKILL, signal.SIGSTOP}
# The supervisor's PR_SET_PDEATHSIG: a real-time signal nothing else sends (the C launcher uses the same).
PARENT_GONE = 40


def supervise(parent: int) -> None:
    """Fork. The child returns (to run the remaining steps and exec the command); this process becomes its
    supervisor and never returns.

    The supervisor is a subreaper, so every orphaned descendant (a setsid() daemon included) is re-parented
    to it rather than to init; it forks before landlock_restrict_self, so Landlock's signal scope keeps the
    command from killing it; it holds no fd. When the command exits it SIGKILLs every child left, adopted
    ones included, reaps them, and exits with the command's status (dying of the same signal if it did).
    SIGTERM or SIGHUP (the agent stopping the command) make it kill everything at once. Other signals reach
    the command through its process group and are consumed here.

    `parent` is the process that must stay alive (the agent, or the fork server), known before the fork
    that made this process: when it dies by any means, SIGKILL included, PR_SET_PDEATHSIG sends
    PARENT_GONE and everything is killed as for SIGTERM. PDEATHSIG also fires when only the parent's
    *thread* that forked exits; the parent is gone only when getppid() no longer returns it (a dead
    thread's children are re-parented to another thread of the same process)."""
    me = os.getpid()
    _prctl(PR_SET_CHILD_SUBREAPER, 1)
    old = signal.pthread_sigmask(signal.SIG_BLOCK, _CATCHABLE)
    _prctl(PR_SET_PDEATHSIG, PARENT_GONE)
    if os.getppid() != parent:  # it died before the line above: nothing would tell us
        raise OSError(errno.ESRCH, "the agent is gone")
    pid = os.fork()
    if pid == 0:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)
        _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != me:
            raise OSError(errno.ESRCH, "the supervisor is gone")
        return
    os.closerange(0, 1 << 20)  # the error pipe too: EOF there must mean the command was exec'd
    status, stop = 0, 0
    try:
        while True:
            signo = signal.sigwaitinfo(_CATCHABLE).si_signo
            if signo == signal.SIGCHLD:
                done = _reap_nohang(pid)
                if done is not None:
                    status = done
                    break
            elif signo in (signal.SIGTERM, signal.SIGHUP):
                stop = signo
                break
            elif signo == PARENT_GONE and os.getppid() != parent:
                stop = signal.SIGTERM
                break
        kill_children(me)
    finally:
        by = stop or (os.WTERMSIG(status) if os.WIFSIGNALED(status) else 0)
        if by:
            signal.signal(by, signal.SIG_DFL)
            os.kill(me, by)
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {by})
        os._exit(128 + by if by else os.WEXITSTATUS(status))


def _reap_nohang(main: int) -> int | None:
    """Reap what has exited; the main child's wait status once it has (or -1 if it vanished)."""
    found: int | None = None
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return found if found is not None else 0
        if pid == 0:
            return found
        if pid == main:
            found = status


def kill_children(me: int) -> None:
    """SIGKILL and reap every child of this process (own and adopted) until none is left."""
    path = f"/proc/self/task/{me}/children"
    while True:
        try:
            with open(path, "rb") as f:
                pids = f.read().split()
        except OSError:
            return  # no children file: the agent's cgroup or process-group kill remains
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(pid), signal.SIGKILL)
        try:
            os.waitpid(-1, 0)
        except ChildProcessError:
            return


def compile_step(step: tuple[Any, ...], fds: list[int]) -> Callable[[], object]:
    """One step `(op, *args)` as a call the child makes. Built before fork, so the child allocates
    little (each allocation after fork can copy a page) and only makes syscalls."""
    op, args = step[0], step[1:]
    server = os.getpid()  # compiled in the server, before the fork: the supervisor's parent
    simple: dict[str, Callable[..., object]] = {
        "prctl": lambda option, arg2, arg3: _prctl(option, arg2, arg3),
        "capbset_drop": _capbset_drop,
        "setsid": os.setsid,
        "setpgid": lambda: os.setpgid(0, 0),
        "tty": lambda: fcntl.ioctl(0, TIOCSCTTY, 0),
        "write_fd": lambda index, data: os.write(fds[index], data),
        "umask": os.umask,
        "unshare": lambda flags: _check(_libc.unshare(flags), "unshare"),
        "write_proc": _write_proc,
        "mount": lambda src, target, flags: _check(_libc.mount(src, target, None, flags, None),
                                                   f"mount {target!r}"),
        "supervise": lambda: supervise(server),
        "egress_listener": lambda index, port: hand_over_listener(fds[index], port),
        "setrlimit": lambda res, soft, hard: resource.setrlimit(res, (soft, hard)),
        "chdir": os.chdir,
        "landlock": lambda index, flags: _syscall(_LANDLOCK_RESTRICT_SELF, fds[index], flags,
                                                  what="landlock_restrict_self"),
    }
    if op == "cap_trim":
        return _cap_trim(*args)
    if op == "seccomp":
        return _seccomp(*args)
    if op == "mount_setattr":
        return _mount_setattr(*args)
    if op not in simple:
        raise ValueError(f"unknown sandbox step {op!r}")
    fn = simple[op]
    return lambda: fn(*args)


def _exec_candidates(argv0: str, env: dict[str, str]) -> list[str]:
    """Where execvpe would look, computed before fork."""
    if os.path.dirname(argv0):
        return [argv0]
    return [os.path.join(d, argv0) for d in os.get_exec_path(env)]


def _child(argv: list[str], env: dict[str, str], calls: list[tuple[str, Callable[[], object]]],
           fds: list[int], errw: int, server: int, candidates: list[str]) -> None:
    """Runs in the forked child: std fds, every step, close the rest, exec. Never returns."""
    label = "fds"
    try:
        _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != server:  # the server died before the line above: do not run orphaned
            raise OSError(errno.ESRCH, "the fork server is gone")
        for sig in (signal.SIGPIPE, signal.SIGXFSZ, signal.SIGINT):  # Python ignores these
            signal.signal(sig, signal.SIG_DFL)
        for target in range(3):
            os.dup2(fds[target], target)  # inheritable
        for step_label, call in calls:
            label = step_label
            call()
        label = "exec"
        os.closerange(3, errw)
        os.closerange(errw + 1, 1 << 20)
        error: OSError = FileNotFoundError(errno.ENOENT, "No such file or directory")
        for path in candidates:
            try:
                os.execve(path, argv, env)  # noqa: S606 - argv is the command the policy approved
            except (FileNotFoundError, NotADirectoryError):
                continue
            except OSError as exc:  # EACCES and the like: remember it, try the next directory
                error = exc
        raise error
    except BaseException as exc:  # every failure is reported; nothing is exec'd
        code = exc.errno if isinstance(exc, OSError) and exc.errno else 0
        message = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        try:
            os.write(errw, marshal.dumps((label, code, message[:500])))
        finally:
            os._exit(127)


class Server:
    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.children: dict[int, int] = {}  # pid -> the server's pidfd
        self.status: dict[int, int] = {}  # pid -> exit status (waitstatus_to_exitcode) once reaped
        self.poller = select.poll()
        self.poller.register(sock.fileno(), select.POLLIN)

    def serve(self) -> None:
        while True:
            for fd, _ in self.poller.poll():
                if fd == self.sock.fileno():
                    if not self._request():
                        self._shutdown()
                        return
                else:
                    self._reap_fd(fd)

    def _reap_fd(self, pidfd: int) -> None:
        for pid, fd in list(self.children.items()):
            if fd == pidfd:
                self._reap(pid, block=True)

    def _reap(self, pid: int, block: bool) -> None:
        try:
            done, status = os.waitpid(pid, 0 if block else os.WNOHANG)
        except ChildProcessError:
            done, status = pid, 0
        if done == 0:
            return
        self.status[pid] = os.waitstatus_to_exitcode(status)
        fd = self.children.pop(pid)
        self.poller.unregister(fd)
        os.close(fd)

    def _request(self) -> bool:
        try:
            data, fds, _, _ = socket.recv_fds(self.sock, MAX_MESSAGE, MAX_FDS, socket.MSG_CMSG_CLOEXEC)
        except ConnectionError:
            return False
        if not data:
            return False
        try:
            request = marshal.loads(data)  # noqa: S302 - the peer is the agent, over a socketpair
            if request[0] == "spawn":
                self._spawn(request, fds)
            elif request[0] == "status":
                pid = request[1]
                if pid in self.children:
                    self._reap(pid, block=False)
                self._reply(("status", self.status.pop(pid, None) if pid not in self.children else None))
            else:
                self._reply(("error", "request", errno.EINVAL, f"unknown request {request[0]!r}"))
        finally:
            for fd in fds:
                os.close(fd)
        return True

    def _reply(self, message: tuple[Any, ...], fds: tuple[int, ...] = ()) -> None:
        socket.send_fds(self.sock, [marshal.dumps(message)], list(fds))

    def _spawn(self, request: tuple[Any, ...], fds: list[int]) -> None:
        if len(fds) < 3:
            self._reply(("error", "request", errno.EINVAL, "a spawn needs stdin, stdout and stderr fds"))
            return
        _, argv, env, steps = request
        try:
            calls = [(step[0], compile_step(step[1:], fds)) for step in steps]
            candidates = _exec_candidates(argv[0], env)
        except (ValueError, TypeError, IndexError) as exc:
            self._reply(("error", "request", errno.EINVAL, f"malformed spawn request: {exc}"))
            return
        errr, errw = os.pipe2(os.O_CLOEXEC)
        try:
            pid = os.fork()
        except OSError as exc:
            os.close(errr)
            os.close(errw)
            self._reply(("error", "fork", exc.errno or 0, str(exc)))
            return
        if pid == 0:
            os.close(errr)
            _child(argv, env, calls, fds, errw, os.getppid(), candidates)
        os.close(errw)
        with os.fdopen(errr, "rb") as pipe:
            failure = pipe.read()  # EOF at exec (CLOEXEC) or after the child reported a failed step
        if failure:
            os.waitpid(pid, 0)
            label, code, message = marshal.loads(failure)  # noqa: S302 - our own child
            self._reply(("error", label, code, message))
            return
        pidfd = os.pidfd_open(pid)
        self.children[pid] = pidfd
        self.poller.register(pidfd, select.POLLIN)
        self._reply(("ok", pid), (pidfd,))

    def _shutdown(self, grace_s: float = 1.0) -> None:
        """SIGTERM, not SIGKILL, to each child: a child is a command's supervisor, which kills every
        descendant (setsid daemons included) before it exits; killed outright it would leave them to init.
        A child still running after `grace_s` is killed."""
        self.poller.unregister(self.sock.fileno())  # at EOF it would wake the wait below at once, forever
        for fd in list(self.children.values()):
            with contextlib.suppress(ProcessLookupError):
                signal.pidfd_send_signal(fd, signal.SIGTERM)
        deadline = time.monotonic() + grace_s
        while self.children and time.monotonic() < deadline:
            for fd, _ in self.poller.poll(max(1, int((deadline - time.monotonic()) * 1000))):
                self._reap_fd(fd)
        for pid, fd in list(self.children.items()):
            with contextlib.suppress(ProcessLookupError):
                signal.pidfd_send_signal(fd, signal.SIGKILL)
            self._reap(pid, block=True)


def main(argv: list[str]) -> int:
    sock = socket.socket(fileno=int(argv[1]))
    _prctl(PR_SET_DUMPABLE, 0)  # like the agent: no ptrace attach by same-uid processes
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    gc.disable()  # no collection pass in a child between fork and exec
    gc.freeze()
    socket.send_fds(sock, [marshal.dumps(("ready", os.getpid()))], [])
    Server(sock).serve()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
