"""The egress proxy: HTTP CONNECT and plain-HTTP forwarding for sandboxed commands, by rule, audited.

It runs in the agent, on its own asyncio loop in a daemon thread. It serves listening sockets made inside
each command's network namespace (`attach`), so the command reaches it as 127.0.0.1:<port> and reaches
nothing else. For every connection it decides the host by rule, resolves the name itself, refuses
non-public addresses no rule names, connects to the address it checked (never re-resolving), checks a
tunnel's TLS server name against the CONNECT host, and emits one `network.request` event when it ends.
Memory per connection is bounded: a 64 KiB request head, 64 KiB copy chunks with backpressure.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import re
import resource
import socket
import threading
import time
from collections.abc import Awaitable, Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from vtcode.errors import InvariantError

from .rules import Decision, EgressRules, HostError, canonical_host, ip_literal, normalise_host
from .tls import TlsError, client_hello

F_SETPIPE_SZ = 1031
SPLICE_F_MOVE = 1
PIPE_SIZE = 1024 * 1024
HEAD_LIMIT = 64 * 1024
MAX_CONNECTIONS = 256  # open at once per command: each holds at most a head, a chunk and a pipe
# A checked tunnel holds this many of the agent's descriptors (client and upstream sockets, their dups
# for the splice threads, two pipes): the open connections of every command together must leave the
# agent FD_RESERVE descriptors for its own work, whatever RLIMIT_NOFILE allows.
FDS_PER_CONNECTION = 8
FD_RESERVE = 256
MAX_PENDING_QUESTIONS = 4  # questions to the person waiting at once; more are refused unasked
RESOLVER_THREADS = 8
# Refused connections are recorded one by one up to a burst, then at this rate per command; the rest
# are counted into one `rate-limited` event, so a command cannot fill the audit log with connects.
REFUSED_BURST = 64
REFUSED_PER_SECOND = 4.0
CHUNK = 64 * 1024
CONNECT_TIMEOUT_S = 15.0
HEAD_TIMEOUT_S = 30.0
PUMP_GRACE_S = 5.0  # how long an ending tunnel waits for its pump threads before it stops waiting
HOP_HEADERS = {"connection", "keep-alive", "proxy-connection", "proxy-authorization", "proxy-authenticate",
               "te", "trailer", "upgrade"}

Emit = Callable[[str, dict[str, Any]], object]
Resolver = Callable[[str, int], Awaitable[list[str]]]
Ask = Callable[[str, int, str], bool]  # (host, port, method) -> the person allowed it; blocking


@dataclass
class _Record:
    host: str = ""
    port: int = 0
    method: str = ""
    address: str | None = None
    decision: str = "deny"
    rule: str = "malformed"
    reason: str = ""
    sni: str | None = None
    up: int = 0
    down: int = 0
    status: int | None = None
    started: float = field(default_factory=time.monotonic)
    hello: bytes = b""  # a tunnel's ClientHello, held between its check and its relay

    def deny(self, decision: Decision | None = None, rule: str = "", reason: str = "") -> None:
        self.decision = "deny"
        self.rule = decision.rule if decision else rule
        self.reason = decision.reason if decision else reason

    def payload(self) -> dict[str, Any]:
        return {"host": self.host, "port": self.port, "method": self.method or "?", "address": self.address,
                "decision": self.decision, "rule": self.rule, "reason": self.reason, "sni": self.sni,
                "bytes_up": self.up, "bytes_down": self.down, "status": self.status,
                "duration_ms": round((time.monotonic() - self.started) * 1000, 3)}


class Refused(Exception):
    def __init__(self, status: int, decision: Decision) -> None:
        super().__init__(decision.reason)
        self.status, self.decision = status, decision


class EgressProxy:
    """One per session. `attach(channel)` serves the listener a command's child sends on `channel`;
    `detach` stops serving it and cuts its open connections."""

    def __init__(self, rules: EgressRules, emit: Emit, hosts: Mapping[str, str] | None = None,
                 ask: Ask | None = None) -> None:
        self.rules = rules
        self._ask = ask
        self._ask_lock = threading.Lock()  # one question at a time: parallel downloads ask once
        self._emit = emit
        self._hosts = {normalise_host(k): v for k, v in (hosts or {}).items()}
        # Questions and name lookups get their own threads: a question waiting for the person must
        # never hold the threads every other command's lookups need (the loop's default executor).
        self._asker = ThreadPoolExecutor(1, thread_name_prefix="vtcode-egress-ask")
        self._resolver = ThreadPoolExecutor(RESOLVER_THREADS, thread_name_prefix="vtcode-egress-dns")
        self._questions: dict[tuple[str, int, str], asyncio.Future[bool]] = {}
        self.budget = connection_budget()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="vtcode-egress", daemon=True)
        self._thread.start()
        self._served: dict[int, _Served] = {}

    # -- attaching command namespaces (called from the agent's threads) -------------------------------

    def attach(self, channel: socket.socket) -> int:
        """Serve the listener the child will send on `channel` (the agent's end of the socketpair)."""
        key = channel.fileno()
        served = _Served(channel, self._emit)
        self._served[key] = served
        self._loop.call_soon_threadsafe(self._watch, served)
        return key

    def detach(self, key: int) -> None:
        served = self._served.pop(key, None)
        if served is None:
            return
        fut = asyncio.run_coroutine_threadsafe(served.close(self._loop), self._loop)
        with contextlib.suppress(Exception):
            fut.result(timeout=5)

    def close(self) -> None:
        for key in list(self._served):
            self.detach(key)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
        if not self._loop.is_running():
            self._loop.close()
        self._asker.shutdown(wait=False, cancel_futures=True)
        self._resolver.shutdown(wait=False, cancel_futures=True)

    def serve_socket(self, listener: socket.socket) -> int:
        """Serve an already listening socket (tests and benchmarks on the host's loopback)."""
        a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        key = self.attach(a)
        socket.send_fds(b, [b"L"], [listener.fileno()])
        b.close()
        return key

    def _watch(self, served: _Served) -> None:
        served.channel.setblocking(False)
        self._loop.add_reader(served.channel.fileno(), self._receive, served)
        served.watching = True

    def _receive(self, served: _Served) -> None:
        try:
            _, fds, _, _ = socket.recv_fds(served.channel, 16, 4)
        except BlockingIOError:
            return
        except OSError:
            fds = []
        self._loop.remove_reader(served.channel.fileno())
        served.watching = False
        for extra in fds[1:]:
            socket.close(extra)
        if not fds:
            return  # the child died before handing its listener over: nothing to serve
        listener = socket.socket(fileno=fds[0])
        listener.setblocking(False)
        served.task = self._loop.create_task(self._serve(served, listener))

    async def _serve(self, served: _Served, listener: socket.socket) -> None:
        server = await asyncio.start_server(lambda r, w: self._track(served, r, w), sock=listener,
                                            limit=HEAD_LIMIT)
        served.server = server

    async def _track(self, served: _Served, reader: asyncio.StreamReader,
                     writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        over = len(served.connections) >= MAX_CONNECTIONS
        if over or not _OPEN.take(self.budget):
            limit = (f"more than {MAX_CONNECTIONS} open at once" if over
                     else f"the agent's budget of {self.budget} connections (RLIMIT_NOFILE) is in use")
            refused = _Record(method="?", rule="too-many-connections", reason=limit)
            served.record(self._emit, refused)
            writer.close()
            return
        if task is not None:
            served.connections.add(task)
            task.add_done_callback(served.connections.discard)
        try:
            await self.handle(reader, writer, emit=lambda record: served.record(self._emit, record))
        except asyncio.CancelledError:
            pass  # detached (the command ended): its event is out; asyncio's stream callback would log it
        finally:
            _OPEN.give_back()

    # -- one connection -----------------------------------------------------------------------------

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                     emit: Callable[[_Record], None] | None = None) -> None:
        record = _Record()
        try:
            await self._handle(reader, writer, record)
        except Refused as refused:
            record.deny(refused.decision)
            await _respond(writer, refused.status, refused.decision.reason or refused.decision.rule)
        except (TimeoutError, OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError,
                ValueError) as exc:
            if record.decision != "allow":
                record.deny(rule=record.rule, reason=record.reason or f"{type(exc).__name__}: {exc}")
                await _respond(writer, 400, record.reason)
            else:  # allowed, then cut short: the record says how
                record.reason = record.reason or f"{type(exc).__name__}: {exc}"[:300]
        finally:
            with contextlib.suppress(Exception):
                writer.close()
            if emit is not None:
                emit(record)  # every connection, refused ones too (a flood of refusals is summarised)
            else:
                self._emit("network.request", record.payload())

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                      record: _Record) -> None:
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), HEAD_TIMEOUT_S)
        method, target, version, header_lines = parse_head(head)
        record.method = method
        if record.method == "CONNECT":
            host, port = _split_host_port(target, None)
        else:
            if not target.lower().startswith("http://"):
                raise Refused(400, Decision(False, "malformed",
                                            "plain-HTTP requests must use an absolute http:// URL; "
                                            "use CONNECT for https"))
            rest = target[7:]
            end = min((i for i in (rest.find(c) for c in "/?#") if i >= 0), default=len(rest))
            authority, path = rest[:end], rest[end:]
            if "@" in authority:
                raise Refused(400, Decision(False, "malformed", "credentials (user@) in a proxied URL"))
            host, port = _split_host_port(authority, 80)
            path = path.partition("#")[0]
            target = path if path.startswith("/") else "/" + path
            _body_length(header_lines)  # refused before anything is resolved or connected
        record.host, record.port = host, port
        decision = self.rules.host(host, port)
        if not decision.allowed and decision.rule == "no-rule" and self._ask is not None:
            decision = await self._asked(host, port, record.method, decision)
        if not decision.allowed:
            raise Refused(403, decision)
        method_ok = self.rules.method(host, port, record.method)
        if not method_ok.allowed:
            raise Refused(403, method_ok)
        address = await self._resolve_checked(host, port, record)
        record.decision, record.rule, record.reason = "allow", decision.rule, record.reason
        try:
            up_reader, up_writer = await asyncio.wait_for(
                asyncio.open_connection(address, port, limit=CHUNK), CONNECT_TIMEOUT_S)
        except (TimeoutError, OSError) as exc:
            record.reason = f"upstream: {exc}"
            await _respond(writer, 502, f"cannot connect to {host}:{port}: {exc}")
            return
        try:
            if record.method == "CONNECT":
                await self._tunnel(reader, writer, up_reader, up_writer, record)
            else:
                await self._forward(header_lines, record.method, target, version, reader, writer,
                                    up_reader, up_writer, record)
        finally:
            with contextlib.suppress(Exception):
                up_writer.close()

    async def _asked(self, host: str, port: int, method: str, unasked: Decision) -> Decision:
        """The person's answer about a host no rule names, on the asker's own thread (one question at a
        time; the same host asked by parallel connections is one question). Only names are offered,
        never IP literals or denied hosts; the address checks still follow. At most
        MAX_PENDING_QUESTIONS wait at once: a command cannot queue prompts without end."""
        ask = self._ask
        if ask is None:
            raise InvariantError("ask is unset here (a bug)")
        key = (host, port, method)
        pending = self._questions.get(key)
        if pending is None:
            if len(self._questions) >= MAX_PENDING_QUESTIONS:
                return Decision(False, "no-rule", f"{unasked.reason}; {len(self._questions)} questions are "
                                                  "already waiting for an answer, not asked")
            pending = asyncio.ensure_future(self._loop.run_in_executor(self._asker, ask, host, port, method))
            self._questions[key] = pending
            pending.add_done_callback(lambda _: self._questions.pop(key, None))
        try:
            allowed = await asyncio.shield(pending)
        except Exception as exc:
            return Decision(False, "no-rule", f"{unasked.reason}; asking failed: {exc}")
        if allowed:
            return Decision(True, "approved by the person")
        return Decision(False, "refused by the person", f"{host}:{port} was refused when asked")

    async def _resolve_checked(self, host: str, port: int, record: _Record) -> str:
        """The first resolved address the rules accept; every candidate is checked, none re-resolved."""
        literal = ip_literal(host)
        if literal is not None:
            candidates = [str(literal)]
        elif normalise_host(host) in self._hosts:
            candidates = [self._hosts[normalise_host(host)]]
        else:
            try:
                infos = await self._loop.run_in_executor(self._resolver, socket.getaddrinfo, host, port, 0,
                                                         socket.SOCK_STREAM)
            except OSError as exc:
                raise Refused(502, Decision(False, "resolve", f"cannot resolve {host}: {exc}")) from exc
            candidates = list(dict.fromkeys(str(info[4][0]) for info in infos))
        last = Decision(False, "resolve", f"{host} has no address")
        for candidate in candidates:
            address = ip_literal(candidate)
            if address is None:
                continue
            verdict = self.rules.address(address)
            if verdict.allowed:
                record.address = str(address)
                return str(address)
            last = verdict
            record.address = str(address)
        raise Refused(403, last)

    async def _tunnel(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                      up_reader: asyncio.StreamReader, up_writer: asyncio.StreamWriter,
                      record: _Record) -> None:
        writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
        await writer.drain()
        first = await asyncio.wait_for(reader.read(CHUNK), HEAD_TIMEOUT_S)
        if first[:1] == b"\x16":  # a TLS handshake: its server name must be the CONNECT host
            try:
                why = await asyncio.wait_for(self._check_hello(reader, first, record), HEAD_TIMEOUT_S)
            except TimeoutError:
                why = ("tls-malformed", f"no complete ClientHello within {HEAD_TIMEOUT_S:.0f} s")
            if why is not None:
                record.hello = b""
                record.deny(rule=why[0], reason=why[1])
                return
            first, record.hello = record.hello, b""
        up_writer.write(first)
        record.up += len(first)
        await _splice(reader, writer, up_reader, up_writer, record)

    async def _check_hello(self, reader: asyncio.StreamReader, first: bytes,
                           record: _Record) -> tuple[str, str] | None:
        """Read the whole ClientHello (over as many records as it was split into) and check its server
        names against the CONNECT host; (rule, reason) when the tunnel must be cut. A name target needs
        an SNI naming it; an IP-literal target may have none (clients send none for addresses)."""
        data = first
        while True:
            try:
                hello = client_hello(data)
            except TlsError as exc:
                return "tls-malformed", f"the tunnel's first bytes look like TLS but: {exc}"
            if hello is not None:
                break
            more = await asyncio.wait_for(reader.read(CHUNK), HEAD_TIMEOUT_S)
            if not more:
                return "tls-malformed", "the tunnel closed inside its ClientHello"
            data += more
        record.hello = data
        record.sni = ",".join(hello.names) or None
        if not hello.names:
            if ip_literal(record.host) is not None:
                return None
            return "sni-missing", f"the ClientHello names no server; it must name {record.host!r}"
        for name in hello.names:
            try:
                same = canonical_host(name) == record.host
            except HostError:
                same = False
            if not same:
                return "sni-mismatch", f"TLS server name {name!r} is not the CONNECT host {record.host!r}"
        if hello.encrypted_name:
            # Browsers send a GREASE ECH extension by default; a real one reaches only a site served at
            # the checked address by the server named in the outer SNI, the same reach as a Host header
            # inside the tunnel (see "What is not covered"). Recorded, not cut.
            record.reason = ("the ClientHello carries an encrypted inner name (ECH); "
                             "the outer name was checked")
        return None

    async def _forward(self, header_lines: list[str], method: str, target: str, version: str,
                       reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                       up_reader: asyncio.StreamReader, up_writer: asyncio.StreamWriter,
                       record: _Record) -> None:
        headers = header_lines
        length = _body_length(headers)
        # Host is the URL's authority, whatever the client sent: a different Host header would ask the
        # checked server for another site (fronting on a shared address).
        dropped = HOP_HEADERS | {"host"}
        kept = [line for line in headers if line.split(":", 1)[0].lower() not in dropped]
        authority = record.host if ":" not in record.host else f"[{record.host}]"
        kept.insert(0, f"Host: {authority}" + ("" if record.port == 80 else f":{record.port}"))
        head = (f"{method} {target} {version}\r\n" + "".join(f"{h}\r\n" for h in kept)
                + "Connection: close\r\n\r\n")
        up_writer.write(head.encode("latin-1"))
        record.up += len(head)
        while length > 0:
            chunk = await reader.read(min(CHUNK, length))
            if not chunk:
                break
            length -= len(chunk)
            up_writer.write(chunk)
            record.up += len(chunk)
            await up_writer.drain()
        await up_writer.drain()
        reply = await asyncio.wait_for(up_reader.readuntil(b"\r\n\r\n"), CONNECT_TIMEOUT_S * 4)
        reply_lines = reply.decode("latin-1").split("\r\n")
        with contextlib.suppress(IndexError, ValueError):
            record.status = int(reply_lines[0].split(" ")[1])
        kept_reply = [line for line in reply_lines[1:] if line and
                      line.split(":", 1)[0].strip().lower() not in HOP_HEADERS]
        out = (reply_lines[0] + "\r\n" + "".join(f"{h}\r\n" for h in kept_reply)
               + "Connection: close\r\n\r\n")
        writer.write(out.encode("latin-1"))
        record.down += len(out)
        await _copy(up_reader, writer, record, "down")


