"""The agent's side of the fork server: start it (vfork+exec, once), send spawn requests, and hand back
a Popen the rest of vtcode already knows how to use.

The protocol is request-reply under a lock, so no reader thread is needed: exit statuses are asked for
once the pidfd the server passed back says the process ended. Any failure of the server (it died, a
reply is garbled, a step failed in the child) raises: the command was not run, and the error is one line.
"""

from __future__ import annotations

import contextlib
import fcntl
import marshal
import os
import select
import signal
import socket
import subprocess
import sys
import threading
import time
import weakref
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import IO, Any

from . import forkserver
from .errors import SandboxUnavailable

SERVER_PATH = forkserver.__file__
START_TIMEOUT_S = 10.0
Steps = list[tuple[Any, ...]]


class ForkServerError(SandboxUnavailable):
    """The fork server could not run a request; nothing was executed."""


class ForkServer:
    """One server process per session, started lazily; `spawn` and `status` are thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sock: socket.socket | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self.pid: int | None = None
        self.starts = 0

    @property
    def running(self) -> bool:
        return self._sock is not None and self._proc is not None and self._proc.poll() is None

    def start(self) -> None:
        with self._lock:
            self._start()

    def _start(self) -> None:
        if self.running:
            return
        self._stop()
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            # No preexec_fn: CPython vforks, so starting the server does not copy the agent either.
            self._proc = subprocess.Popen(
                [sys.executable, "-I", "-S", SERVER_PATH, str(theirs.fileno())],
                pass_fds=(theirs.fileno(),), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL, start_new_session=True, env={"LC_ALL": "C"},
            )
        finally:
            theirs.close()
        ours.settimeout(START_TIMEOUT_S)
        try:
            reply = marshal.loads(ours.recv(4096))  # noqa: S302 - our own server, over a socketpair
        except (OSError, EOFError, ValueError, TypeError) as exc:
            ours.close()
            raise ForkServerError(f"the sandbox fork server did not start: {exc}") from exc
        ours.settimeout(None)
        if not reply or reply[0] != "ready":
            ours.close()
            raise ForkServerError(f"the sandbox fork server did not start: unexpected {reply!r}")
        self._sock, self.pid = ours, reply[1]
        self.starts += 1
        # The server ends on EOF, killing its children; closing the socket at exit is all it needs.
        weakref.finalize(self, ours.close)

    def _exchange(
        self, message: tuple[Any, ...], fds: Sequence[int] = ()
    ) -> tuple[tuple[Any, ...], list[int]]:
        if self._sock is None:
            raise ForkServerError("the sandbox fork server is not running; the command was not run")
        try:
            socket.send_fds(self._sock, [marshal.dumps(message)], list(fds))
            data, got, _, _ = socket.recv_fds(self._sock, 65536, 4, socket.MSG_CMSG_CLOEXEC)
            if not data:
                raise EOFError("connection closed")
            return marshal.loads(data), got  # noqa: S302 - our own server, over a socketpair
        except (OSError, EOFError, ValueError, TypeError) as exc:
            self._stop()
            raise ForkServerError(f"the sandbox fork server failed ({exc}); the command was not run") from exc

    def spawn(
        self, argv: Sequence[str], env: dict[str, str], steps: Steps, fds: Sequence[int]
    ) -> tuple[int, int]:
        """Run argv confined by `steps` with fds[0:3] as its std fds; returns (pid, pidfd).

        Never (re)starts the server: one that died since `start()` denies the command, and the backend
        starts a new one for the next."""
        with self._lock:
            if not self.running:
                self._stop()
                raise ForkServerError(
                    "the sandbox fork server is not running (it died); the command was not run"
                )
            reply, got = self._exchange(("spawn", list(argv), env, steps), fds)
        if reply[0] == "ok" and len(got) == 1:
            return int(reply[1]), got[0]
        for fd in got:
            os.close(fd)
        if reply[0] == "error":
            _, label, code, message = reply
            if label == "exec":  # like Popen: the program could not be executed (ENOENT, EACCES...)
                raise OSError(code, f"{message}: {argv[0]!r}")
            raise ForkServerError(f"sandbox step {label!r} failed in the child: {message}; nothing was run")
        raise ForkServerError(f"the sandbox fork server answered {reply[0]!r}; the command was not run")

    def status(self, pid: int) -> int | None:
        """The exit status of an ended child (-N for signal N), None while it runs."""
        with self._lock:
            reply, got = self._exchange(("status", pid))
        for fd in got:
            os.close(fd)
        return None if reply[1] is None else int(reply[1])

    def _stop(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None
        if self._proc is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._proc.wait(timeout=2)
            if self._proc.poll() is None:
                self._proc.kill()
                self._proc.wait()
            self._proc = None

    def close(self) -> None:
        with self._lock:
            self._stop()


def _pidfd_ready(pidfd: int, timeout_s: float | None) -> bool:
    poller = select.poll()
    poller.register(pidfd, select.POLLIN)
    return bool(poller.poll(None if timeout_s is None else max(0, int(timeout_s * 1000))))


class AdoptedProcess(subprocess.Popen[bytes]):
    """A Popen for a process started by other means (the fork server, the C launcher), so that
    communicate(), context management and the pipes work as for any Popen. Popen.__init__ is not called:
    the process exists already; the state it would have set is set here. `our_child`: a child of this
    process, which Popen's own waitpid may reap."""

    def __init__(self, args: Sequence[str], pid: int, stdin: IO[bytes] | None, stdout: IO[bytes] | None,
                 stderr: IO[bytes] | None, *, our_child: bool) -> None:
        self._waitpid_lock = threading.Lock()
        self._input = None
        self._communication_started = False
        self._sigint_wait_secs = 0.25
        self._closed_child_pipe_fds = True
        self._child_created = our_child
        self.args = list(args)
        self.pid = pid
        self.returncode: int | None = None
        self.stdin, self.stdout, self.stderr = stdin, stdout, stderr
        self.text_mode = False
        self.encoding = self.errors = None
        self.pipesize = -1

    def send_signal(self, sig: int) -> None:
        """The process is the command's supervisor (see forkserver.supervise), which leads its process
        group: SIGTERM, SIGHUP and SIGKILL ask it to kill every descendant (a SIGKILL to it directly would
        orphan a daemon that left the group); any other signal goes to the group, i.e. to the command."""
        if self.poll() is not None:
            return
        stop = sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGKILL)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            if stop:
                self._signal_leader(signal.SIGTERM if sig == signal.SIGKILL else sig)
            else:
                os.killpg(self.pid, sig)
        if sig == signal.SIGKILL:
            deadline = time.monotonic() + 1.0
            while time.monotonic() < deadline and self.poll() is None:
                time.sleep(0.002)
            if self.returncode is None:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(self.pid, signal.SIGKILL)

    def _signal_leader(self, sig: int) -> None:
        os.kill(self.pid, sig)


