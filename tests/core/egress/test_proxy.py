"""The egress proxy against real servers on 127.0.0.1: rules, resolver checks, CONNECT and SNI, methods.

The proxy serves a listener on the host's loopback here (`serve_socket`); the kernel side (the command's
network namespace) is tested in tests/security/test_network_egress.py.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import functools
import http.server
import os
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from helpers.accepting import stop_accepting

from vtcode.egress import EgressProxy, EgressRules, RuleError
from vtcode.egress.tls import client_hello_sni


class Proxy:
    def __init__(self, allow: list[str], deny: list[str] = (), methods: dict[str, list[str]] | None = None,
                 hosts: dict[str, str] | None = None) -> None:
        self.events: list[dict[str, Any]] = []
        self.proxy = EgressProxy(EgressRules(allow, deny, methods), lambda t, p: self.events.append(p),
                                 hosts=hosts)
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        self.port = listener.getsockname()[1]
        self.proxy.serve_socket(listener)
        listener.close()

    def exchange(self, data: bytes, then: bytes = b"") -> bytes:
        with socket.create_connection(("127.0.0.1", self.port), timeout=10) as s:
            s.sendall(data)
            reply = s.recv(65536)
            if then:
                s.sendall(then)
                try:
                    while chunk := s.recv(65536):
                        reply += chunk
                except OSError:
                    pass
            return reply


@pytest.fixture
def echo() -> Iterator[int]:
    """A TCP server that echoes what it gets (a stand-in for a TLS origin: the proxy never decrypts)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    got: list[bytes] = []

    def serve() -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            with conn:
                data = conn.recv(65536)
                got.append(data)
                conn.sendall(b"echo:" + data[:16])

    thread = threading.Thread(target=serve, daemon=True, name="echo-fixture")
    thread.start()
    yield server.getsockname()[1]
    stop_accepting(server, thread)


def client_hello(server_name: str) -> bytes:
    """A real TLS ClientHello from Python's ssl module, naming `server_name`."""
    context = ssl.create_default_context()
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = context.wrap_bio(incoming, outgoing, server_hostname=server_name)
    with pytest.raises(ssl.SSLWantReadError):
        tls.do_handshake()
    return outgoing.read()


def test_wildcards_match_subdomains_only_and_deny_wins() -> None:
    rules = EgressRules(["*.pythonhosted.org", "pypi.org", "github.com:443"], ["evil.pythonhosted.org"])
    assert rules.host("files.pythonhosted.org", 443).allowed
    assert rules.host("FILES.PythonHosted.org.", 443).allowed
    assert not rules.host("pythonhosted.org", 443).allowed  # *.x is not x
    assert not rules.host("pythonhosted.org.evil.com", 443).allowed
    assert not rules.host("evilpythonhosted.org", 443).allowed
    assert rules.host("evil.pythonhosted.org", 443).rule == "deny evil.pythonhosted.org"
    assert rules.host("github.com", 443).allowed and not rules.host("github.com", 22).allowed
    assert not rules.host("1.2.3.4", 443).allowed
    for bad in ("*", "*.*.com", "exa mple.com", "a..b", "host:0", "host:99999", ""):
        with pytest.raises(RuleError):
            EgressRules([bad])


def test_non_public_addresses_need_an_address_rule() -> None:
    import ipaddress

    rules = EgressRules(["10.0.0.0/8"])
    for text in ("127.0.0.1", "::1", "169.254.169.254", "fd00:ec2::254", "192.168.1.1", "100.64.0.1",
                 "0.0.0.0", "::ffff:127.0.0.1", "fe80::1", "172.16.0.1", "224.0.0.1"):  # noqa: S104
        assert not rules.address(ipaddress.ip_address(text)).allowed, text
    assert rules.address(ipaddress.ip_address("10.2.3.4")).allowed
    assert rules.address(ipaddress.ip_address("93.184.216.34")).allowed


def test_connect_tunnel_is_relayed_when_the_sni_names_the_connect_host(echo: int) -> None:
    proxy = Proxy(["pkg.test", "127.0.0.1"], hosts={"pkg.test": "127.0.0.1"})
    hello = client_hello("pkg.test")
    assert client_hello_sni(hello) == "pkg.test"
    reply = proxy.exchange(f"CONNECT pkg.test:{echo} HTTP/1.1\r\nHost: pkg.test\r\n\r\n".encode(), hello)
    assert reply.startswith(b"HTTP/1.1 200") and b"echo:" + hello[:16] in reply
    proxy.proxy.close()
    event = proxy.events[-1]
    assert event["method"] == "CONNECT" and event["decision"] == "allow" and event["sni"] == "pkg.test"
    assert event["bytes_up"] == len(hello) and event["bytes_down"] == 5 + 16


