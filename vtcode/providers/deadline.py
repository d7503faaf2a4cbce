"""The wall-time deadline of the reply being read, for the wire to enforce on every socket read.

A server that sends only SSE keep-alive comments never yields a chunk, so a deadline checked between chunks
is never checked. The agent sets the deadline around reading a reply (a context variable: it follows the
reply's generator, which runs on the reader's thread); the HTTP transport caps each socket wait at what is
left of it and stops once it has passed, whatever the server sends.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_DEADLINE: ContextVar[float | None] = ContextVar("vtcode_reply_deadline", default=None)


class DeadlineReached(Exception):
    """The reply's wall-time deadline passed while reading it."""


@contextmanager
def reading_until(deadline: float | None) -> Iterator[None]:
    """Every read of the wire inside this block ends by `deadline` (time.monotonic())."""
    token = _DEADLINE.set(deadline)
    try:
        yield
    finally:
        _DEADLINE.reset(token)


def time_left() -> float | None:
    """Seconds until the current deadline (<= 0 once passed), or None when there is none."""
    deadline = _DEADLINE.get()
    return None if deadline is None else deadline - time.monotonic()


def passed() -> bool:
    left = time_left()
    return left is not None and left <= 0
