"""SIGTERM and SIGHUP end a session the way Ctrl-C does, so its audit log is flushed and closed.

Python's default for both is to die on the spot: buffered events lost, no `session.ended`, a log that
verifies INCOMPLETE. A closed terminal (SIGHUP) or `kill` (SIGTERM) is an ordinary way for a session to
end, so `ends_like_ctrl_c` hands both to whatever handles SIGINT at that moment: the agent's interrupt
gate while a run is under way (which never cuts a write to the log short, see agent/interrupt.py),
Python's KeyboardInterrupt otherwise. `held` keeps every one of them out while the log is being closed.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import FrameType

TERMINATING = (signal.SIGTERM, signal.SIGHUP)
ENDING = (signal.SIGINT, *TERMINATING)
_CAUSES = {signal.SIGTERM: "ended by SIGTERM (kill)", signal.SIGHUP: "ended by SIGHUP (the terminal closed)"}
_forwarded: list[int] = []  # the terminating signal being handled as Ctrl-C, if any


def interrupt_cause() -> str:
    """What an interruption was, in words for the run's end: the record must not say a person pressed
    Ctrl-C when `kill` or a closed terminal ended it."""
    if _forwarded:
        return _CAUSES.get(signal.Signals(_forwarded[0]), "ended by a signal")
    return "interrupted by the user (Ctrl-C)"


@dataclass
class Received:
    """The first terminating signal that arrived, if any (the exit status is 128 + its number)."""

    signum: int | None = None

    @property
    def exit_status(self) -> int | None:
        return None if self.signum is None else 128 + self.signum

    @property
    def name(self) -> str:
        return signal.Signals(self.signum).name if self.signum is not None else ""


@contextmanager
def ends_like_ctrl_c() -> Iterator[Received]:
    """For the duration, SIGTERM and SIGHUP act as SIGINT (main thread only, where signals land)."""
    received = Received()
    if threading.current_thread() is not threading.main_thread():
        yield received
        return

    def forward(signum: int, frame: FrameType | None) -> None:
        received.signum = received.signum or signum
        if not _forwarded:
            _forwarded.append(signum)
        current = signal.getsignal(signal.SIGINT)
        if callable(current):
            current(signal.SIGINT, frame)
        else:  # SIGINT ignored (a background job): a termination still ends the session cleanly
            raise KeyboardInterrupt

    previous = {signum: signal.signal(signum, forward) for signum in TERMINATING}
    try:
        yield received
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        _forwarded.clear()


@contextmanager
def held() -> Iterator[None]:
    """Ctrl-C, SIGTERM and SIGHUP wait until the block ends (closing the audit log must not be cut short),
    then arrive as they would have. (Masking the main thread's signals would not do: Python runs its
    handlers on the main thread whichever thread the kernel picked.)"""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    pending: list[int] = []

    def note(signum: int, frame: FrameType | None) -> None:
        pending.append(signum)

    previous = {signum: signal.signal(signum, note) for signum in ENDING}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        if pending:
            signal.raise_signal(pending[0])


def settle_std_streams() -> None:
    """Before exiting: flush stdout and stderr, and where the terminal is gone (SIGHUP closed it) put
    /dev/null in their place, so Python's own flush at exit cannot turn the status into 120."""
    import os
    import sys

    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        try:
            stream.flush()
        except (OSError, ValueError):
            setattr(sys, name, open(os.devnull, "w"))  # noqa: SIM115 - lives until the interpreter ends
