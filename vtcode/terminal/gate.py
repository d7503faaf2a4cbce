"""While an approval prompt is on the terminal, nothing else writes to it.

A line written after the prompt was drawn (an event from another thread, a provider's warning) could push
the prompt off screen or sit between the question and the answer. The asker holds the gate while the
prompt is up; every other writer goes through `write`, which holds its text back until the prompt is
answered, then writes it in order. The prompt itself is written after everything before it was flushed,
in one piece (see approvals/askers.py).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO


class TerminalGate:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._prompting = threading.Lock()  # one prompt at a time; a second waits for the first
        self._holder: int | None = None
        self._held: list[tuple[TextIO, str]] = []

    @property
    def held(self) -> bool:
        with self._lock:
            return self._holder is not None

    @property
    def holding(self) -> bool:
        """Whether the calling thread is the one holding the terminal for a prompt."""
        with self._lock:
            return self._holder == threading.get_ident()

    @contextmanager
    def standard_streams(self) -> Iterator[None]:
        """sys.stdout and sys.stderr go through the gate while the block runs (the prompt's)."""
        import sys

        saved = sys.stdout, sys.stderr
        if saved[0] is not None:
            sys.stdout = HeldStream(self, saved[0])
        if saved[1] is not None:
            sys.stderr = HeldStream(self, saved[1])
        try:
            yield
        finally:
            sys.stdout, sys.stderr = saved

    def write(self, stream: TextIO, text: str) -> None:
        """Write now, or after the prompt on screen is answered (when another thread holds the gate)."""
        with self._lock:
            if self._holder is not None and self._holder != threading.get_ident():
                self._held.append((stream, text))
                return
            stream.write(text)

    @contextmanager
    def prompt(self) -> Iterator[None]:
        """Hold the terminal for one prompt: writes from other threads wait until it ends."""
        with self._prompting:
            with self._lock:
                self._holder = threading.get_ident()
            try:
                yield
            finally:
                self._release()

    def _release(self) -> None:
        with self._lock:
            self._holder = None
            held, self._held = self._held, []
            for stream, text in held:
                stream.write(text)
            for stream in {id(s): s for s, _ in held}.values():
                stream.flush()


class HeldStream:
    """Stands in for sys.stdout or sys.stderr while a prompt is up: Python-level writes from other threads
    (a warning, a library's log line, a print) wait for the answer like the event lines do."""

    def __init__(self, gate: TerminalGate, stream: TextIO) -> None:
        self._gate = gate
        self._stream = stream

    def write(self, text: str) -> int:
        self._gate.write(self._stream, text)
        return len(text)

    def flush(self) -> None:
        if not self._gate.held or self._gate.holding:
            self._stream.flush()

    def __getattr__(self, name: str) -> object:
        return getattr(self._stream, name)


terminal_gate = TerminalGate()
