"""Stopping a test server whose thread is blocked in accept(), without lending its descriptor number.

Closing a listening socket does not wake a thread blocked in accept() on it. The kernel restarts that
accept after the next signal the thread takes (SIGCHLD from a sandboxed child, with SA_RESTART) on the
same descriptor *number*, which by then may name the next test's listening socket: the stale thread then
takes that server's connections and closes them unanswered (the egress-proxy test's "Remote end closed
connection without response", once in six runs). `stop_accepting` wakes the thread first (shutdown makes
the blocked accept fail), waits for it to end, and only then closes.
"""

from __future__ import annotations

import contextlib
import socket
import threading

JOIN_S = 5.0


def stop_accepting(server: socket.socket, thread: threading.Thread) -> None:
    """Stop `thread` (blocked in `server.accept()` in a loop that ends on OSError), then close `server`."""
    with contextlib.suppress(OSError):
        server.shutdown(socket.SHUT_RDWR)  # a blocked accept() returns EINVAL
    thread.join(JOIN_S)
    if thread.is_alive():
        raise AssertionError(f"{thread.name} still accepts on fd {server.fileno()}: not closing it under it")
    server.close()


def closing_server(name: str) -> tuple[socket.socket, threading.Thread]:
    """A server on 127.0.0.1 whose thread accepts every connection and closes it at once (a port that
    answers nothing); stop it with `stop_accepting`."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)

    def accept() -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            conn.close()

    thread = threading.Thread(target=accept, daemon=True, name=name)
    thread.start()
    return server, thread
