"""HTTP/1.1 to one model server, on the standard library's http.client: one kept-alive connection.

Not httpx (docs/decisions/0402-wire-on-http-client.md): httpx with httpcore and h11 costs 60-70 ms of every
`vtcode exec` start, an eighth of its 500 ms budget, for what this client never uses (HTTP/2, proxies,
cookies, redirects, async). What it keeps: separate connect and read timeouts; nothing from the
environment (no proxy, no netrc: they could send prompts elsewhere); no redirect followed; verified TLS for
https; one connection reused across turns, and retried once on a fresh one when the server had closed it
while idle (nothing of the answer was read, so nothing is duplicated).
"""

from __future__ import annotations

import codecs
import http.client
import re
import ssl
import time
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

from vtcode import __version__
from vtcode.errors import InvariantError
from vtcode.providers.deadline import passed, time_left

DRAIN_LIMIT = 1 << 20  # bytes read past an answer's end to keep the connection; more, and it is dropped
DRAIN_TIMEOUT_S = 0.2
MAX_LINE_BYTES = 8 << 20  # one SSE line; a server that never ends one is cut off here, not buffered whole
MAX_BODY_BYTES = 8 << 20  # a whole (non-streamed) answer or an error body
_LINE_END = re.compile(r"\r\n|\r|\n")


class TransportError(Exception):
    """Nothing usable came back. `kind`: connect_timeout, connect (refused, no route, DNS), tls (the
    certificate was not trusted or not for this host), timeout (no byte within the read timeout),
    deadline (the reply's wall-time limit passed: vtcode/providers/deadline.py), too_large (a line or a
    body over its cap) or dropped (the connection broke mid-exchange)."""

    def __init__(self, kind: str, detail: str) -> None:
        super().__init__(detail)
        self.kind = kind
        self.detail = detail


class Response:
    """A status, lower-cased headers and a body read whole or line by line; transport failures while
    reading are TransportErrors."""

    def __init__(
        self,
        raw: http.client.HTTPResponse,
        conn: http.client.HTTPConnection | None = None,
        read_timeout_s: float | None = None,
    ) -> None:
        self.raw = raw
        self.status = raw.status
        self.headers = {name.lower(): value for name, value in raw.getheaders()}
        self._conn = conn
        self._read_timeout_s = read_timeout_s

    def read(self, limit: int = MAX_BODY_BYTES) -> bytes:
        """The whole body, up to `limit` bytes: a longer one is an error, never read whole into memory."""
        try:
            _arm(self._conn, self._read_timeout_s)
            data = self.raw.read(limit + 1)
        except (TimeoutError, http.client.HTTPException, OSError) as exc:
            raise _reading(exc) from None
        if len(data) > limit:
            raise TransportError("too_large", f"the answer is over {limit} bytes")
        return data

    def iter_lines(self, max_line: int = MAX_LINE_BYTES) -> Iterator[str]:
        """Lines without their ending, as they arrive; CR, LF and CRLF all end a line, as server-sent
        events allow. Read with read1 rather than readline: http.client's readline takes a chunked body
        cut short for its end, read1 raises IncompleteRead."""
        decoder = codecs.getincrementaldecoder("utf-8")("replace")
        buffer = ""
        while True:
            try:
                _arm(self._conn, self._read_timeout_s)  # each wait ends by the reply's deadline
                data = self.raw.read1(65536)
            except (TimeoutError, http.client.HTTPException, OSError) as exc:
                raise _reading(exc) from None
            if not data:
                lines = _LINE_END.split(buffer + decoder.decode(b"", final=True))
                if lines[-1] == "":
                    lines.pop()
                yield from lines
                return
            buffer += decoder.decode(data)
            held = buffer.endswith("\r")  # maybe the first half of a CRLF split between reads
            lines = _LINE_END.split(buffer[:-1] if held else buffer)
            buffer = lines.pop() + ("\r" if held else "")
            if len(buffer) > max_line:
                raise TransportError("too_large", f"a line of the answer is over {max_line} bytes")
            yield from lines


def _arm(conn: http.client.HTTPConnection | None, read_timeout_s: float | None) -> None:
    """Before a socket wait: stop if the reply's deadline has passed, else wait at most until it."""
    left = time_left()
    if left is None:
        return
    if left <= 0:
        raise TransportError("deadline", "the wall-time limit passed while the answer was read")
    sock = conn.sock if conn is not None else None
    if sock is not None:
        sock.settimeout(left if read_timeout_s is None else min(read_timeout_s, left))


