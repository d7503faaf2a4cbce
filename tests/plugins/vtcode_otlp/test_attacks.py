"""A collector that attacks the exporter: an endless answer must neither hold the sink nor fill its memory
(issue 24's red team). The collector is a real socket server on 127.0.0.1 speaking HTTP/1.1."""

from __future__ import annotations

import socket
import threading
from typing import Any

import pytest
from helpers.accepting import stop_accepting
from vtcode_hookspecs import SinkSettings
from vtcode_otlp.sink import RESPONSE_CAP, OtlpSink

from vtcode.events import Backoff, EventBus


class EndlessCollector:
    """Answers every export `200` with a chunked body that never ends, and notes when the client hangs up."""

    def __init__(self) -> None:
        self.server = socket.socket()
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(8)
        self.url = f"http://127.0.0.1:{self.server.getsockname()[1]}"
        self.requests = 0
        self.sent = 0
        self.hung_up = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True, name="endless-collector")
        self._thread.start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _answer(self, conn: socket.socket) -> None:
        with conn:
            try:
                conn.recv(1 << 20)
                self.requests += 1
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/x-protobuf\r\n"
                             b"Transfer-Encoding: chunked\r\n\r\n")
                chunk = b"\x00" * 65_536
                while True:
                    conn.sendall(b"%x\r\n" % len(chunk) + chunk + b"\r\n")
                    self.sent += len(chunk)
            except OSError:
                self.hung_up.set()

    def close(self) -> None:
        stop_accepting(self.server, self._thread)


@pytest.fixture
def endless() -> Any:
    collector = EndlessCollector()
    yield collector
    collector.close()


def test_an_endless_answer_neither_holds_the_sink_nor_fills_its_memory(endless: EndlessCollector) -> None:
    sink = OtlpSink()
    sink.configure(SinkSettings(session="s", audit_dir="/unused", user="u", host="h",
                                options={"endpoint": endless.url, "retries": 0, "timeout_s": 30}))
    bus = EventBus(session="s", backoff=Backoff(first_s=0.01, cap_s=0.05))
    bus.attach([sink])
    bus.emit("tool.finished", {"tool": "read_file", "ok": True})
    bus.close(timeout=20)
    assert endless.hung_up.wait(20)  # the sink stopped reading and closed the connection
    assert endless.requests == 1  # a 200 took the records: no retry, no duplicate
    assert not [e for e in bus.history if e.type == "error"]
    assert RESPONSE_CAP <= 64 * 1024
