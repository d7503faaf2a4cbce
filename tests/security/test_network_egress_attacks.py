"""The egress allowlist attacked from outside (review R22): each test states an invariant and tries every
variant of one bypass class against the real proxy, real servers on 127.0.0.1 and, for the socket
classes, the real kernel.

- one host spelling: what the rules match is exactly what the resolver is asked for (IDNA nameprep,
  control characters, non-standard IPv4 forms);
- one request: what the proxy parses is exactly what the upstream receives (bare CR/LF, folded headers,
  conflicting Content-Length);
- one ClientHello: its server names are checked however the hello is split into records;
- one address: IPv4 inside IPv6 is checked as the IPv4 address it reaches;
- the proxy stays available: a question waiting for the person stalls no lookup, questions are
  bounded, refused floods are summarised, the agent keeps descriptors for itself;
- the kernel: only plain TCP and UDP inet sockets exist in egress mode (MPTCP passed Landlock's rules).
"""

from __future__ import annotations

import contextlib
import importlib.util
import ipaddress
import json
import socket
import ssl
import struct
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from helpers.accepting import stop_accepting

from vtcode.egress import EgressProxy, EgressRules
from vtcode.egress import proxy as proxy_module
from vtcode.egress.rules import HostError, canonical_host


def _kernel_harness() -> Any:
    """test_network_egress.py's run_egress / egress_config (importlib mode: loaded by path)."""
    spec = importlib.util.spec_from_file_location("_egress_harness",
                                                  Path(__file__).with_name("test_network_egress.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_harness = _kernel_harness()
PYTHON, egress_config, run_egress = _harness.PYTHON, _harness.egress_config, _harness.run_egress


class Proxy:
    def __init__(self, allow: list[str], deny: list[str] = (), hosts: dict[str, str] | None = None,
                 ask: Any = None) -> None:
        self.events: list[dict[str, Any]] = []
        self.proxy = EgressProxy(EgressRules(allow, deny), lambda t, p: self.events.append(p), hosts=hosts,
                                 ask=ask)
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        listener.listen(512)
        self.port = listener.getsockname()[1]
        self.proxy.serve_socket(listener)
        listener.close()

    def exchange(self, *parts: bytes, timeout: float = 10) -> bytes:
        with socket.create_connection(("127.0.0.1", self.port), timeout=timeout) as s:
            for part in parts:
                s.sendall(part)
                time.sleep(0.02)
            reply = b""
            with contextlib.suppress(OSError):
                while chunk := s.recv(65536):
                    reply += chunk
            return reply


class Recorder:
    """A raw TCP origin on 127.0.0.1 that keeps every byte it receives and answers HTTP 200."""

    def __init__(self) -> None:
        self.server = socket.socket()
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(64)
        self.port = self.server.getsockname()[1]
        self.received: list[bytes] = []
        self.thread = threading.Thread(target=self._serve, daemon=True, name="recorder-origin")
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            threading.Thread(target=self._one, args=(conn,), daemon=True).start()

    def _one(self, conn: socket.socket) -> None:
        data = b""
        conn.settimeout(2)
        with contextlib.suppress(OSError):
            while chunk := conn.recv(65536):
                data += chunk
                if b"\r\n\r\n" in data and not data.startswith(b"\x16"):
                    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                    break
        self.received.append(data)
        conn.close()

    def bytes_received(self) -> int:
        time.sleep(0.3)
        return sum(len(d) for d in self.received)


@pytest.fixture
def origin() -> Iterator[Recorder]:
    found = Recorder()
    yield found
    stop_accepting(found.server, found.thread)


# -- one host spelling ---------------------------------------------------------------------------------

SPELLINGS_THAT_RESOLVE_ELSEWHERE = [
    "upload\xads.pkg.test",  # soft hyphen: nameprep maps it to nothing -> uploads.pkg.test (denied)
    "upl\xbaads.pkg.test",  # masculine ordinal: nameprep -> "o"
    "upload\xaa.pkg.test",  # feminine ordinal: nameprep -> "a"
    "uploads\u3002pkg.test",  # ideographic full stop: IDNA reads it as a dot
    "uploads.pkg.test\x1b[8m",  # a terminal escape
    "uploads.pkg.test\r.x.pkg.test",  # a bare CR
    "uploads%2epkg.test",  # percent-encoding
    "x y.pkg.test",
    "a..pkg.test",
]


def test_a_host_is_matched_and_resolved_in_one_spelling_only(monkeypatch: pytest.MonkeyPatch,
                                                           origin: Recorder) -> None:
    """A name the deny rule does not match must not resolve to the denied name: Python's resolver
    encodes a non-ASCII name with IDNA nameprep, so every such spelling (and every non-LDH one) is
    refused before any rule, question or lookup; allowed spellings are looked up exactly as checked."""
    assert "upload\xads.pkg.test".encode("idna") == b"uploads.pkg.test"  # the danger is real
    looked_up: list[str] = []
    real = socket.getaddrinfo

    def recording(host: str, *args: Any, **kwargs: Any) -> Any:
        if host != "127.0.0.1":
            looked_up.append(host)
            return real("127.0.0.1", *args, **kwargs)  # every name "resolves" to the origin
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", recording)
    asked: list[str] = []
    proxy = Proxy(["*.pkg.test", "127.0.0.1"], deny=["uploads.pkg.test"],
                  ask=lambda host, port, method: asked.append(host) or True)
    for host in SPELLINGS_THAT_RESOLVE_ELSEWHERE:
        for request in (f"GET http://{host}:{origin.port}/ HTTP/1.1\r\n\r\n",
                        f"CONNECT {host}:{origin.port} HTTP/1.1\r\n\r\n"):
            reply = proxy.exchange(request.encode("utf-8" if "\u3002" in host else "latin-1"))
            assert reply.startswith((b"HTTP/1.1 400", b"HTTP/1.1 403")), (host, reply)
    assert looked_up == [] and asked == [] and origin.bytes_received() == 0
    # Allowed spellings reach the resolver in the one form the rules matched.
    for host in ("API.PKG.TEST.", "Api.Pkg.Test"):
        reply = proxy.exchange(f"GET http://{host}:{origin.port}/ HTTP/1.1\r\n\r\n".encode())
        assert reply.startswith(b"HTTP/1.1 200"), reply
    proxy.proxy.close()
    assert looked_up == ["api.pkg.test", "api.pkg.test"]
    assert all(e["decision"] == "deny" for e in proxy.events[:-2])


def test_ipv4_addresses_in_other_spellings_are_never_offered_as_names(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """glibc reads `2130706433`, `0x7f.1`, `0177.0.0.1` and `127.1` as 127.0.0.1: they are IP literals in
    disguise, refused as malformed, never asked about and never looked up."""
    looked_up: list[str] = []
    real = socket.getaddrinfo

    def recording(host: str, *args: Any, **kwargs: Any) -> Any:
        if host == "127.0.0.1":  # the test's own connection to the proxy
            return real(host, *args, **kwargs)
        looked_up.append(host)
        raise socket.gaierror(socket.EAI_NONAME, "no such name (test resolver)")

    monkeypatch.setattr(socket, "getaddrinfo", recording)
    asked: list[str] = []
    proxy = Proxy(["*.pkg.test"], ask=lambda host, port, method: asked.append(host) or True)
    forms = ["2130706433", "0x7f.1", "0x7f000001", "0177.0.0.1", "127.1", "1.2.3.4.5", "8.8.8.010"]
    for form in forms:
        if form != "1.2.3.4.5":
            socket.inet_aton(form)  # the C resolver reads it as an IPv4 address
        with pytest.raises(HostError):
            canonical_host(form)
        reply = proxy.exchange(f"CONNECT {form}:443 HTTP/1.1\r\n\r\n".encode())
        assert reply.startswith(b"HTTP/1.1 400"), (form, reply)
    proxy.proxy.close()
    assert looked_up == [] and asked == []
    assert [e["rule"] for e in proxy.events] == ["malformed"] * len(forms)


# -- one request -----------------------------------------------------------------------------------------

HEADS_SERVERS_READ_DIFFERENTLY = [
    "GET http://pkg.test:{port}/a HTTP/1.1\r\nX-A: 1\nHost: evil.example\r\n\r\n",  # bare LF: a 2nd Host
    "POST http://pkg.test:{port}/b HTTP/1.1\r\nX-A: 1\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n"
    "\r\n0\r\n\r\n",
    "GET http://pkg.test:{port}/c HTTP/1.1\r\nX-A: 1\rHost: evil.example\r\n\r\n",  # bare CR
    "GET http://pkg.test:{port}/d HTTP/1.1\r\nX-A: 1\x00Host: evil.example\r\n\r\n",  # NUL
    "GET http://pkg.test:{port}/e\nHost: evil.example HTTP/1.1\r\n\r\n",  # in the request line
    "GET http://pkg.test:{port}/f HTTP/1.1\nHost: evil.example\r\n\r\n",
    "GET\tX http://pkg.test:{port}/g HTTP/1.1\r\n\r\n",
    "POST http://pkg.test:{port}/h HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 0\r\n\r\nhello",
    "POST http://pkg.test:{port}/i HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
    "POST http://pkg.test:{port}/j HTTP/1.1\r\nContent-Length: +5\r\n\r\nhello",
    "POST http://pkg.test:{port}/k HTTP/1.1\r\nContent-Length: 5_0\r\n\r\nhello",
    "GET http://pkg.test:{port}/l HTTP/1.1\r\nTransfer-Encoding : chunked\r\n\r\n",
    "GET http://pkg.test:{port}/m HTTP/1.1\r\n Host: evil.example\r\n\r\n",  # folded
    "GET http://pkg.test:{port}/n HTTP/1.1\r\nNo-Colon\r\n\r\n",
    "GET http://user@pkg.test:{port}/o HTTP/1.1\r\n\r\n",
    "GET http://evil.example@pkg.test:{port}/p HTTP/1.1\r\n\r\n",
    "GET  http://pkg.test:{port}/q HTTP/1.1\r\n\r\n",
    "GET http://pkg.test:{port}/r HTTP/2.0\r\n\r\n",
]


def test_the_upstream_receives_only_what_the_proxy_parsed(origin: Recorder) -> None:
    """Servers accept a bare LF (and some a bare CR) as a line end and differ on duplicate lengths: a head
    the proxy reads one way and the upstream another carries a Host or a body the proxy never checked.
    Every such head is refused whole (400) and nothing reaches the upstream; a clean one arrives with
    exactly one Host, the URL's."""
    proxy = Proxy(["pkg.test", "127.0.0.1"], hosts={"pkg.test": "127.0.0.1"})
    for head in HEADS_SERVERS_READ_DIFFERENTLY:
        reply = proxy.exchange(head.format(port=origin.port).encode("latin-1"))
        assert reply.startswith((b"HTTP/1.1 400", b"HTTP/1.1 411")), (head, reply)
    assert origin.bytes_received() == 0
    reply = proxy.exchange(f"GET http://pkg.test:{origin.port}/ok?q=1#frag HTTP/1.1\r\nHost: evil.example\r\n"
                           "X-Folded-Looking: a b\tc\r\n\r\n".encode())
    proxy.proxy.close()
    assert reply.startswith(b"HTTP/1.1 200"), reply
    (received,) = origin.received
    lines = received.split(b"\r\n")
    assert lines[0] == b"GET /ok?q=1 HTTP/1.1"
    hosts = [line for line in lines if line.lower().startswith(b"host:")]
    assert hosts == [f"Host: pkg.test:{origin.port}".encode()]
    assert all(e["rule"] in ("malformed", "chunked-body") for e in proxy.events[:-1])


# -- one ClientHello ---------------------------------------------------------------------------------------

def real_hello(server_name: str | None) -> bytes:
    context = ssl.create_default_context()
    if server_name is None:
        context.check_hostname = False
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = context.wrap_bio(incoming, outgoing, server_hostname=server_name)
    with pytest.raises(ssl.SSLWantReadError):
        tls.do_handshake()
    return outgoing.read()


def split_records(record: bytes, sizes: list[int]) -> bytes:
    """One TLS handshake record re-framed as several (legal TLS; servers reassemble)."""
    header, body = record[:3], record[5:]
    out, at = b"", 0
    for size in [*sizes, len(body)]:
        piece = body[at:at + size]
        if piece:
            out += header + struct.pack(">H", len(piece)) + piece
        at += size
    return out


def handmade_hello(extensions: list[tuple[int, bytes]]) -> bytes:
    body = b"\x03\x03" + bytes(32) + b"\x00" + b"\x00\x02\x13\x01" + b"\x01\x00"
    ext = b"".join(struct.pack(">HH", kind, len(data)) + data for kind, data in extensions)
    body += struct.pack(">H", len(ext)) + ext
    handshake = b"\x01" + len(body).to_bytes(3, "big") + body
    return b"\x16\x03\x01" + struct.pack(">H", len(handshake)) + handshake


def sni(*names: bytes) -> tuple[int, bytes]:
    entries = b"".join(b"\x00" + struct.pack(">H", len(n)) + n for n in names)
    return 0, struct.pack(">H", len(entries)) + entries


def test_a_client_hello_is_checked_whole_however_it_is_split(origin: Recorder,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """The SNI check reads the whole ClientHello across records: a hello naming another server is cut
    with 0 bytes relayed however it is fragmented or padded; hellos that omit the name of a name target,
    or cannot be read, are cut too. The right name, split, is relayed whole."""
    monkeypatch.setattr(proxy_module, "HEAD_TIMEOUT_S", 3.0)  # "never completes" is cut after this
    proxy = Proxy(["pkg.test", "127.0.0.1"], hosts={"pkg.test": "127.0.0.1"})
    evil = real_hello("evil.example")
    pad = b"\x17\x03\x03\x40\x00" + b"A" * 0x4000
    cut = {
        "whole": [evil],
        "split at 1": [split_records(evil, [1])],
        "split at 10": [split_records(evil, [10])],
        "split before the extensions": [split_records(evil, [len(evil) - 60])],
        "one byte per record": [split_records(evil, [1] * (len(evil) - 6))],
        "split, then padding": [split_records(evil, [10]) + pad * 4],
        "split over two writes": [split_records(evil, [10])[:20], split_records(evil, [10])[20:]],
        "allowed then evil SNI": [handmade_hello([sni(b"pkg.test", b"evil.example")])],
        "two SNI extensions": [handmade_hello([sni(b"pkg.test"), sni(b"evil.example")])],
        "no SNI for a name": [real_hello(None)],
        "non-ASCII SNI": [handmade_hello([sni(b"pkg.test\xad")])],
        "ECH naming another outer server": [handmade_hello([sni(b"evil.example"), (0xFE0D, b"\x00" * 8)])],
        "not a ClientHello": [b"\x16\x03\x01\x00\x04\x02\x00\x00\x00"],
        "a record type 23 inside": [split_records(evil, [10])[:15] + pad],
        "a hello that never completes": [split_records(evil, [10])[:20]],
    }
    for name, parts in cut.items():
        connect = f"CONNECT pkg.test:{origin.port} HTTP/1.1\r\n\r\n".encode()
        reply = proxy.exchange(connect, *parts, timeout=15)
        assert reply == b"HTTP/1.1 200 Connection established\r\n\r\n", (name, reply)
    assert origin.bytes_received() == 0
    tunnels = [e for e in proxy.events if e["method"] == "CONNECT"]
    assert len(tunnels) == len(cut) and all(e["decision"] == "deny" and e["bytes_up"] == 0 for e in tunnels)
    assert {e["rule"] for e in tunnels} == {"sni-mismatch", "sni-missing", "tls-malformed"}
    # the right name, split across records and writes: relayed whole, byte for byte
    good = split_records(real_hello("PKG.test."), [7, 30])
    proxy.exchange(f"CONNECT pkg.test:{origin.port} HTTP/1.1\r\n\r\n".encode(), good[:12], good[12:])
    # an IP-literal target: clients send no SNI for addresses; decided at once, not after a timeout
    started = time.monotonic()
    no_name = real_hello(None)
    proxy.exchange(f"CONNECT 127.0.0.1:{origin.port} HTTP/1.1\r\n\r\n".encode(), no_name, timeout=5)
    assert time.monotonic() - started < 5
    # ECH whose outer name is the CONNECT host (browsers send GREASE ECH): relayed, and the audit says so
    ech = handmade_hello([sni(b"pkg.test"), (0xFE0D, b"\x00" * 8)])
    proxy.exchange(f"CONNECT pkg.test:{origin.port} HTTP/1.1\r\n\r\n".encode(), ech)
    proxy.proxy.close()
    assert sorted(origin.received[-3:]) == sorted([good, no_name, ech])
    assert [e["decision"] for e in proxy.events[-3:]] == ["allow", "allow", "allow"]
    assert "ECH" in proxy.events[-1]["reason"] and proxy.events[-1]["sni"] == "pkg.test"


# -- one address -------------------------------------------------------------------------------------------

def test_ipv4_inside_ipv6_is_checked_as_the_ipv4_address_it_reaches(origin: Recorder) -> None:
    """A dual-stack socket connects ::ffff:a.b.c.d to a.b.c.d: deny and allow networks see the IPv4
    address, and 6to4/NAT64 addresses (which a relay would deliver to an embedded IPv4 address) are not
    public."""
    rules = EgressRules(["*.pkg.test"], deny=["198.51.100.0/24"])
    ip = ipaddress.ip_address
    assert not rules.address(ip("198.51.100.7")).allowed
    assert not rules.address(ip("::ffff:198.51.100.7")).allowed
    assert rules.address(ip("::ffff:198.51.100.7")).rule == "deny 198.51.100.0/24"
    for embedded in ("2002:c633:6407::1", "2002:7f00:1::", "64:ff9b::c633:6407", "64:ff9b:1::a00:1"):
        assert not rules.address(ip(embedded)).allowed, embedded
    assert EgressRules(["8.8.8.8"]).host("::ffff:8.8.8.8", 443).allowed  # the same address, either way
    # end to end: a name resolving to ::ffff:127.0.0.1 is the loopback address the rules name (or deny)
    allowed = Proxy(["mapped.test", "127.0.0.0/8"], hosts={"mapped.test": "::ffff:127.0.0.1"})
    denied = Proxy(["mapped.test", "127.0.0.0/8"], deny=["127.0.0.1/32"],
                   hosts={"mapped.test": "::ffff:127.0.0.1"})
    request = f"GET http://mapped.test:{origin.port}/ HTTP/1.1\r\n\r\n".encode()
    assert allowed.exchange(request).startswith(b"HTTP/1.1 200")
    assert denied.exchange(request).startswith(b"HTTP/1.1 403")
    allowed.proxy.close()
    denied.proxy.close()
    assert allowed.events[-1]["address"] == "127.0.0.1" and denied.events[-1]["rule"] == "deny 127.0.0.1/32"


# -- the proxy stays available ----------------------------------------------------------------------------

def test_a_question_waiting_for_the_person_stalls_no_lookup_and_questions_are_bounded(
        origin: Recorder) -> None:
    """The person's question runs on its own thread: while one waits, names a rule allows are still
    looked up (the real resolver: `localhost` from /etc/hosts); a command cannot queue more than
    MAX_PENDING_QUESTIONS prompts, and parallel connections to one host share one question."""
    answer = threading.Event()
    asked: list[str] = []

    def ask(host: str, port: int, method: str) -> bool:
        asked.append(host)
        answer.wait(30)
        return False

    proxy = Proxy(["localhost", "127.0.0.1"], ask=ask)
    waiting = []
    for i in range(12):
        s = socket.create_connection(("127.0.0.1", proxy.port))
        s.sendall(f"CONNECT unknown{i % 8}.example:443 HTTP/1.1\r\n\r\n".encode())
        waiting.append(s)
    time.sleep(0.5)
    started = time.monotonic()
    reply = proxy.exchange(f"GET http://localhost:{origin.port}/ HTTP/1.1\r\n\r\n".encode(), timeout=10)
    took = time.monotonic() - started
    answer.set()
    replies = []
    for s in waiting:
        s.settimeout(10)
        replies.append(s.recv(100))
        s.close()
    proxy.proxy.close()
    assert reply.startswith(b"HTTP/1.1 200") and took < 5, (reply, took)
    assert all(r.startswith(b"HTTP/1.1 403") for r in replies)
    assert len(asked) <= proxy_module.MAX_PENDING_QUESTIONS
    unasked = [e for e in proxy.events if "already waiting for an answer" in e["reason"]]
    assert unasked and len(asked) + len(unasked) <= 12


def test_a_flood_of_refused_connections_is_summarised_and_allowed_ones_are_all_recorded(
        origin: Recorder) -> None:
    """Every connection is accounted for, but a command cannot write one audit event per connect without
    bound: refused ones beyond a burst are counted into `rate-limited` summaries naming the hosts asked
    for; every allowed connection is still its own event."""
    proxy = Proxy(["pkg.test", "127.0.0.1"], hosts={"pkg.test": "127.0.0.1"})
    flood, allowed = 600, 10
    for i in range(flood):
        with socket.create_connection(("127.0.0.1", proxy.port)) as s:
            if i % 3 == 0:
                s.sendall(b"CONNECT exfil.example:443 HTTP/1.1\r\n\r\n")
                s.recv(100)
        if i % (flood // allowed) == 0:
            assert proxy.exchange(f"GET http://pkg.test:{origin.port}/ HTTP/1.1\r\n\r\n".encode()).startswith(
                b"HTTP/1.1 200")
    time.sleep(1)  # the last connections are accepted and decided before the command's listener goes
    proxy.proxy.close()
    refused = [e for e in proxy.events if e["decision"] == "deny" and e["rule"] != "rate-limited"]
    summaries = [e for e in proxy.events if e["rule"] == "rate-limited"]
    counted = sum(int(e["reason"].split()[0]) for e in summaries)
    assert len(refused) + counted == flood
    assert len(refused) < proxy_module.REFUSED_BURST + 60  # not one event per connection
    assert any("exfil.example:443" in e["reason"] for e in summaries)
    assert len([e for e in proxy.events if e["decision"] == "allow"]) == allowed


_TUNNELS = textwrap.dedent("""
    import json, os, resource, socket, sys, threading, time
    resource.setrlimit(resource.RLIMIT_NOFILE, (200, 400))
    from vtcode.egress import EgressProxy, EgressRules
    proxies_wanted, connections = int(sys.argv[1]), int(sys.argv[2])
    hold = socket.socket(); hold.bind(("127.0.0.1", 0)); hold.listen(512)
    held = []
    keep = lambda: [held.append(hold.accept()) for _ in iter(int, 1)]
    threading.Thread(target=keep, daemon=True).start()
    events, ports, proxies = [], [], []
    for _ in range(proxies_wanted):
        proxy = EgressProxy(EgressRules(["pkg.test", "127.0.0.1"]), lambda t, p: events.append(p),
                            hosts={"pkg.test": "127.0.0.1"})
        listener = socket.socket(); listener.bind(("127.0.0.1", 0)); listener.listen(512)
        proxy.serve_socket(listener)
        ports.append(listener.getsockname()[1]); proxies.append(proxy)
    soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    tunnels, refused = [], 0
    for i in range(connections):  # round robin over the proxies
        c = socket.create_connection(("127.0.0.1", ports[i % len(ports)]), timeout=5)
        c.sendall(f"CONNECT pkg.test:{hold.getsockname()[1]} HTTP/1.1\\r\\n\\r\\n".encode())
        try:
            answer = c.recv(100)
        except ConnectionResetError:  # closed unanswered, our request unread
            answer = b""
        if answer.startswith(b"HTTP/1.1 200"):
            c.sendall(b"x")
            tunnels.append(c)
        else:
            refused += 1
            c.close()
    time.sleep(0.5)
    fds = len(os.listdir("/proc/self/fd"))
    opened = open(os.devnull)  # the agent can still open a file
    opened.close()
    print(json.dumps({"soft": soft, "budget": proxies[0].budget, "tunnels": len(tunnels), "refused": refused,
                      "fds": fds, "rules": sorted({e["rule"] for e in events})}),
          flush=True)  # os._exit skips stdio's flush
    os._exit(0)
""")


def _hold_tunnels(proxies: int, connections: int) -> dict[str, Any]:
    """In a process with a soft/hard RLIMIT_NOFILE of 200/400: `proxies` egress proxies, `connections`
    CONNECT tunnels opened round robin through them and held; what the proxies allowed and refused."""
    argv = [sys.executable, "-c", _TUNNELS, str(proxies), str(connections)]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False,
                          cwd=Path(__file__).parents[2])
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    result: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
    return result


def test_the_agent_keeps_descriptors_for_itself() -> None:
    """A tunnel holds 8 of the agent's descriptors; with the usual soft limit of 1024 one command's 256
    tunnels exhausted the agent (every file it opened failed). The proxy raises the soft limit to the
    hard one and refuses connections beyond (limit - 256) / 8 across all commands, in a real process
    with a low limit."""
    result = _hold_tunnels(proxies=1, connections=40)
    assert result["soft"] == 400  # raised to the hard limit
    assert result["budget"] == (400 - proxy_module.FD_RESERVE) // proxy_module.FDS_PER_CONNECTION
    assert result["tunnels"] == result["budget"] and result["refused"] == 40 - result["budget"]
    assert result["fds"] < result["soft"] - proxy_module.FD_RESERVE // 2
    assert "too-many-connections" in result["rules"]


# -- the kernel: only plain TCP and UDP ----------------------------------------------------------------------

SOCKET_PROBE = textwrap.dedent("""
    import json, socket
    out = {}
    for label, args in {
        "tcp": (socket.AF_INET, socket.SOCK_STREAM, 0),
        "tcp_explicit": (socket.AF_INET, socket.SOCK_STREAM, 6),
        "tcp6": (socket.AF_INET6, socket.SOCK_STREAM, 0), "udp": (socket.AF_INET, socket.SOCK_DGRAM, 0),
        "udp_explicit": (socket.AF_INET6, socket.SOCK_DGRAM, 17),
        "mptcp": (socket.AF_INET, socket.SOCK_STREAM, 262),
        "mptcp6": (socket.AF_INET6, socket.SOCK_STREAM, 262),
        "sctp_stream": (socket.AF_INET, socket.SOCK_STREAM, 132),
        "sctp_seqpacket": (socket.AF_INET, socket.SOCK_SEQPACKET, 132),
        "udplite": (socket.AF_INET, socket.SOCK_DGRAM, 136),
        "icmp_ping": (socket.AF_INET, socket.SOCK_DGRAM, 1),
        "raw": (socket.AF_INET, socket.SOCK_RAW, 255),
    }.items():
        try:
            socket.socket(*args).close()
            out[label] = "created"
        except OSError as exc:
            out[label] = exc.errno
    print(json.dumps(out))
""")


@pytest.fixture(params=["direct", "fork-server", "launcher"])
def spawn(request: pytest.FixtureRequest) -> str:
    if request.param == "launcher":
        from vtcode_landlock import launcher

        launcher.locate()
    return str(request.param)


def test_only_plain_tcp_and_udp_sockets_exist_in_egress_mode(workspace: Path, spawn: str) -> None:
    """Landlock's network rules govern TCP sockets only: an MPTCP socket connected to any port and
    listened where the same TCP socket got EACCES. In egress mode seccomp lets inet sockets be created
    only as plain TCP or UDP, on every spawn path."""
    done, _, enforced = run_egress(workspace, [PYTHON, "-I", "-c", SOCKET_PROBE], spawn, egress_config())
    assert done.returncode == 0, done.stderr
    got = json.loads(done.stdout)
    assert any(e.startswith("network:egress-proxy") for e in enforced)
    for label in ("tcp", "tcp_explicit", "tcp6", "udp", "udp_explicit"):
        assert got[label] == "created", (label, got)
    for label in ("mptcp", "mptcp6", "sctp_stream", "sctp_seqpacket", "udplite", "icmp_ping", "raw"):
        assert got[label] == 1, (label, got)  # EPERM from seccomp, whatever the kernel has built in


def test_proxies_of_one_agent_share_its_descriptor_budget() -> None:
    """Each MCP server with a network grant has a proxy of its own beside the session's: an outside review
    had two granted servers each fill a budget of their own and exhaust the agent's descriptors. Every
    proxy of the process counts against one budget, in a real process with a low limit."""
    result = _hold_tunnels(proxies=2, connections=80)  # twice one budget if each proxy had its own
    assert result["tunnels"] == result["budget"] and result["refused"] == 80 - result["budget"], result
    assert result["fds"] < result["soft"] - proxy_module.FD_RESERVE // 2, result
    assert "too-many-connections" in result["rules"]