def test_connect_with_another_sni_is_cut_before_anything_reaches_the_server(echo: int) -> None:
    proxy = Proxy(["pkg.test", "127.0.0.1"], hosts={"pkg.test": "127.0.0.1"})
    reply = proxy.exchange(f"CONNECT pkg.test:{echo} HTTP/1.1\r\n\r\n".encode(), client_hello("evil.example"))
    assert reply == b"HTTP/1.1 200 Connection established\r\n\r\n"  # and then closed, nothing relayed
    proxy.proxy.close()
    event = proxy.events[-1]
    assert event["decision"] == "deny" and event["rule"] == "sni-mismatch" and event["bytes_up"] == 0


def test_connect_to_a_denied_or_private_target_is_refused(echo: int) -> None:
    proxy = Proxy(["pkg.test", "inside.test"], hosts={"pkg.test": "127.0.0.1", "inside.test": "10.9.9.9"})
    for target, _ in ((f"127.0.0.1:{echo}", "ip-literal"), (f"pkg.test:{echo}", "non-public-address"),
                         (f"other.test:{echo}", "no-rule"), ("inside.test:443", "non-public-address")):
        reply = proxy.exchange(f"CONNECT {target} HTTP/1.1\r\n\r\n".encode())
        assert reply.startswith(b"HTTP/1.1 403"), (target, reply)
    proxy.proxy.close()
    assert [e["rule"] for e in proxy.events] == ["ip-literal", "non-public-address", "no-rule",
                                                 "non-public-address"]


def test_method_restrictions_per_host_and_the_host_header_is_the_urls(echo: int) -> None:
    proxy = Proxy(["pkg.test", "127.0.0.1"], methods={"pkg.test": ["GET", "HEAD"]},
                  hosts={"pkg.test": "127.0.0.1"})
    post = proxy.exchange(f"POST http://pkg.test:{echo}/upload HTTP/1.1\r\nHost: pkg.test\r\n"
                          "Content-Length: 0\r\n\r\n".encode())
    tunnel = proxy.exchange(f"CONNECT pkg.test:{echo} HTTP/1.1\r\n\r\n".encode())
    seen: list[str] = []

    class Origin(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append(f"{self.requestline} proxy-auth={self.headers.get('Proxy-Authorization')} "
                        f"host={self.headers.get_all('Host')}")
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    origin = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Origin)
    threading.Thread(target=origin.serve_forever, daemon=True).start()
    port = origin.server_address[1]
    get = proxy.exchange(f"GET http://pkg.test:{port}/x?q=1 HTTP/1.1\r\nHost: evil.example\r\n"
                         "Proxy-Authorization: Basic c2VjcmV0\r\n\r\n".encode())
    origin.shutdown()
    proxy.proxy.close()
    assert post.startswith(b"HTTP/1.1 403") and b"POST is not allowed" in post
    assert tunnel.startswith(b"HTTP/1.1 403")  # https hides the method: CONNECT must be listed
    assert get.startswith(b"HTTP/1.0 204") and b"Connection: close" in get
    # origin form, proxy headers dropped, Host is the URL's (not the client's evil.example)
    assert seen == [f"GET /x?q=1 HTTP/1.1 proxy-auth=None host=['pkg.test:{port}']"]
    assert proxy.events[-1]["status"] == 204 and proxy.events[-1]["method"] == "GET"


def test_malformed_requests_are_refused_and_audited() -> None:
    proxy = Proxy(["pkg.test"])
    assert proxy.exchange(b"GET /relative HTTP/1.1\r\n\r\n").startswith(b"HTTP/1.1 400")
    assert proxy.exchange(b"NONSENSE\r\n\r\n").startswith(b"HTTP/1.1 400")
    proxy.proxy.close()
    assert all(e["decision"] == "deny" for e in proxy.events) and len(proxy.events) == 2


def test_shipped_defaults_apply_only_when_switched_on() -> None:
    from vtcode.config.models import SandboxConfig
    from vtcode.sandbox.egress import proxy_env, rules_of

    off = rules_of(SandboxConfig.model_validate({"network": {"mode": "allowlist", "allow": ["example.org"]}}))
    on = rules_of(SandboxConfig.model_validate(
        {"network": {"mode": "allowlist", "defaults": True, "deny": ["github.com"]}}))
    for host in ("pypi.org", "files.pythonhosted.org", "registry.npmjs.org", "index.crates.io"):
        assert not off.host(host, 443).allowed and on.host(host, 443).allowed, host
    assert not on.host("github.com", 443).allowed  # deny wins over the defaults too
    assert not on.host("evil.example", 443).allowed
    env = proxy_env(3128)
    assert env["HTTPS_PROXY"] == env["http_proxy"] == "http://127.0.0.1:3128"