def _reading(exc: BaseException) -> TransportError:
    if isinstance(exc, TimeoutError) and passed():
        return TransportError("deadline", "the wall-time limit passed while the answer was read")
    if isinstance(exc, TimeoutError):
        return TransportError("timeout", "read timed out")
    return TransportError("dropped", f"{type(exc).__name__}: {exc}")


class Connection:
    """Requests to `base_url`'s server, one at a time, over one connection kept between them."""

    def __init__(
        self,
        base_url: str,
        *,
        headers: dict[str, str],
        connect_timeout_s: float,
        read_timeout_s: float,
    ) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) URL: {base_url!r}")
        self.scheme = parts.scheme
        self.host = parts.hostname
        self.port = parts.port
        self.headers = {"User-Agent": f"vtcode/{__version__}", **headers}
        self.connect_timeout_s = connect_timeout_s
        self.read_timeout_s = read_timeout_s
        self._conn: http.client.HTTPConnection | None = None

    @contextmanager
    def request(self, method: str, url: str, body: bytes | None = None) -> Iterator[Response]:
        """Send, and hand over the response. Leaving the block reads what is left of a finished answer
        (so the connection can be reused) or, after an error or an answer cut short, drops it."""
        raw = self._send(method, self._target(url), body)
        response = Response(raw, self._conn, self.read_timeout_s)
        try:
            yield response
        except BaseException:
            self.close()
            raise
        self._finish(raw)

    def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()

    def _target(self, url: str) -> str:
        parts = urlsplit(url)
        if (parts.scheme, parts.hostname, parts.port) != (self.scheme, self.host, self.port):
            raise ValueError(f"{url!r} is not on {self.scheme}://{self.host}")
        return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")

    def _send(self, method: str, target: str, body: bytes | None) -> http.client.HTTPResponse:
        headers = dict(self.headers)
        if body is not None:
            headers["Content-Type"] = "application/json"
        while True:
            reused = self._conn is not None
            conn = self._conn or self._connect()
            try:
                _arm(conn, self.read_timeout_s)
                conn.request(method, target, body=body, headers=headers)
                return conn.getresponse()
            except TransportError:
                self.close()
                raise
            except TimeoutError:
                self.close()
                raise _reading(TimeoutError()) from None
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError) as exc:
                self.close()
                if not reused:  # a fresh connection that breaks: the server's doing, not staleness
                    raise TransportError("dropped", f"{type(exc).__name__}: {exc}") from None
            except (http.client.HTTPException, OSError) as exc:
                self.close()
                raise TransportError("dropped", f"{type(exc).__name__}: {exc}") from None

    def _connect(self) -> http.client.HTTPConnection:
        conn: http.client.HTTPConnection
        if self.scheme == "https":
            conn = http.client.HTTPSConnection(
                self.host, self.port, timeout=self.connect_timeout_s, context=_verified_tls()
            )
        else:
            conn = http.client.HTTPConnection(self.host, self.port, timeout=self.connect_timeout_s)
        try:
            conn.connect()
        except TimeoutError:
            conn.close()
            raise TransportError("connect_timeout", "no answer while connecting") from None
        except ssl.SSLError as exc:  # a certificate not trusted, or not for this host: fail closed
            conn.close()
            raise TransportError("tls", exc.strerror or str(exc)) from None
        except OSError as exc:  # refused, unreachable, DNS (gaierror)
            conn.close()
            raise TransportError("connect", exc.strerror or str(exc)) from None
        if conn.sock is None:
            raise InvariantError("the HTTP connection has no socket after connecting")
        conn.sock.settimeout(self.read_timeout_s)
        self._conn = conn
        return conn

    def _finish(self, raw: http.client.HTTPResponse) -> None:
        """Read the rest of an answer the caller stopped reading at its end (SSE after [DONE]), briefly;
        a server that keeps talking loses the connection instead of stalling the session."""
        conn = self._conn
        if raw.isclosed() or conn is None or conn.sock is None:
            return
        deadline = time.monotonic() + DRAIN_TIMEOUT_S
        drained = 0
        try:
            conn.sock.settimeout(DRAIN_TIMEOUT_S)
            while not raw.isclosed() and drained <= DRAIN_LIMIT and time.monotonic() < deadline:
                drained += len(raw.read1(65536))
            conn.sock.settimeout(self.read_timeout_s)
        except (TimeoutError, http.client.HTTPException, OSError):
            self.close()
            return
        if not raw.isclosed():
            self.close()


def _verified_tls() -> ssl.SSLContext:
    """Certificates and host names checked, against certifi's bundle when it is installed (as httpx
    did), else the system's."""
    try:
        import certifi
    except ImportError:  # pragma: no cover - certifi comes with the SIEM sinks' httpx
        return ssl.create_default_context()
    return ssl.create_default_context(cafile=certifi.where())
