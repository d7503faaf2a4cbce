"""The test servers' own hygiene: a server a test stops must never take a later server's connections.

The MCP egress test failed once in six runs of its file because an earlier fixture closed its listening
socket under a thread blocked in accept(): a signal restarted that accept on the same descriptor number,
which then named the egress test's origin server, and the stale thread took the proxy's connection and
closed it unanswered. These tests replay that on purpose: the signal is sent, the number reused."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import signal
import socket
import threading
import time
from collections.abc import Callable, Iterator

import pytest
from helpers.accepting import closing_server, stop_accepting


@pytest.fixture
def restarting_signal() -> Iterator[None]:
    """SIGUSR1 with SA_RESTART, as SIGCHLD-like signals reach the agent's threads: an interrupted accept()
    is restarted by the kernel with the same arguments, the descriptor number included."""
    previous = signal.signal(signal.SIGUSR1, lambda *_: None)
    signal.siginterrupt(signal.SIGUSR1, False)
    yield
    signal.signal(signal.SIGUSR1, previous)


def _stale_server() -> tuple[socket.socket, threading.Thread]:
    """The old fixture's server: accepts in a thread and closes each connection."""
    sock, thread = closing_server("stale-server")
    time.sleep(0.1)  # blocked in accept()
    return sock, thread


def _listener_on(number: int) -> socket.socket:
    """The next test's listening socket, on descriptor `number` (a new socket takes it anyway when it is
    the lowest free one; made sure here)."""
    sock = socket.socket()
    if sock.fileno() != number:
        try:
            fcntl.fcntl(number, fcntl.F_GETFD)
        except OSError as exc:
            if exc.errno != errno.EBADF:
                raise
        else:
            sock.close()
            pytest.skip(f"descriptor {number} was taken by something else meanwhile")
        fresh = os.dup2(sock.fileno(), number)
        sock.close()
        sock = socket.socket(fileno=fresh)
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    return sock


def _replay(stop: Callable[[socket.socket, threading.Thread], None]) -> tuple[str, bool]:
    """Stop the stale server with `stop`, open the next listener on its number, signal the stale thread
    (if it still lives), connect: who got the connection?"""
    old, thread = _stale_server()
    number = old.fileno()
    stop(old, thread)
    listener = _listener_on(number)
    try:
        alive = thread.is_alive()
        if alive:
            signal.pthread_kill(thread.ident or 0, signal.SIGUSR1)
            time.sleep(0.1)
        # The next server does not accept yet: its connection waits in its queue, unless another thread
        # accepts it (and closes it: the client reads EOF or a reset).
        with socket.create_connection(listener.getsockname(), timeout=1.0) as client:
            client.sendall(b"GET / HTTP/1.0\r\n\r\n")
            try:
                client.recv(1)
            except TimeoutError:
                return "the next server", alive
            except ConnectionError:
                pass
            return "another thread", alive
    finally:
        with contextlib.suppress(OSError):
            listener.shutdown(socket.SHUT_RDWR)
        thread.join(5)
        listener.close()


def test_a_stopped_test_server_never_takes_the_next_servers_connections(restarting_signal: None) -> None:
    taker, alive = _replay(stop_accepting)
    assert taker == "the next server" and not alive


def test_a_plain_close_under_a_blocked_accept_lends_the_number(restarting_signal: None) -> None:
    """Why stop_accepting exists (and that the test above can fail): closing alone leaves the thread
    blocked; restarted by the signal, it accepts on the reused number and closes the next server's
    connection unanswered."""
    taker, alive = _replay(lambda sock, _thread: sock.close())
    assert alive and taker == "another thread"