def test_connections_per_command_are_bounded() -> None:
    from vtcode.egress import proxy as proxy_module

    proxy = Proxy(["pkg.test"])
    held = [socket.create_connection(("127.0.0.1", proxy.port)) for _ in range(proxy_module.MAX_CONNECTIONS)]
    try:
        for s in held:  # each is accepted and waits for its request head
            s.sendall(b"GET")
        import time

        time.sleep(0.5)
        extra = socket.create_connection(("127.0.0.1", proxy.port), timeout=5)
        extra.sendall(b"GET http://pkg.test/ HTTP/1.1\r\n\r\n")
        with contextlib.suppress(ConnectionResetError):  # closed with our request unread: a reset
            assert extra.recv(100) == b""  # closed at once, unanswered
        extra.close()
    finally:
        for s in held:
            s.close()
        proxy.proxy.close()
    assert any(e["rule"] == "too-many-connections" for e in proxy.events)


def test_names_no_rule_allows_are_never_resolved(monkeypatch: pytest.MonkeyPatch) -> None:
    """DNS exfiltration through the proxy: a refused name (`<secret>.evil.example`) is decided before any
    lookup, so it never reaches a resolver; an allowed name is looked up by the proxy itself."""
    looked_up: list[str] = []
    real = socket.getaddrinfo

    def recording_getaddrinfo(host: str, *args: Any, **kwargs: Any) -> Any:
        if host == "127.0.0.1":  # the test's own connection to the proxy
            return real(host, *args, **kwargs)
        looked_up.append(host)
        raise socket.gaierror(socket.EAI_NONAME, "no such name (test resolver)")

    monkeypatch.setattr(socket, "getaddrinfo", recording_getaddrinfo)
    proxy = Proxy(["allowed.example"], deny=["*.denied.example"])
    for target in ("c2VjcmV0.evil.example:443", "x.denied.example:443", "allowed.example:443"):
        reply = proxy.exchange(f"CONNECT {target} HTTP/1.1\r\n\r\n".encode())
        assert reply.startswith((b"HTTP/1.1 403", b"HTTP/1.1 502")), reply
    proxy.proxy.close()
    assert looked_up == ["allowed.example"]