class _Served:
    def __init__(self, channel: socket.socket, emit: Emit | None = None) -> None:
        self.channel = channel
        self.emit = emit
        self.watching = False
        self.task: asyncio.Task[None] | None = None
        self.server: asyncio.Server | None = None
        self.connections: set[asyncio.Task[Any]] = set()
        self.tokens = float(REFUSED_BURST)
        self.refilled = time.monotonic()
        self.suppressed = 0
        self.suppressed_since = 0.0
        self.suppressed_targets: dict[str, int] = {}  # host:port -> refusals, so the summary names them

    def record(self, emit: Emit, record: _Record) -> None:
        """Emit a connection's event. Allowed ones always; refused ones while the command's token bucket
        lasts, the rest counted and summarised in one `rate-limited` event once tokens come back (or at
        detach, `flush`)."""
        if record.decision == "allow":
            emit("network.request", record.payload())
            return
        now = time.monotonic()
        self.tokens = min(float(REFUSED_BURST), self.tokens + (now - self.refilled) * REFUSED_PER_SECOND)
        self.refilled = now
        if now - self.suppressed_since >= 1.0:
            self.flush(emit)  # at most one summary a second
        if self.tokens < 1:
            if not self.suppressed:
                self.suppressed_since = now
                self.suppressed_targets = {}
            self.suppressed += 1
            if record.host:
                target = f"{record.host}:{record.port}"
                self.suppressed_targets[target] = self.suppressed_targets.get(target, 0) + 1
            return
        self.tokens -= 1
        emit("network.request", record.payload())

    def flush(self, emit: Emit) -> None:
        if not self.suppressed:
            return
        targets = sorted(self.suppressed_targets.items(), key=lambda item: -item[1])
        named = ", ".join(f"{target} x{count}" for target, count in targets[:20])
        more = f" and {len(targets) - 20} more hosts" if len(targets) > 20 else ""
        summary = _Record(method="?", rule="rate-limited",
                          reason=f"{self.suppressed} more refused connections in "
                                 f"{time.monotonic() - self.suppressed_since:.1f} s, not recorded one by one"
                                 + (f"; they asked for {named}{more}" if named else ""))
        summary.started = self.suppressed_since
        self.suppressed = 0
        emit("network.request", summary.payload())

    async def close(self, loop: asyncio.AbstractEventLoop) -> None:
        if self.watching:
            loop.remove_reader(self.channel.fileno())
        if self.task is not None:
            await self.task
        if self.server is not None:
            self.server.close()
        for task in list(self.connections):
            task.cancel()
        if self.connections:
            await asyncio.gather(*self.connections, return_exceptions=True)
        self.channel.close()
        if self.emit is not None:
            self.flush(self.emit)


