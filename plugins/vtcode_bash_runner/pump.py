"""The read loop of one command: stream output until the end, the deadline or an interrupt.

The end is the stream's EOF, or the main process's exit plus a short grace (a background child may
hold the pipe open forever: it is killed by `release`, not waited for). Ctrl-C in vtcode (a
KeyboardInterrupt here) becomes SIGINT to the command's process group, as a terminal would send it,
with a few seconds for the command to stop before it is killed.
"""

from __future__ import annotations

import os
import select
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass

from .launch import Child, read_chunk

EXIT_GRACE_S = 0.3
INTERRUPT_GRACE_S = 3.0
DRAIN_S = 1.0


@dataclass
class PumpResult:
    exit_code: int | None  # None: still running when we gave up (timeout, interrupt) and was killed
    timed_out: bool = False
    interrupted: bool = False


def pump(
    child: Child,
    on_chunk: Callable[[bytes], None],
    timeout_s: float,
    stop: Callable[[], bool] | None = None,
) -> PumpResult:
    """`stop` is polled between reads: when it says so, the command is interrupted as on Ctrl-C (for a
    UI whose agent runs in a thread, where no signal reaches this loop)."""
    deadline = time.monotonic() + timeout_s
    poller = select.poll()
    poller.register(child.fd, select.POLLIN | select.POLLHUP | select.POLLERR)
    interrupted = False
    exited_at: float | None = None
    eof = False
    while True:
        try:
            if stop is not None and not interrupted and stop():
                raise KeyboardInterrupt
            now = time.monotonic()
            code = child.poll()
            if code is not None and (eof or (exited_at is not None and now - exited_at >= EXIT_GRACE_S)):
                return PumpResult(code, interrupted=interrupted)
            if code is not None and exited_at is None:
                exited_at = now
            if now >= deadline:
                return PumpResult(None, timed_out=not interrupted, interrupted=interrupted)
            if eof:
                time.sleep(min(0.05, deadline - now))
                continue
            if poller.poll(100):
                data = read_chunk(child.fd)
                if data:
                    on_chunk(data)
                else:
                    eof = True
        except KeyboardInterrupt:
            if interrupted:  # a second Ctrl-C: stop waiting
                deadline = time.monotonic()
                continue
            interrupted = True
            child.signal_group(signal.SIGINT)
            deadline = min(deadline, time.monotonic() + INTERRUPT_GRACE_S)


def drain(fd: int, on_chunk: Callable[[bytes], None], limit_s: float = DRAIN_S) -> None:
    """After every process was killed: what is still buffered in the pipe or PTY, without blocking."""
    os.set_blocking(fd, False)
    end = time.monotonic() + limit_s
    while time.monotonic() < end:
        try:
            data = read_chunk(fd)
        except (BlockingIOError, OSError):
            return
        if not data:
            return
        on_chunk(data)
