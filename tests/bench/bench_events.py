"""Events to the hash-chained jsonl audit log, write-ahead cost per tool call, `audit verify` of 1M events."""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from measure import figure, median_ms
from vtcode_exec_events.jsonl_sink import JsonlSink
from vtcode_hookspecs import SinkSettings

from vtcode.events import EventBus
from vtcode.events._seal import seal_event

EVENTS = 50_000
VERIFY_EVENTS = 1_000_000
PAYLOAD = {"call_id": "c1", "tool": "read_file", "ok": True, "bytes": 1234, "truncated_bytes": 0}
DECISION = {
    "call_id": "c1",
    "action": {"kind": "tool", "tool": "read_file", "path": "src/a.py"},
    "decision": "allow",
    "reason": "tools.policies: allow",
    "rule": "tools.policies.read_file",
}


def _bus(directory: Path, session: str) -> EventBus:
    bus = EventBus(session=session, require_audit=True, history_limit=16)
    sink = JsonlSink()
    sink.configure(SinkSettings(session=session, audit_dir=str(directory), fsync="batch"))
    bus.attach([sink])
    return bus


def _throughput(directory: Path) -> tuple[float, float]:
    counter = iter(range(1000))

    def chained() -> None:
        bus = _bus(directory, f"t{next(counter)}")
        for _ in range(EVENTS):
            bus.emit("tool.finished", PAYLOAD)
        bus.close()

    def plain() -> None:
        with (directory / f"plain{next(counter)}.jsonl").open("w") as handle:
            for seq in range(EVENTS):
                handle.write(json.dumps({"seq": seq, "type": "tool.finished", "payload": PAYLOAD}) + "\n")

    return median_ms(chained, 5), median_ms(plain, 5)


def _tool_call(directory: Path) -> tuple[float, float, float]:
    bus = _bus(directory, "calls")
    samples, no_sync = [], []
    for _ in range(300):
        start = time.perf_counter()
        bus.emit("policy.decision", DECISION)  # write-ahead: fsynced before returning
        bus.emit("tool.started", {"call_id": "c1", "tool": "read_file", "args": {"path": "src/a.py"}})
        bus.emit("tool.finished", PAYLOAD)
        samples.append((time.perf_counter() - start) * 1000)
    bus.close()
    fd = os.open(directory / "fsync-probe", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    fsyncs = []
    for _ in range(300):
        os.write(fd, b"x" * 300 + b"\n")
        start = time.perf_counter()
        os.fsync(fd)
        fsyncs.append((time.perf_counter() - start) * 1000)
    os.close(fd)
    plain = EventBus(session="plain")
    for _ in range(300):
        start = time.perf_counter()
        plain.emit("policy.decision", DECISION)
        plain.emit("tool.started", {"call_id": "c1", "tool": "read_file", "args": {"path": "src/a.py"}})
        plain.emit("tool.finished", PAYLOAD)
        no_sync.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples), statistics.median(fsyncs), statistics.median(no_sync)


def _write_log(path: Path, count: int) -> None:
    prev = None
    ts = datetime.now(UTC)
    with path.open("w", encoding="utf-8") as handle:
        batch = []
        for seq in range(count):
            kind = "session.ended" if seq == count - 1 else "tool.finished"
            event = seal_event("v", seq, kind, "vtcode", PAYLOAD if seq < count - 1 else {}, prev, ts)
            prev = event.hash
            batch.append(event.to_line())
            if len(batch) == 10_000:
                handle.write("\n".join(batch) + "\n")
                batch.clear()
        if batch:
            handle.write("\n".join(batch) + "\n")


def _verify(path: Path) -> tuple[float, int]:
    """Wall ms and peak RSS (KiB) of `vtcode audit verify` in a process of its own."""
    script = (
        "import resource, sys, time\n"
        "from vtcode.audit import verify_logs\n"
        "start = time.perf_counter()\n"
        "[r] = verify_logs([__import__('pathlib').Path(sys.argv[1])])\n"
        "assert r.status == 'ok', r.findings\n"
        "print((time.perf_counter() - start) * 1000, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n"
    )
    argv = [sys.executable, "-c", script, str(path)]
    out = subprocess.run(argv, capture_output=True, text=True, check=True)
    wall, rss = out.stdout.split()
    return float(wall), int(rss)


def _hash_only(path: Path) -> float:
    import hashlib

    def once() -> None:
        with path.open("rb") as handle:
            for line in handle:
                hashlib.sha256(line).digest()

    return median_ms(once, 1, warmup=0)


def run() -> bool:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        # The audit key and the sessions' anchors go to vtcode's user dirs: keep them in this run's.
        for name in ("CONFIG", "DATA", "CACHE"):
            os.environ[f"VTCODE_{name}_DIR"] = str(root / "user" / name.lower())
        chained, plain = _throughput(root)
        rate = EVENTS / (chained / 1000)
        ok = figure(
            f"{EVENTS} events bus -> jsonl (typed, chained, batched fsync): {rate:,.0f}/s",
            chained,
            "json.dumps + write",
            plain,
            ">= 50,000 events/s",
            rate >= 50_000,
        )
        call, fsync, no_sync = _tool_call(root)
        figure(
            "tool call (decision write-ahead fsync + started + finished)",
            call,
            "same events, no sink",
            no_sync,
            "< 0.5 ms besides fsync",
            call - fsync < 0.5,
        )
        print(f"- fsync alone (this disk): {fsync:.3f} ms median; call minus fsync: {call - fsync:.3f} ms")
        ok &= call - fsync < 0.5
        small, big = root / "small.jsonl", root / "big.jsonl"
        _write_log(small, VERIFY_EVENTS // 10)
        _write_log(big, VERIFY_EVENTS)
        wall, rss = _verify(big)
        _, rss_small = _verify(small)
        ok &= figure(
            f"audit verify of {VERIFY_EVENTS:,} events ({big.stat().st_size >> 20} MiB)",
            wall,
            "reading + sha256 per line",
            _hash_only(big),
            "< 10 s",
            wall < 10_000,
        )
        constant = rss <= rss_small * 1.2
        print(
            f"- peak RSS: {rss >> 10} MiB for 1,000,000 events vs {rss_small >> 10} MiB for 100,000: "
            f"{'constant' if constant else 'GROWS'}"
        )
        _ = resource  # RSS is read in the child
    return ok and constant