def test_a_tunnels_descriptors_are_never_closed_under_its_pump_threads(
    echo: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A tunnel's splice threads hold the numbers of its two sockets. When the tunnel ends (detach) and a
    thread has not run yet (a loaded machine), closing those numbers anyway lets the agent's next file take
    them, and the late thread then splices between the agent's own files. The numbers stay the tunnel's
    until its last thread is done; the agent's files are never read, written or closed by it."""
    from vtcode.egress import proxy as proxy_module

    real_pump = proxy_module._pump
    given: list[tuple[int, int]] = []
    go, ended = threading.Event(), threading.Semaphore(0)

    def late_pump(src: int, dst: int, record: Any, way: str) -> None:
        given.append((src, dst))
        go.wait(10)  # not scheduled until the tunnel was detached
        try:
            real_pump(src, dst, record, way)
        finally:
            ended.release()

    monkeypatch.setattr(proxy_module, "_pump", late_pump)
    monkeypatch.setattr(proxy_module, "PUMP_GRACE_S", 0.05)
    events: list[dict[str, Any]] = []
    proxy = EgressProxy(EgressRules(["pkg.test", "127.0.0.1"]), lambda _t, p: events.append(p),
                        hosts={"pkg.test": "127.0.0.1"})
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    key = proxy.serve_socket(listener)
    files: list[tuple[int, Path, bytes]] = []
    try:
        with socket.create_connection(listener.getsockname(), timeout=5) as client:
            client.sendall(f"CONNECT pkg.test:{echo} HTTP/1.1\r\n\r\n".encode())
            assert client.recv(100).startswith(b"HTTP/1.1 200")
            client.sendall(b"not TLS: spliced as it is")
            deadline = time.monotonic() + 5
            while len(given) < 2 and time.monotonic() < deadline:
                time.sleep(0.01)
            assert len(given) == 2, given
            proxy.detach(key)  # the command ended; its pump threads have not run yet
            # The agent goes on: its next files take whatever numbers are free, the tunnel's included.
            numbers = {fd for pair in given for fd in pair}
            for i, number in enumerate(sorted(numbers)):
                path = tmp_path / f"agent-file-{i}"
                content = f"the agent's file {i}\n".encode()
                path.write_bytes(content)
                fd = os.open(path, os.O_RDWR | os.O_CLOEXEC)
                if _free(number):
                    fd = _move(fd, number)
                files.append((fd, path, content))
            go.set()
            for _ in range(2):
                assert ended.acquire(timeout=10)
        for fd, path, content in files:
            os.fstat(fd)  # still open: nobody closed the agent's file
            assert path.read_bytes() == content, path
            assert os.lseek(fd, 0, os.SEEK_CUR) == 0, path  # nor read from it
        time.sleep(0.1)
        for number in numbers - {fd for fd, _, _ in files}:
            assert _free(number), f"the tunnel's descriptor {number} was left open"
    finally:
        go.set()
        for fd, _, _ in files:
            with contextlib.suppress(OSError):
                os.close(fd)
        proxy.close()
        listener.close()


def _free(number: int) -> bool:
    try:
        fcntl.fcntl(number, fcntl.F_GETFD)
    except OSError as exc:
        if exc.errno == errno.EBADF:
            return True
        raise
    return False


def _move(fd: int, number: int) -> int:
    """The file opened as `fd`, now on the free descriptor `number` (what the next open would get)."""
    moved = os.dup2(fd, number)
    os.close(fd)
    return moved


class _Bystander:
    """Another part of the agent, working beside the proxy: it opens files and socket pairs, writes and
    reads them back, and notes anything it did not do itself (a closed descriptor, foreign bytes)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.problems: list[str] = []
        self.rounds = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="bystander", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            mine = f"round {self.rounds}: only the bystander writes here\n".encode()
            path = self.folder / f"file-{self.rounds % 4}"
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
            a, b = socket.socketpair()
            try:
                os.write(fd, mine)
                a.sendall(mine)
                time.sleep(0.001)  # the proxy's threads run meanwhile
                got = b.recv(4096)
                os.lseek(fd, 0, os.SEEK_SET)
                back = os.read(fd, 4096)
                if got != mine or back != mine:
                    self.problems.append(f"round {self.rounds}: socket {got!r}, file {back!r}")
                a.setblocking(False)
                with contextlib.suppress(BlockingIOError):
                    extra = b.recv(4096, socket.MSG_DONTWAIT)
                    self.problems.append(f"round {self.rounds}: foreign bytes on the socket: {extra!r}")
            except OSError as exc:
                self.problems.append(f"round {self.rounds}: {exc}")
            finally:
                for closing in (functools.partial(os.close, fd), a.close, b.close):
                    try:
                        closing()
                    except OSError as exc:  # EBADF: someone else closed it
                        self.problems.append(f"round {self.rounds}: closing: {exc}")
            self.rounds += 1

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(10)


def test_many_short_tunnels_and_requests_never_touch_the_agents_other_descriptors(
    echo: int, tmp_path: Path
) -> None:
    """Short tunnels (some cut by the client at once) and plain-HTTP requests through the proxy while
    another thread of the agent opens, writes, reads and closes its own files and sockets: none of its
    descriptors is ever closed, read or written by the proxy, and the proxy's own are all closed after."""

    class Origin(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: object) -> None:
            pass

    origin = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Origin)
    threading.Thread(target=origin.serve_forever, daemon=True).start()
    proxy = Proxy(["pkg.test", "127.0.0.1"], hosts={"pkg.test": "127.0.0.1"})
    before = len(os.listdir("/proc/self/fd"))
    bystander = _Bystander(tmp_path)
    try:
        for i in range(60):
            with socket.create_connection(("127.0.0.1", proxy.port), timeout=10) as s:
                s.sendall(f"CONNECT pkg.test:{echo} HTTP/1.1\r\n\r\n".encode())
                assert s.recv(100).startswith(b"HTTP/1.1 200")
                s.sendall(f"tunnel {i}".encode())
                if i % 3:  # else cut at once, the pumps still starting
                    assert s.recv(100).startswith(b"echo:")
            url = f"http://pkg.test:{origin.server_address[1]}/"
            reply = proxy.exchange(f"GET {url} HTTP/1.1\r\n\r\n".encode())
            assert reply.split(b"\r\n")[0].endswith(b" 200 OK"), reply
    finally:
        bystander.stop()
        proxy.proxy.close()
        origin.shutdown()
        origin.server_close()
    assert bystander.rounds > 10 and not bystander.problems, bystander.problems
    deadline = time.monotonic() + 5
    while len(os.listdir("/proc/self/fd")) > before and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(os.listdir("/proc/self/fd")) <= before  # every tunnel's descriptors were closed
