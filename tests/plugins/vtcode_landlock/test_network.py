"""Network confinement: seccomp socket families, Landlock TCP rules and abstract-socket scoping.

Fixtures come from conftest.py (typed Any: the rootdir conftest shadows ours as a module name).
"""

from __future__ import annotations

import os
import socket
import sys
import textwrap
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from vtcode_landlock.landlock import abi_version
from vtcode_landlock.syscalls import number

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="Landlock and seccomp are Linux features")


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(4)
    server.settimeout(10)
    yield server
    server.close()


FAMILIES = textwrap.dedent("""
    attempt("udp", lambda: socket.socket(socket.AF_INET, socket.SOCK_DGRAM))
    attempt("tcp6", lambda: socket.socket(socket.AF_INET6, socket.SOCK_STREAM))
    attempt("raw", lambda: socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP))
    attempt("packet", lambda: socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0))
    attempt("netlink_route", lambda: socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0))
    attempt("netlink_audit", lambda: socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 9))
    attempt("vsock", lambda: socket.socket(socket.AF_VSOCK, socket.SOCK_STREAM))
    attempt("alg", lambda: socket.socket(socket.AF_ALG, socket.SOCK_SEQPACKET))
    attempt("unix", lambda: socket.socket(socket.AF_UNIX, socket.SOCK_STREAM))
    attempt("socketpair", lambda: socket.socketpair())
""")


def test_no_network_by_default(confine: Any, child: Any, listener: socket.socket) -> None:
    port = listener.getsockname()[1]
    got = child(confine(), textwrap.dedent(f"""
        attempt("tcp_connect", lambda: socket.create_connection(("127.0.0.1", {port}), timeout=5))
        # domain is an int: upper bits the kernel drops must not slip AF_INET past the filter
        attempt("high_bits", lambda: sys_call({number("socket")}, (1 << 32) | 2, 1, 0))
    """) + FAMILIES)
    assert got == {"tcp_connect": "EPERM", "high_bits": "EPERM", "udp": "EPERM", "tcp6": "EPERM",
                   "raw": "EPERM", "packet": "EPERM", "netlink_route": "EPERM", "netlink_audit": "EPERM",
                   "vsock": "EPERM", "alg": "EPERM", "unix": "EPERM", "socketpair": "ok"}


def test_network_grant_allows_tcp_but_not_raw_or_packet(
    confine: Any, child: Any, listener: socket.socket
) -> None:
    port = listener.getsockname()[1]
    got = child(confine(network=True), textwrap.dedent(f"""
        def talk():
            with socket.create_connection(("127.0.0.1", {port}), timeout=5) as s:
                s.sendall(b"hello")
        attempt("tcp_connect", talk)
    """) + FAMILIES)
    conn, _ = listener.accept()
    assert conn.recv(5) == b"hello"
    conn.close()
    assert got == {"tcp_connect": "ok", "udp": "ok", "tcp6": "ok", "raw": "EPERM", "packet": "EPERM",
                   "netlink_route": "ok", "netlink_audit": "EPERM", "vsock": "EPERM", "alg": "EPERM",
                   "unix": "EPERM", "socketpair": "ok"}


def test_inherited_tcp_socket_still_cannot_connect(confine: Any, child: Any, listener: socket.socket) -> None:
    # seccomp only sees socket(); a socket fd handed to the child is stopped by Landlock's TCP rules. Only
    # fds 0-2 reach a command, so the socket comes in as its stdin.
    assert abi_version() >= 4, "this kernel should have Landlock ABI 4 (TCP rules)"
    port = listener.getsockname()[1]
    leaked = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        got = child(confine(), f"""
            s = socket.socket(fileno=0)
            attempt("connect", lambda: s.connect(("127.0.0.1", {port})))
            attempt("bind", lambda: s.bind(("127.0.0.1", 0)))
        """, stdin=leaked.fileno())
    finally:
        leaked.close()
    assert got == {"connect": "EACCES", "bind": "EACCES"}


def test_unix_sockets_when_granted_cannot_reach_abstract_sockets_outside(
    confine: Any, child: Any, private_tmp: Any
) -> None:
    assert abi_version() >= 6, "this kernel should have Landlock ABI 6 (scoping)"
    name = f"\0vtcode-test-{uuid.uuid4().hex}"
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(name)
    server.listen(1)
    try:
        got = child(confine(unix_sockets=True), f"""
            attempt("abstract_outside", lambda: socket.socket(socket.AF_UNIX).connect({name!r}))
            path = "{private_tmp}/own.sock"
            own = socket.socket(socket.AF_UNIX); own.bind(path); own.listen(1)
            attempt("own_pathname", lambda: socket.socket(socket.AF_UNIX).connect(path))
        """)
    finally:
        server.close()
    assert got == {"abstract_outside": "EPERM", "own_pathname": "ok"}


def test_signals_to_processes_outside_the_sandbox_are_denied(confine: Any, child: Any) -> None:
    got = child(confine(), f"""
        attempt("signal_parent", lambda: os.kill({os.getpid()}, 0))
        attempt("signal_self", lambda: os.kill(os.getpid(), 0))
    """)
    assert got == {"signal_parent": "EPERM", "signal_self": "ok"}