def _split_host_port(authority: str, default: int | None) -> tuple[str, int]:
    """(canonical host, port) of `host[:port]` or `[v6][:port]`; ValueError (HostError) for anything
    that is not exactly that."""
    if authority.startswith("["):
        host, _, rest = authority[1:].partition("]")
        if rest and not rest.startswith(":"):
            raise ValueError(f"bad target {authority!r}")
        port_text = rest[1:]
        if ip_literal(host) is None:
            raise ValueError(f"bad target {authority!r}: brackets hold an IPv6 address")
    elif authority.count(":") == 1:
        host, _, port_text = authority.partition(":")
    elif ":" in authority:
        raise ValueError(f"bad target {authority!r}: an IPv6 address needs brackets")
    else:
        host, port_text = authority, ""
    if not port_text:
        if default is None:
            raise ValueError(f"CONNECT target {authority!r} has no port")
        return canonical_host(host), default
    if not _DIGITS.fullmatch(port_text) or not 0 < int(port_text) < 65536 or not host:
        raise ValueError(f"bad target {authority!r}")
    return canonical_host(host), int(port_text)


_DIGITS = re.compile(r"[0-9]{1,15}")
_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_REQUEST_LINE = re.compile(r"([!#$%&'*+.^_`|~0-9A-Za-z-]+) ([\x21-\x7e]+) (HTTP/1\.[01])")
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