class ServedProcess(AdoptedProcess):
    """A Popen for a child of the fork server: poll/wait through its pidfd and the server's status,
    signals through pidfd_send_signal (never a recycled pid). Popen.__init__ is not called: the process
    already exists; communicate(), context management and the pipes work as for any Popen."""

    def __init__(self, server: ForkServer, args: Sequence[str], pid: int, pidfd: int,
                 stdin: IO[bytes] | None, stdout: IO[bytes] | None, stderr: IO[bytes] | None) -> None:
        # Popen.__del__ has nothing to reap: the server does
        super().__init__(args, pid, stdin, stdout, stderr, our_child=False)
        self._server = server
        self._pidfd = pidfd
        self._fd_finalizer = weakref.finalize(self, os.close, pidfd)

    def _settle(self) -> int | None:
        if self.returncode is None:
            try:
                self.returncode = self._server.status(self.pid)
            except ForkServerError:
                # The server is gone; PR_SET_PDEATHSIG killed the child with it.
                self.returncode = -signal.SIGKILL
        return self.returncode

    def _internal_poll(self, _deadstate: object = None, **_: object) -> int | None:
        if self.returncode is None and _pidfd_ready(self._pidfd, 0):
            self._settle()
        return self.returncode

    def _wait(self, timeout: float | None) -> int:
        if self.returncode is not None:
            return self.returncode
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            remaining = None if deadline is None else deadline - time.monotonic()
            if remaining is not None and remaining <= 0 and not _pidfd_ready(self._pidfd, 0):
                raise subprocess.TimeoutExpired(self.args, timeout or 0)
            if _pidfd_ready(self._pidfd, remaining):
                code = self._settle()
                if code is not None:
                    return code
                time.sleep(0.001)  # readable but not yet reaped by the server: ask again

    def _signal_leader(self, sig: int) -> None:
        signal.pidfd_send_signal(self._pidfd, sig)  # never a recycled pid


