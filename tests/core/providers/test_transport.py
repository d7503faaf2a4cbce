"""The wire's HTTP/1.1 transport (vtcode/providers/wire/transport.py) against real servers on 127.0.0.1:
one connection for every turn, a connection the server dropped while idle replaced without sending a
request twice, a fresh one that breaks not retried, a server that keeps talking after the answer cut
off instead of stalling the session, and server-sent event lines however they are framed."""

from __future__ import annotations

import contextlib
import json
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from helpers.openai_stub import OpenAIStub, Reply
from vtcode_hookspecs import ChatMessage, ChatRequest, ProviderError, ProviderSettings

from vtcode.providers.wire import OpenAIWire, transport

REQUEST = ChatRequest(model="stub-model", messages=[ChatMessage(role="user", content="hi")])


def _wire(base_url: str, timeout_s: float = 10.0) -> OpenAIWire:
    settings = ProviderSettings(name="t", base_url=base_url, timeout_s=timeout_s)
    return OpenAIWire(settings, base_url, label="t")


def _text(wire: OpenAIWire) -> str:
    return "".join(chunk.text or "" for chunk in wire.chat(REQUEST))


def test_every_turn_uses_one_connection() -> None:
    with OpenAIStub(default=Reply(text="ok")) as stub:
        wire = _wire(stub.base_url)
        assert [_text(wire) for _ in range(3)] == ["ok", "ok", "ok"]
        wire.close()
        assert stub.connections == 1 and len(stub.chat_requests) == 3


def test_a_connection_the_server_closed_while_idle_is_replaced_without_a_second_send() -> None:
    with OpenAIStub(default=Reply(text="ok"), close_after_reply=True) as stub:
        wire = _wire(stub.base_url)
        assert [_text(wire) for _ in range(3)] == ["ok", "ok", "ok"]
        wire.close()
        assert stub.connections == 3 and len(stub.chat_requests) == 3  # each request reached it once


Respond = Callable[[socket.socket], bool]  # answers one request; False closes the connection