def _body_length(headers: list[str]) -> int:
    """The request body's length: one decimal Content-Length (or none: 0). Chunked bodies are refused
    (411), conflicting or signed lengths 400: an upstream reading them otherwise would see another body."""
    names = {line.split(":", 1)[0].lower() for line in headers}
    if "transfer-encoding" in names:
        raise Refused(411, Decision(False, "chunked-body", "chunked plain-HTTP uploads are not forwarded; "
                                                           "send Content-Length or use https"))
    lengths = {line.partition(":")[2].strip(" \t") for line in headers
               if line.split(":", 1)[0].lower() == "content-length"}
    if len(lengths) > 1 or any(not _DIGITS.fullmatch(value) for value in lengths):
        raise Refused(400, Decision(False, "malformed", f"Content-Length {sorted(lengths)!r}: one decimal "
                                                        "value expected"))
    return int(lengths.pop()) if lengths else 0


def parse_head(head: bytes) -> tuple[str, str, str, list[str]]:
    """(METHOD, target, version, header lines) of a request head ending in CRLF CRLF, parsed strictly:
    lines end in CRLF only, no control characters anywhere (a bare LF or CR is a line end to many
    servers: a header the proxy did not see would reach the upstream), a token method, one space
    between the three parts, `Name: value` headers with token names, no folded lines. Anything else is
    Refused 400."""
    text = head[:-4].decode("latin-1")
    lines = text.split("\r\n")
    bad = next((line for line in lines if _CONTROL.search(line)), None)
    if bad is not None:
        raise Refused(400, Decision(False, "malformed", "a control character (bare CR/LF, NUL...) in the "
                                                        "request head"))
    match = _REQUEST_LINE.fullmatch(lines[0])
    if match is None:
        raise Refused(400, Decision(False, "malformed", f"not an HTTP/1 proxy request: {lines[0][:120]!r}"))
    headers = lines[1:]
    for line in headers:
        name, colon, _ = line.partition(":")
        if not colon or not _TOKEN.fullmatch(name):
            raise Refused(400, Decision(False, "malformed", f"a malformed header line {line[:60]!r}"))
    return match.group(1).upper(), match.group(2), match.group(3), headers


