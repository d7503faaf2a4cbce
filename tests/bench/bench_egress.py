"""Egress proxy costs on loopback: added latency per plain-HTTP request and CONNECT throughput.

Latency: REQUESTS alternated samples of one GET (a fresh connection each, as a proxied client makes) to
an HTTP server on 127.0.0.1, direct vs through the proxy; the figure is the difference of the medians
(target < 1 ms). Throughput: COPY_BYTES pushed through a CONNECT tunnel to a sink server vs the same
bytes pushed to the sink directly, ROUNDS alternated rounds, medians (target >= 50% of direct). Peak RSS
growth of the process while 64 tunnels are open at once shows the per-connection bound.
"""

from __future__ import annotations

import http.server
import resource
import socket
import statistics
import threading
import time
from typing import Any

from vtcode.egress import EgressProxy, EgressRules

REQUESTS = 400
COPY_BYTES = 256 << 20
ROUNDS = 5
CHUNK = 256 << 10
PARALLEL = 64


class _Quiet(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b"x" * 512
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


def _sink() -> tuple[socket.socket, int]:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(128)

    def drain(conn: socket.socket) -> None:
        with conn:
            while conn.recv(1 << 20):
                pass

    def serve() -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            threading.Thread(target=drain, args=(conn,), daemon=True).start()

    threading.Thread(target=serve, daemon=True).start()
    return server, server.getsockname()[1]


def _get(host_port: tuple[str, int], request: bytes) -> None:
    with socket.create_connection(host_port) as s:
        s.sendall(request)
        while s.recv(65536):
            pass


def _push(address: tuple[str, int], preface: bytes, nbytes: int) -> float:
    block = b"\0" * CHUNK
    with socket.create_connection(address) as s:
        if preface:
            s.sendall(preface)
            reply = s.recv(4096)
            assert reply.startswith(b"HTTP/1.1 200"), reply
        start = time.perf_counter()
        sent = 0
        while sent < nbytes:
            s.sendall(block)
            sent += len(block)
        s.shutdown(socket.SHUT_WR)
        s.recv(1)
        return nbytes / (time.perf_counter() - start) / 1e6


def run() -> bool:
    origin = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Quiet)
    threading.Thread(target=origin.serve_forever, daemon=True).start()
    port = origin.server_address[1]
    sink, sink_port = _sink()
    events: list[dict[str, Any]] = []
    proxy = EgressProxy(EgressRules(["origin.test", "127.0.0.1"]), lambda _t, p: events.append(p),
                        hosts={"origin.test": "127.0.0.1"})
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(512)
    proxy_addr = ("127.0.0.1", listener.getsockname()[1])
    proxy.serve_socket(listener)
    listener.close()

    direct_req = b"GET /x HTTP/1.1\r\nHost: origin.test\r\nConnection: close\r\n\r\n"
    proxied_req = f"GET http://origin.test:{port}/x HTTP/1.1\r\nHost: origin.test\r\n\r\n".encode()
    direct, proxied = [], []
    for i in range(REQUESTS):
        for which in ((0, 1) if i % 2 else (1, 0)):
            start = time.perf_counter()
            if which == 0:
                _get(("127.0.0.1", port), direct_req)
                direct.append(time.perf_counter() - start)
            else:
                _get(proxy_addr, proxied_req)
                proxied.append(time.perf_counter() - start)
    added_ms = (statistics.median(proxied[20:]) - statistics.median(direct[20:])) * 1000

    connect = f"CONNECT origin.test:{sink_port} HTTP/1.1\r\n\r\n".encode()
    raw, tunnelled = [], []
    for _ in range(ROUNDS):
        raw.append(_push(("127.0.0.1", sink_port), b"", COPY_BYTES))
        tunnelled.append(_push(proxy_addr, connect, COPY_BYTES))
    ratio = statistics.median(tunnelled) / statistics.median(raw)

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    conns = []
    for _ in range(PARALLEL):
        s = socket.create_connection(proxy_addr)
        s.sendall(connect)
        assert s.recv(4096).startswith(b"HTTP/1.1 200")
        s.sendall(b"\0" * CHUNK)
        conns.append(s)
    time.sleep(0.5)
    growth = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 - before
    for s in conns:
        s.close()
    proxy.close()
    origin.shutdown()
    sink.close()

    ok_latency, ok_throughput = added_ms < 1.0, ratio >= 0.5
    print(f"plain HTTP GET, fresh connection: direct {statistics.median(direct[20:]) * 1000:.3f} ms, "
          f"through the proxy {statistics.median(proxied[20:]) * 1000:.3f} ms: +{added_ms:.3f} ms "
          f"(target < 1 ms) {'ok' if ok_latency else 'MISSED'}")
    print(f"CONNECT throughput: direct {statistics.median(raw):.0f} MB/s, tunnelled "
          f"{statistics.median(tunnelled):.0f} MB/s = {ratio:.2f}x (target >= 0.5x) "
          f"{'ok' if ok_throughput else 'MISSED'}")
    print(f"{PARALLEL} open tunnels with {CHUNK >> 10} KiB in flight each: peak RSS +{growth:.1f} MB; "
          f"{len(events)} network.request events")
    return ok_latency and ok_throughput