@dataclass
class StdFds:
    """The child's fds 0-2, and the parent's ends of the pipes among them (None where not a pipe)."""

    fds: list[int]
    ours: tuple[IO[bytes] | None, IO[bytes] | None, IO[bytes] | None]


@contextlib.contextmanager
def std_fds(stdin: int | IO[Any] | None, stdout: int | IO[Any] | None, stderr: int | IO[Any] | None,
            pipesize: int = -1) -> Iterator[StdFds]:
    """Popen's stdin/stdout/stderr for a child started by other means (fork server, launcher): the
    child's ends are closed in the parent once the body has handed them over; on failure the parent's
    pipe ends are closed too. stderr may be STDOUT."""
    opened: list[tuple[int, IO[bytes] | None, int | None]] = []
    try:
        opened.append(open_std(stdin, 0))
        opened.append(open_std(stdout, 1, pipesize))
        if stderr == subprocess.STDOUT:
            opened.append((opened[1][0], None, None))
        else:
            opened.append(open_std(stderr, 2, pipesize))
        yield StdFds([o[0] for o in opened], (opened[0][1], opened[1][1], opened[2][1]))
    except BaseException:
        for _, ours, _ in opened:
            if ours is not None:
                ours.close()
        raise
    finally:
        for _, _, close in opened:
            if close is not None:
                os.close(close)


def open_std(spec: int | IO[Any] | None, target: int,
             pipesize: int = -1) -> tuple[int, IO[bytes] | None, int | None]:
    """Popen's stdin/stdout/stderr argument for fd `target` of the child, as (the child's fd, the parent's
    pipe end or None, an fd the parent closes once the request was sent)."""
    if spec == subprocess.PIPE:
        r, w = os.pipe2(os.O_CLOEXEC)
        if pipesize > 0:
            fcntl.fcntl(w, fcntl.F_SETPIPE_SZ, pipesize)
        child, ours = (r, w) if target == 0 else (w, r)
        return child, os.fdopen(ours, "wb" if target == 0 else "rb"), child
    if spec == subprocess.DEVNULL:
        fd = os.open(os.devnull, os.O_RDWR | os.O_CLOEXEC)
        return fd, None, fd
    if spec is None:
        return target, None, None  # inherited, as Popen does
    if isinstance(spec, int):
        return spec, None, None
    return spec.fileno(), None, None


def launch(server: ForkServer, argv: Sequence[str], env: dict[str, str], steps: Steps,
           extra_fds: Sequence[int], stdin: int | IO[Any] | None = subprocess.DEVNULL,
           stdout: int | IO[Any] | None = subprocess.PIPE,
           stderr: int | IO[Any] | None = subprocess.PIPE, pipesize: int = -1) -> ServedProcess:
    """Start argv through the server; `steps` name `extra_fds` by index 3, 4...; stderr may be STDOUT."""
    with std_fds(stdin, stdout, stderr, pipesize) as std:
        pid, pidfd = server.spawn(argv, env, steps, [*std.fds, *extra_fds])
    return ServedProcess(server, argv, pid, pidfd, *std.ours)