async def _respond(writer: asyncio.StreamWriter, status: int, reason: str) -> None:
    text = {400: "Bad Request", 403: "Forbidden", 411: "Length Required",
            502: "Bad Gateway"}.get(status, "Error")
    body = f"vtcode egress proxy: {reason}\n".encode()
    with contextlib.suppress(Exception):
        writer.write(f"HTTP/1.1 {status} {text}\r\nContent-Type: text/plain\r\n"
                     f"Content-Length: {len(body)}\r\n"
                     f"X-Vtcode-Egress: denied\r\nConnection: close\r\n\r\n".encode() + body)
        await writer.drain()


async def _copy(src: asyncio.StreamReader, dst: asyncio.StreamWriter, record: _Record, way: str) -> None:
    while True:
        chunk = await src.read(CHUNK)
        if not chunk:
            break
        dst.write(chunk)
        if way == "up":
            record.up += len(chunk)
        else:
            record.down += len(chunk)
        await dst.drain()
    with contextlib.suppress(OSError, RuntimeError):
        if dst.can_write_eof():
            dst.write_eof()


def _pump(src: int, dst: int, record: _Record, way: str) -> None:
    """One direction of a tunnel in a thread: splice(2) through a pipe, so the bytes never enter Python
    (memory per direction: one pipe's buffer). Ends on EOF or error, then half-closes the destination."""
    r, w = os.pipe2(os.O_CLOEXEC)
    try:
        with contextlib.suppress(OSError):
            fcntl.fcntl(w, F_SETPIPE_SZ, PIPE_SIZE)
        while True:
            try:
                n = os.splice(src, w, PIPE_SIZE, flags=SPLICE_F_MOVE)
            except OSError:
                break
            if n == 0:
                break
            if way == "up":
                record.up += n
            else:
                record.down += n
            while n:
                try:
                    n -= os.splice(r, dst, n, flags=SPLICE_F_MOVE)
                except OSError:
                    return
        _shutdown(dst, socket.SHUT_WR)
    finally:
        os.close(r)
        os.close(w)


