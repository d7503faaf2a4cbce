"""The event bus: ordered, chained, typed; write-ahead for security events; slow or failing sinks never
stall the others and never lose events silently."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from helpers.audit_logs import audit_bus, decision
from hypothesis import given, settings
from hypothesis import strategies as st
from vtcode_hookspecs import Event, chain_hash, split_line
from vtcode_hookspecs.chain import canonical_body

from vtcode.events import AuditUnavailable, Backoff, EventBus, EventPayloadError

FAST = Backoff(first_s=0.01, cap_s=0.02)


class ListSink:
    """A queued sink that keeps what it is given (the sink is not under test here, the bus is)."""

    def __init__(self, name: str = "list", delivery: str = "queued") -> None:
        self.name = name
        self.delivery = delivery
        self.events: list[Event] = []
        self.flushed = 0

    def emit(self, event: Event) -> None:
        self.events.append(event)

    def flush(self) -> None:
        self.flushed += 1

    def close(self) -> None:
        pass


class FlakySink(ListSink):
    """Refuses its first `failures` flushes, like a SIEM that is down for a while."""

    def __init__(self, failures: int) -> None:
        super().__init__("flaky")
        self.failures = failures
        self.delivered: list[int] = []
        self._held: list[Event] = []

    def emit(self, event: Event) -> None:
        self._held.append(event)

    def flush(self) -> None:
        if self.failures:
            self.failures -= 1
            raise ConnectionError("receiver down")
        self.delivered += [e.seq for e in self._held]
        self._held.clear()


class BlockedSink(ListSink):
    def __init__(self) -> None:
        super().__init__("blocked")
        self.gate = threading.Event()

    def emit(self, event: Event) -> None:
        self.gate.wait(10)
        super().emit(event)


def test_events_are_ordered_and_hash_chained() -> None:
    bus = EventBus(session="s")
    sink = ListSink(delivery="inline")
    bus.attach([sink])
    for i in range(5):
        bus.emit("tool.finished", {"tool": "read_file", "ok": True, "bytes": i})
    previous = None
    for seq, event in enumerate(sink.events):
        assert (event.seq, event.prev_hash) == (seq, previous)
        split = split_line(event.to_line().encode())
        assert split is not None and chain_hash(split[0]) == event.hash
        previous = event.hash


@settings(max_examples=60, deadline=None)
@given(
    payload=st.dictionaries(
        st.text(max_size=8), st.text() | st.integers() | st.booleans() | st.none(), max_size=5
    ),
    actor=st.text(max_size=10),
)
def test_sealed_line_is_the_canonical_json_of_the_event(payload: dict[str, Any], actor: str) -> None:
    event = EventBus(session="s").emit("custom.thing", payload, actor=actor)
    line = event.to_line()
    parsed = json.loads(line)
    assert parsed.pop("hash") == event.hash
    assert line.startswith(canonical_body(parsed)[:-1])  # the fast path writes exactly the canonical bytes
    assert Event.model_validate_json(line) == event


def test_known_types_are_validated_against_their_payload_model() -> None:
    bus = EventBus()
    with pytest.raises(EventPayloadError, match=r"policy.decision .*decision"):
        bus.emit("policy.decision", {"action": {"kind": "command"}, "decision": "maybe", "reason": "x"})
    with pytest.raises(EventPayloadError, match="dotted lowercase"):
        bus.emit("Not A Type", {})
    newer = bus.emit("tool.finished", {"tool": "t", "ok": True, "added_in_a_later_version": 1})
    assert newer.payload["added_in_a_later_version"] == 1  # additive evolution: unknown fields are kept


def test_history_is_replayed_to_sinks_attached_later() -> None:
    bus = EventBus()
    bus.emit("plugin.discovered", {"name": "a"})
    sink = ListSink(delivery="inline")
    bus.attach([sink])
    assert [e.type for e in sink.events] == ["plugin.discovered"]


def test_security_event_is_in_the_audit_file_before_emit_returns(tmp_path: Path) -> None:
    bus, _ = audit_bus(tmp_path)
    bus.emit("tool.finished", {"tool": "t", "ok": True})  # batched: may still be buffered
    event = bus.emit("policy.decision", decision("rm -rf build"))
    lines = (tmp_path / "s1.jsonl").read_text().splitlines()
    assert lines[-1] == event.to_line() and len(lines) == 2  # written with everything before it


def test_write_ahead_syncs_before_returning(tmp_path: Path) -> None:
    order: list[str] = []
    bus, sink = audit_bus(tmp_path)
    real_sync = sink.sync

    def sync() -> None:
        real_sync()
        order.append("synced")

    sink.sync = sync  # type: ignore[method-assign]
    bus.emit("tool.finished", {"tool": "t", "ok": True})
    assert order == ["synced"]  # the first event is synced and anchored: every session has an anchor
    order.clear()
    bus.emit("tool.finished", {"tool": "t", "ok": True})
    assert order == []
    bus.emit("approval.requested", {"digest": "sha256:x", "action": {"kind": "tool", "tool": "t"}})
    order.append("returned")
    assert order == ["synced", "returned"]


def test_required_audit_log_missing_refuses_security_events() -> None:
    bus = EventBus(require_audit=True)
    bus.emit("tool.finished", {"tool": "t", "ok": True})  # not a security event: recorded where it can be
    with pytest.raises(AuditUnavailable, match="no audit log is attached"):
        bus.emit("policy.decision", decision("ls"))


def test_failing_sink_is_retried_reported_and_the_others_keep_working() -> None:
    bus = EventBus(session="s", backoff=FAST)
    flaky, healthy = FlakySink(failures=3), ListSink()
    bus.attach([flaky, healthy])
    for i in range(20):
        bus.emit("tool.finished", {"tool": "t", "ok": True, "bytes": i})
    bus.close(timeout=10)
    messages = [e.payload["message"] for e in healthy.events if e.type == "error"]
    assert any("sink flaky failed (flush): ConnectionError: receiver down; retrying" in m for m in messages)
    assert any("sink flaky recovered after 3 retries" in m for m in messages)
    assert flaky.delivered == sorted(set(flaky.delivered))  # in order, never twice
    assert set(range(20)) <= set(flaky.delivered)  # nothing emitted before the failure was lost


def test_slow_sink_overflow_drops_oldest_and_says_so(tmp_path: Path) -> None:
    bus, _ = audit_bus(tmp_path, queue_limit=5, backoff=FAST)
    slow, watcher = BlockedSink(), ListSink("watcher", delivery="inline")
    bus.attach([slow, watcher])
    for i in range(30):
        bus.emit("tool.finished", {"tool": "t", "ok": True, "bytes": i})
    slow.gate.set()
    deadline = time.monotonic() + 10
    while not any(e.type == "error" for e in watcher.events) and time.monotonic() < deadline:
        time.sleep(0.01)
    errors = [e.payload for e in watcher.events if e.type == "error"]
    assert errors and errors[0]["sink"] == "blocked" and errors[0]["dropped"] >= 20
    assert "they remain in the audit log" in errors[0]["message"]
    bus.close()
    audit_lines = (tmp_path / "s1.jsonl").read_text().splitlines()
    assert len(audit_lines) == len(watcher.events)  # the audit log has every event, the drop report too


def test_audit_write_failure_fails_closed_and_stays_failed(tmp_path: Path) -> None:
    # A disk that fills up: RLIMIT_FSIZE makes the kernel refuse the write (EFBIG), in a child process.
    import subprocess
    import sys

    script = f"""
