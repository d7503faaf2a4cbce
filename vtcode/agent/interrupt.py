"""Ctrl-C during a session: stop the current action, never a write to the audit log.

A SIGINT always records that the user asked to stop. It is raised as KeyboardInterrupt only inside
"open" sections (streaming the model's reply, running a tool): that is what breaks a blocking read and what
the bash runner turns into SIGINT for the command's process group. Inside a masked section (every event
the bus writes), it waits until the section ends: a KeyboardInterrupt in the middle of a hash-chained write
would leave a log that no longer verifies.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any


class InterruptGate:
    def __init__(self) -> None:
        self._open = False
        self._received = 0  # SIGINTs received
        self._raised = 0  # SIGINTs delivered as KeyboardInterrupt

    @property
    def requested(self) -> bool:
        """The user asked to stop: the loop ends the session at the next step."""
        return self._received > 0

    def _handler(self, signum: int, frame: FrameType | None) -> None:
        self._received += 1
        if self._open:
            self._raised = self._received
            raise KeyboardInterrupt

    @contextmanager
    def installed(self) -> Iterator[InterruptGate]:
        """Handle SIGINT for the duration (main thread only: elsewhere Python cannot take signals)."""
        if threading.current_thread() is not threading.main_thread():
            yield self
            return
        previous = signal.signal(signal.SIGINT, self._handler)
        try:
            yield self
        finally:
            signal.signal(signal.SIGINT, previous)

    @contextmanager
    def open(self) -> Iterator[None]:
        """A section Ctrl-C may cut short."""
        self._open = True
        try:
            yield
        finally:
            self._open = False

    def masked(self, func: Callable[..., Any]) -> Callable[..., Any]:
        """`func` runs to the end; a Ctrl-C that arrives meanwhile is raised after it, if still open.
        Only the main thread takes signals, so only there is anything to mask: another thread (exec's
        stack opening) emitting meanwhile must neither close the main thread's open section nor raise
        the main thread's Ctrl-C itself."""

        def run(*args: Any, **kwargs: Any) -> Any:
            if threading.current_thread() is not threading.main_thread():
                return func(*args, **kwargs)
            was, self._open = self._open, False
            try:
                return func(*args, **kwargs)
            finally:
                self._open = was
                if was and self._received > self._raised:
                    self._raised = self._received
                    raise KeyboardInterrupt

        return run