async def _splice(reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                  up_reader: asyncio.StreamReader, up_writer: asyncio.StreamWriter, record: _Record) -> None:
    """Once the tunnel is checked, its bytes leave the event loop: the streams' buffered bytes are passed
    on, the writes flushed, and two threads splice the sockets to each other (one per direction)."""
    client_sock, up_sock = writer.get_extra_info("socket"), up_writer.get_extra_info("socket")
    if client_sock is None or up_sock is None or not hasattr(os, "splice"):
        await _pipe_both(reader, writer, up_reader, up_writer, record)
        return
    for src, dst, way in ((reader, up_writer, "up"), (up_reader, writer, "down")):
        pending = bytes(getattr(src, "_buffer", b""))
        if pending:
            await src.readexactly(len(pending))
            dst.write(pending)
            if way == "up":
                record.up += len(pending)
            else:
                record.down += len(pending)
    for stream in (writer, up_writer):
        stream.transport.set_write_buffer_limits(0)
        await stream.drain()
        transport = stream.transport
        if isinstance(transport, asyncio.ReadTransport):
            transport.pause_reading()
    client_fd, up_fd = os.dup(client_sock.fileno()), os.dup(up_sock.fileno())
    for fd in (client_fd, up_fd):  # the file descriptions are shared: the loop no longer uses them
        os.set_blocking(fd, True)
    fds = _SharedFds((client_fd, up_fd), users=3)  # the two pumps and this coroutine
    loop = asyncio.get_running_loop()
    finished: list[asyncio.Future[None]] = []
    try:
        for src_fd, dst_fd, way in ((client_fd, up_fd, "up"), (up_fd, client_fd, "down")):
            future: asyncio.Future[None] = loop.create_future()
            finished.append(future)
            try:
                threading.Thread(target=_pump_then, args=(loop, future, fds, src_fd, dst_fd, record, way),
                                 name="vtcode-egress-tunnel", daemon=True).start()
            except RuntimeError:  # no thread for this direction: it never uses the descriptors
                fds.release()
                future.set_result(None)
                _shutdown(dst_fd, socket.SHUT_RDWR)
        await asyncio.gather(*finished)
    finally:
        for fd in (client_fd, up_fd):  # wakes a pump still blocked (detach, cancellation)
            _shutdown(fd, socket.SHUT_RDWR)
        if not all(f.done() for f in finished):
            await asyncio.wait(finished, timeout=PUMP_GRACE_S)
        fds.release()  # closed here only if both pumps are done; else by the last of them