@contextmanager
def raw_server(respond: Respond) -> Iterator[tuple[str, list[int]]]:
    """An HTTP server written by hand, for framings http.server will not produce. Yields the base URL
    and a one-item list counting the connections accepted."""
    listener = socket.create_server(("127.0.0.1", 0))
    accepted = [0]

    def serve(conn: socket.socket) -> None:
        with conn:
            buffer = b""
            while True:
                while b"\r\n\r\n" not in buffer:
                    data = conn.recv(65536)
                    if not data:
                        return
                    buffer += data
                head, _, buffer = buffer.partition(b"\r\n\r\n")
                lengths = [
                    int(line.split(b":")[1])
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length:")
                ]
                length = lengths[0] if lengths else 0
                while len(buffer) < length:
                    buffer += conn.recv(65536)
                buffer = buffer[length:]
                if not respond(conn):
                    return

    def accept() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            accepted[0] += 1
            threading.Thread(target=serve, args=(conn,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/v1", accepted
    finally:
        with contextlib.suppress(OSError):
            listener.shutdown(socket.SHUT_RDWR)  # wakes the accepting thread (close alone would not)
        listener.close()


def _chunk(data: bytes) -> bytes:
    return f"{len(data):x}\r\n".encode() + data + b"\r\n"


def _event(text: str) -> bytes:
    delta = {"choices": [{"index": 0, "delta": {"content": text}, "finish_reason": None}]}
    return f"data: {json.dumps(delta)}".encode()


SSE_HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"


def test_event_lines_split_anywhere_and_ended_by_cr_lf_or_crlf() -> None:
    def respond(conn: socket.socket) -> bool:
        body = [
            _event("a")[:10],
            _event("a")[10:] + b"\r",  # the CR of a CRLF in one chunk, its LF in the next
            b"\n\r\n" + _event("b") + b"\r\r",  # CR alone ends lines too
            _event("c") + b"\n\ndata: [DONE]\n\n",
            b"",
        ]
        conn.sendall(SSE_HEAD + b"".join(_chunk(part) for part in body))
        return True

    with raw_server(respond) as (base_url, _):
        wire = _wire(base_url)
        assert _text(wire) == "abc"
        wire.close()


def test_a_fresh_connection_that_breaks_is_one_error_not_a_retry() -> None:
    # The server reads the request and closes without a word.
    with raw_server(lambda conn: False) as (base_url, accepted), pytest.raises(ProviderError) as raised:
        _text(_wire(base_url))
    assert raised.value.kind == "connection" and "dropped" in str(raised.value)
    assert accepted[0] == 1


def test_a_server_that_keeps_talking_after_the_answer_loses_the_connection() -> None:
    def respond(conn: socket.socket) -> bool:
        conn.sendall(SSE_HEAD + _chunk(_event("x") + b"\n\ndata: [DONE]\n\n"))
        for _ in range(200):  # then more for 10 s, and never the closing chunk
            time.sleep(0.05)
            try:
                conn.sendall(_chunk(b": still here\n\n"))
            except OSError:
                return False
        return False

    with raw_server(respond) as (base_url, accepted):
        wire = _wire(base_url, timeout_s=60)
        start = time.monotonic()
        assert _text(wire) == "x"
        assert time.monotonic() - start < 5  # not the 10 s the server goes on, nor the 60 s timeout
        assert _text(wire) == "x" and accepted[0] == 2  # the next turn on a new connection
        wire.close()


TLS = Path(__file__).resolve().parents[2] / "fixtures" / "tls"


def _tls_stub() -> OpenAIStub:
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(TLS / "localhost.crt", TLS / "localhost.key")
    return OpenAIStub(default=Reply(text="over tls"), tls=server)


def test_https_refuses_a_certificate_nobody_vouches_for() -> None:
    with _tls_stub() as stub:
        assert stub.base_url.startswith("https://127.0.0.1:")
        with pytest.raises(ProviderError) as raised:
            _text(_wire(stub.base_url))
        assert not stub.chat_requests  # nothing was sent to it
    message = str(raised.value)
    assert raised.value.kind == "connection" and message.startswith("TLS to https://127.0.0.1:")
    assert "CERTIFICATE_VERIFY_FAILED" in message and "self-signed" in message


def test_https_works_with_a_trusted_certificate_and_checks_the_host_name(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The same client over real TLS, its trust store swapped for one holding the test certificate."""

    def trusting_the_fixture() -> ssl.SSLContext:
        context = ssl.create_default_context(cafile=str(TLS / "localhost.crt"))
        assert context.verify_mode is ssl.CERT_REQUIRED and context.check_hostname
        return context

    monkeypatch.setattr(transport, "_verified_tls", trusting_the_fixture)
    with _tls_stub() as stub:
        assert _text(_wire(stub.base_url)) == "over tls"
        by_name = stub.base_url.replace("127.0.0.1", "localhost")  # the certificate names 127.0.0.1 only
        with pytest.raises(ProviderError) as raised:
            _text(_wire(by_name))
    assert "Hostname mismatch, certificate is not valid for 'localhost'" in str(raised.value)


def test_plain_http_builds_no_tls_and_https_verifies(monkeypatch: pytest.MonkeyPatch) -> None:
    """A local model on plain http costs no CA bundle (~50 ms a start); https always verifies."""

    def no_tls_here() -> ssl.SSLContext:
        raise AssertionError("a TLS context was built for a plain-http server")

    monkeypatch.setattr(transport, "_verified_tls", no_tls_here)
    with OpenAIStub(default=Reply(text="ok")) as stub:
        assert _text(_wire(stub.base_url)) == "ok"
    monkeypatch.undo()
    context = transport._verified_tls()
    assert context.verify_mode is ssl.CERT_REQUIRED and context.check_hostname
    assert context.get_ca_certs()  # a real bundle: certificates are checked against it