import resource, signal, sys
sys.path.insert(0, {str(Path(__file__).parents[2])!r})
from helpers.audit_logs import audit_bus, decision
from vtcode.events import AuditUnavailable
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
bus, sink = audit_bus(__import__("pathlib").Path({str(tmp_path)!r}))
resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))
refused = 0
for i in range(200):
    try:
        bus.emit("policy.decision", decision("echo %d" % i))
    except AuditUnavailable as exc:
        refused += 1
        first = first if refused > 1 else str(exc)
print(refused, first, sep="\\n")
"""
    # -B and cwd elsewhere: a module imported lazily under the size limit would be compiled to a truncated
    # .pyc (CPython does not check a short write), and the source tree must not be what is imported.
    result = subprocess.run([sys.executable, "-B", "-c", script], capture_output=True, text=True, timeout=60,
                            cwd=tmp_path)
    refused, message = result.stdout.splitlines()
    assert int(refused) > 150  # every decision after the first failure is refused, not just that one
    assert message.startswith("refusing to run the action: audit log (jsonl) failed: OSError: [Errno 27]")
    content = (tmp_path / "s1.jsonl").read_bytes()
    assert content.endswith(b"\n") and len(content) <= 4096  # cut back to whole lines


class HungSink(ListSink):
    """A SIEM that stops answering in the middle of a send: its connection is in use until emit returns."""

    def __init__(self) -> None:
        super().__init__("hung")
        self.gate = threading.Event()
        self.inside = False
        self.closed_while_inside: list[bool] = []

    def emit(self, event: Event) -> None:
        self.inside = True
        try:
            self.gate.wait(10)
        finally:
            self.inside = False

    def close(self) -> None:
        self.closed_while_inside.append(self.inside)


def test_a_sink_is_never_closed_under_its_own_hung_call(tmp_path: Path) -> None:
    """Closing a sink whose thread is still inside emit would close the socket (or file) that call uses;
    a send the kernel restarts would then write to whatever the agent opened next on that number, the
    audit log included. The bus's close gives up waiting, records the loss, and the sink is closed by its
    own thread once the call returns."""
    bus, _ = audit_bus(tmp_path, backoff=FAST)
    hung = HungSink()
    bus.attach([hung])
    bus.emit("tool.finished", {"tool": "t", "ok": True, "bytes": 1})
    deadline = time.monotonic() + 5
    while not hung.inside and time.monotonic() < deadline:
        time.sleep(0.01)
    assert hung.inside
    bus.close(timeout=0.2)
    assert hung.closed_while_inside == []  # not closed while its call goes on
    hung.gate.set()
    deadline = time.monotonic() + 5
    while not hung.closed_while_inside and time.monotonic() < deadline:
        time.sleep(0.01)
    assert hung.closed_while_inside == [False]  # closed once, by its thread, after the call
