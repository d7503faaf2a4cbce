"""Start a prepared (confined) launch on pipes or on a PTY, behind one small interface.

Pipes for everything that does not need a terminal: a PTY's line discipline caps throughput near a few
MB/s and rewrites the bytes (CRLF), while a pipe moves hundreds of MB/s. The PTY is for programs that
insist on a terminal, and for the interactive shell session.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import shutil
import signal
import struct
import subprocess
import termios
import time
from collections.abc import Callable, Sequence
from typing import Protocol

from ptyprocess import PtyProcess
from vtcode_hookspecs import PreparedSpawn

from vtcode.api import InvariantError

PIPE_SIZE = 1024 * 1024  # fewer wake-ups per MB than the default 64 KiB
READ_SIZE = 256 * 1024


def shell_argv(command: str | Sequence[str]) -> list[str]:
    """A shell string runs under bash (sh if there is none); an argv runs as given, unparsed."""
    if isinstance(command, str):
        shell = shutil.which("bash", path="/usr/bin:/bin") or "/bin/sh"
        return [shell, "-c", command]
    return list(command)


class Child(Protocol):
    pid: int
    fd: int

    def poll(self) -> int | None: ...

    def signal_group(self, sig: int) -> None: ...

    def close(self) -> None: ...


def _signal_group(pid: int, sig: int) -> None:
    # The child leads its own session and process group (setsid in preexec, or ptyprocess's).
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)


STOP_GRACE_S = 1.0


def _stop_group(pid: int, poll: Callable[[], int | None]) -> None:
    """SIGTERM first, SIGKILL after a grace: the landlock backend's supervisor leads the group and, on
    SIGTERM, kills every descendant itself, daemons that left the group included; a SIGKILL to it first
    would orphan those instead."""
    if poll() is not None:
        return
    _signal_group(pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_GRACE_S
    while time.monotonic() < deadline and poll() is None:
        time.sleep(0.005)
    _signal_group(pid, signal.SIGKILL)


def _launcher(prepared: PreparedSpawn) -> Callable[..., subprocess.Popen[bytes]] | None:
    """The backend's own starter, if it has one (the landlock fork server): it spawns without forking
    vtcode, and raises, running nothing, when it cannot confine the command."""
    launch = getattr(prepared, "launch", None)
    return launch if callable(launch) else None


class PipeChild:
    def __init__(self, prepared: PreparedSpawn) -> None:
        self._proc = prepared.start(stdout=subprocess.PIPE, stderr=subprocess.STDOUT, pipesize=PIPE_SIZE)
        if self._proc.stdout is None:
            raise InvariantError("the command was started without an output pipe")
        self.pid = self._proc.pid
        self.fd = self._proc.stdout.fileno()

    def poll(self) -> int | None:
        code = self._proc.poll()
        return None if code is None else _exit_status(code)

    def signal_group(self, sig: int) -> None:
        _signal_group(self.pid, sig)

    def close(self) -> None:
        _stop_group(self.pid, self._proc.poll)
        self._proc.wait()
        if self._proc.stdout is not None:
            self._proc.stdout.close()


class PtyChild:
    def __init__(self, prepared: PreparedSpawn, dimensions: tuple[int, int] = (40, 200)) -> None:
        launch = _launcher(prepared)
        self._served: subprocess.Popen[bytes] | None = None
        if launch is not None:
            self.fd, self._served = _served_pty(launch, dimensions)
            self.pid = self._served.pid
            return
        self._proc = PtyProcess.spawn(
            list(prepared.argv),
            cwd=prepared.cwd,
            env=prepared.env,
            preexec_fn=prepared.preexec_fn,
            pass_fds=prepared.pass_fds,
            dimensions=dimensions,
            echo=False,
        )
        self.pid = int(self._proc.pid)
        self.fd = int(self._proc.fd)

    def poll(self) -> int | None:
        if self._served is not None:
            code = self._served.poll()
            return None if code is None else _exit_status(code)
        if self._proc.isalive():
            return None
        if self._proc.signalstatus is not None:
            return 128 + int(self._proc.signalstatus)
        return int(self._proc.exitstatus or 0)

    def write(self, data: bytes) -> None:
        os.write(self.fd, data)

    def signal_group(self, sig: int) -> None:
        _signal_group(self.pid, sig)

    def close(self) -> None:
        _stop_group(self.pid, self.poll)
        if self._served is not None:
            self._served.wait()
            fd, self.fd = self.fd, -1  # closed once: a second close would hit whatever took the number
            if fd >= 0:
                with contextlib.suppress(OSError):
                    os.close(fd)
            return
        with contextlib.suppress(Exception):  # ptyprocess raises on an already reaped child
            self._proc.close(force=True)


def _served_pty(
    launch: Callable[..., subprocess.Popen[bytes]], dimensions: tuple[int, int]
) -> tuple[int, subprocess.Popen[bytes]]:
    """A PTY made here, its slave handed to the backend's starter as the child's terminal (what
    ptyprocess does after its fork: window size, echo off, controlling terminal)."""
    master, slave = os.openpty()
    try:
        fcntl.ioctl(master, termios.TIOCSWINSZ, struct.pack("HHHH", dimensions[0], dimensions[1], 0, 0))
        attrs = termios.tcgetattr(slave)
        attrs[3] &= ~termios.ECHO
        termios.tcsetattr(slave, termios.TCSANOW, attrs)
        proc = launch(stdin=slave, stdout=slave, stderr=slave, terminal=True)
    except BaseException:
        os.close(master)
        raise
    finally:
        os.close(slave)
    return master, proc


def _exit_status(code: int) -> int:
    """Popen's negative signal numbers as a shell reports them: 128 + signal."""
    return 128 - code if code < 0 else code


def read_chunk(fd: int) -> bytes:
    """One read; b"" at end of stream (a PTY reports its end as EIO once the last writer is gone)."""
    try:
        return os.read(fd, READ_SIZE)
    except OSError as exc:
        if exc.errno == errno.EIO:
            return b""
        if exc.errno in (errno.EAGAIN, errno.EWOULDBLOCK):
            raise BlockingIOError from exc
        raise