class _SharedFds:
    """Descriptors several threads use, closed once by the last of them to let go. Never closed under a
    thread still in a syscall on them: a blocked splice or accept keeps the old file, but the kernel
    restarts it after a signal on the *number*, which by then may name another part of the agent's
    files (the audit log) or sockets; a later os.dup(number) would shut down someone else's socket."""

    def __init__(self, fds: tuple[int, ...], users: int) -> None:
        self._fds = fds
        self._users = users
        self._lock = threading.Lock()

    def release(self) -> None:
        with self._lock:
            self._users -= 1
            last = self._users == 0
        if last:
            for fd in self._fds:
                os.close(fd)


def _shutdown(fd: int, how: int) -> None:
    """shutdown(2) on a socket known by a descriptor its caller holds (through a dup: the socket object
    closes only its own copy)."""
    try:
        copy = os.dup(fd)
    except OSError:
        return
    try:
        sock = socket.socket(fileno=copy)
    except OSError:  # not a socket: nothing to shut down
        os.close(copy)
        return
    with sock, contextlib.suppress(OSError):
        sock.shutdown(how)


def _pump_then(loop: asyncio.AbstractEventLoop, future: asyncio.Future[None], fds: _SharedFds, src: int,
               dst: int, record: _Record, way: str) -> None:
    try:
        _pump(src, dst, record, way)
    except OSError:  # no pipe for this direction (descriptors exhausted): the tunnel ends
        _shutdown(dst, socket.SHUT_RDWR)
    finally:
        fds.release()
        with contextlib.suppress(RuntimeError):  # the loop is closed: nobody waits any more
            loop.call_soon_threadsafe(_settle, future)


class _OpenConnections:
    """The connections every proxy of this process holds open, against one budget: each MCP server with a
    network grant has a proxy of its own beside the session's, and the descriptors they spend are the same
    agent's (two proxies each filling a budget of their own exhausted it)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.count = 0

    def take(self, budget: int) -> bool:
        with self._lock:
            if self.count >= budget:
                return False
            self.count += 1
            return True

    def give_back(self) -> None:
        with self._lock:
            self.count -= 1


_OPEN = _OpenConnections()


def connection_budget() -> int:
    """How many connections all commands together may hold open: raises the soft RLIMIT_NOFILE to the
    hard one first (the usual 1024 soft limit is below what 256 tunnels need), then keeps FD_RESERVE
    descriptors for the agent itself."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = hard if hard != resource.RLIM_INFINITY else 1 << 20
    if soft != resource.RLIM_INFINITY and soft < wanted:
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
            soft = wanted
    if soft == resource.RLIM_INFINITY:
        soft = 1 << 20
    return max(8, (soft - FD_RESERVE) // FDS_PER_CONNECTION)


def _settle(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


async def _pipe_both(reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                     up_reader: asyncio.StreamReader, up_writer: asyncio.StreamWriter,
                     record: _Record) -> None:
    await asyncio.gather(_copy(reader, up_writer, record, "up"), _copy(up_reader, writer, record, "down"),
                         return_exceptions=True)
