"""Ordered, hash-chained event delivery with a write-ahead audit log.

Every event gets the next seq and is chained to the one before (see vtcode_hookspecs.chain), so every
sink sees the same hashes and a SIEM copy can anchor the local log. Sinks are handed events three ways
(see vtcode_hookspecs._sinks): the audit log ("durable") and stderr ("inline") in the caller's thread, SIEMs
("queued") on threads of their own with bounded buffers.

Write-ahead: a security event (SECURITY_EVENTS) returns from `emit` only once the audit log has synced it;
if the log cannot (unwritable dir, full disk, no log at all while one is required), `emit` raises
AuditUnavailable and the caller must not run the action. A failed audit log stays failed for the session:
a hole in the chain would make the rest unverifiable anyway.

Events emitted before any sink is loaded (plugin sign-off itself) are kept, up to `history_limit`, and
replayed to sinks when they attach, so the record of how plugins were admitted is never lost.

Every other event reaches the audit log within FLUSH_AFTER_S: a flusher thread syncs the durable sinks that
long after the first event not yet synced (a session that goes quiet after an approval still has its record
on disk). A bus left open when the interpreter exits (an exception nobody caught) is closed at exit, so
its log ends with `session.ended` instead of being cut short.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import re
import sys
import threading
import time
import weakref
from collections import deque
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from pydantic import ValidationError
from pydantic_core import to_jsonable_python
from vtcode_hookspecs import (
    EVENT_SCHEMA,
    EVENT_TYPES,
    PAYLOADS,
    SECURITY_EVENTS,
    DurableSink,
    Error,
    Event,
    EventSink,
    Payload,
    SessionEnded,
    SessionStarted,
)

from vtcode.errors import InvariantError

from ._seal import new_session_id, seal_event

if TYPE_CHECKING:
    from vtcode.events.anchor import AnchorWriter
from .backoff import Backoff
from .capped import capped_strings
from .errors import AuditUnavailable, EventPayloadError
from .worker import SinkWorker, _one_line

_TYPE: Final = re.compile(r"^[a-z_]+(\.[a-z_]+)*$")
FLUSH_AFTER_S: Final = 0.5  # an event not synced with a security event is on disk this long after it
_OPEN_BUSES: weakref.WeakSet[EventBus] = weakref.WeakSet()


class EventBus:
    def __init__(
        self,
        session: str | None = None,
        *,
        require_audit: bool = False,
        history_limit: int = 10_000,
        queue_limit: int = 10_000,
        backoff: Backoff | None = None,
    ) -> None:
        self.session = session or new_session_id()
        self.require_audit = require_audit
        self._queue_limit = queue_limit
        self._backoff = backoff or Backoff()
        self._lock = threading.RLock()
        self._seq = 0
        self._prev_hash: str | None = None
        self._history: deque[Event] = deque(maxlen=history_limit)
        self._durable: list[DurableSink] = []
        self._inline: list[EventSink] = []
        self._workers: list[SinkWorker] = []
        self._audit_problem: str | None = None
        self._anchor: AnchorWriter | None = None  # the chain head kept outside the log (events/anchor.py)
        self._started = False
        self._closed = False
        self._unsynced = threading.Event()  # an event was written to a durable sink but not synced
        self._flusher: threading.Thread | None = None

    @property
    def history(self) -> list[Event]:
        with self._lock:
            return list(self._history)

    @property
    def audit_problem(self) -> str | None:
        """Why security events cannot be recorded, or None."""
        if self._audit_problem is None and self.require_audit and not self._durable:
            return "no audit log is attached (is the `jsonl` event sink disabled or blocked?)"
        return self._audit_problem

    def start(self, payload: SessionStarted | dict[str, Any]) -> Event:
        """Open the session: `session.started`, and `close()` will end it with `session.ended`."""
        self._started = True
        _OPEN_BUSES.add(self)
        if isinstance(payload, dict):
            payload = SessionStarted.model_validate(payload)
        return self.record(payload)

    def record(self, payload: Payload, *, actor: str = "vtcode") -> Event:
        """Record one event built from its payload model (the type is the model's, PAYLOADS); for a
        security event, only once the audit log holds it durably. Every emit site of vtcode uses this."""
        type = EVENT_TYPES.get(payload.__class__)
        if type is None:
            raise EventPayloadError(
                f"{payload.__class__.__name__} is not the payload model of a {EVENT_SCHEMA} event type"
            )
        # Capped after validation, with each cut string's size and sha256 (vtcode/events/capped.py).
        body = capped_strings(payload.model_dump(mode="json", exclude_unset=True))
        return self._deliver(type, body, actor)

    def emit(self, type: str, payload: dict[str, Any], *, actor: str = "vtcode") -> Event:
        """Record an event given as a dict: a plugin's own event type (ToolContext.emit), checked against
        the type's model when the type has one. vtcode's own emit sites build the model (`record`)."""
        return self._deliver(type, self._payload(type, payload), actor)

    def _deliver(self, type: str, body: dict[str, Any], actor: str) -> Event:
        with self._lock:
            if self._closed:
                raise RuntimeError(f"event {type!r} emitted after the session's event bus was closed")
            event = seal_event(self.session, self._seq, type, actor, body, self._prev_hash, datetime.now(UTC))
            self._seq += 1
            self._prev_hash = event.hash
            self._history.append(event)
            security = type in SECURITY_EVENTS
            # The first event is anchored too, so that every session with an audit log has an anchor
            # (a log whose session has none is then suspect: audit/verify.py).
            anchored = security or event.seq == 0
            problems = self._write_durable(event, sync=anchored)
            if anchored and not problems and self._durable and event.hash is not None:
                problems += self._record_anchor(event.seq, event.hash)
            if self._durable:
                if security:
                    self._unsynced.clear()
                else:
                    self._unsynced.set()
            for sink in self._inline:
                problems += self._deliver_inline(sink, event)
            for worker in self._workers:
                worker.put(event)
            for problem in problems:  # after the event itself, so every sink sees seq order
                self.record(problem)
            if security and self.audit_problem is not None:
                raise AuditUnavailable(f"refusing to run the action: {self.audit_problem}")
        return event

    def attach(self, sinks: Iterable[EventSink]) -> None:
        """Add sinks and replay everything emitted so far to them, in order."""
        for sink in sinks:
            with self._lock:
                replay = list(self._history)
                missing = self._seq - len(replay)
                delivery = getattr(sink, "delivery", "queued")
                if delivery == "durable" and isinstance(sink, DurableSink):
                    self._durable.append(sink)
                    problems = []
                    for event in replay:
                        problems += self._write_durable(event, sync=False, only=sink)
                    problems += self._write_durable(None, sync=True, only=sink)
                    if not problems and self._prev_hash is not None:
                        problems += self._record_anchor(self._seq - 1, self._prev_hash)
                    self._start_flusher()
                elif delivery == "inline":
                    self._inline.append(sink)
                    problems = []
                    for event in replay:
                        problems += self._deliver_inline(sink, event)
                else:
                    worker = SinkWorker(sink, self._report, limit=self._queue_limit, backoff=self._backoff)
                    for event in replay:
                        worker.put(event)
                    self._workers.append(worker)
                    worker.start()
                    problems = []
            for problem in problems[:1]:  # a sink failing on every replayed event: once is enough
                self.record(problem)
            if missing:
                self.record(
                    Error(
                        message=f"sink {sink.name} attached after {missing} events left the buffer",
                        sink=sink.name,
                        dropped=missing,
                        first_seq=0,
                        last_seq=missing - 1,
                    )
                )

    def audit_unavailable(self, reason: str) -> None:
        """Record that the audit log could not be opened: security events will be refused."""
        with self._lock:
            self._audit_problem = self._audit_problem or reason

    def close(self, reason: str = "normal", *, timeout: float = 5.0) -> None:
        """Deliver what is queued, end the session (`session.ended` last), and close every sink."""
        if self._closed:
            return
        deadline = time.monotonic() + timeout  # one budget for the whole close, however many sinks lag
        for worker in self._workers:
            if not worker.drain(max(deadline - time.monotonic(), 0.0)):
                self.record(Error(message=f"sink {worker.sink.name} did not keep up before close"))
        if self._started:
            self.record(SessionEnded(reason=reason, events=self._seq + 1))
        with self._lock:
            self._closed = True
            workers, self._workers = self._workers, []
            self._unsynced.set()  # wakes the flusher, which sees the bus closed and ends
        _OPEN_BUSES.discard(self)
        for worker in workers:
            # too late to record what is lost: the log is closed; stderr still says so
            worker.stop(max(deadline - time.monotonic(), 0.5))
        anchored = bool(self._durable) and self._anchor is not None and self._prev_hash is not None
        for sink in [*self._inline, *self._durable]:
            try:
                sink.flush()
                sink.close()
            except Exception as exc:  # a sink failing to close must not hide the others' records
                anchored = anchored and sink not in self._durable
                self._deliver_note(f"sink {sink.name} failed to close: {_one_line(exc)}")
        if self._flusher is not None and self._flusher is not threading.current_thread():
            self._flusher.join(1.0)
        self._inline.clear()
        self._durable.clear()
        if self._anchor is not None:
            try:
                if anchored and self._prev_hash is not None:
                    self._anchor.record(self._seq - 1, self._prev_hash, closed=self._started)
                self._anchor.close()
            except (OSError, ValueError) as exc:
                self._deliver_note(f"audit anchor could not be written: {_one_line(exc)}")

    # -- internals ------------------------------------------------------------------------------------

    def _start_flusher(self) -> None:
        if self._flusher is None:
            # The thread holds the bus weakly: a bus dropped without close() (tests, a crashed caller) is
            # still collected, and its thread ends.
            self._flusher = threading.Thread(
                target=_flush_loop,
                args=(weakref.ref(self), self._unsynced),
                name="vtcode-audit-flush",
                daemon=True,
            )
            self._flusher.start()

    def _ended(self) -> bool:
        return self._closed

    def _sync_now(self) -> bool:
        """Sync the durable sinks; False once the bus is closed (the flusher then ends)."""
        with self._lock:
            if self._ended():  # closed meanwhile: close() synced everything itself
                return False
            self._unsynced.clear()
            problems = self._write_durable(None, sync=True)
            for problem in problems:
                self.record(problem)
        return True

    def _payload(self, type: str, payload: dict[str, Any]) -> dict[str, Any]:
        if not _TYPE.match(type):
            raise EventPayloadError(f"event type {type!r} must be dotted lowercase words (e.g. tool.started)")
        model = PAYLOADS.get(type)
        if model is None:
            json_ready = to_jsonable_python(payload, fallback=str)
            if not isinstance(json_ready, dict):
                raise InvariantError("an event payload that is not a JSON object")
            return capped_strings(json_ready)  # type: ignore[no-any-return]
        try:
            dumped = model.model_validate(payload).model_dump(mode="json", exclude_unset=True)
            return capped_strings(dumped)  # type: ignore[no-any-return]
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(part) for part in first["loc"]) or "payload"
            raise EventPayloadError(f"{type} ({EVENT_SCHEMA}): {where}: {first['msg']}") from exc

    def _write_durable(
        self, event: Event | None, *, sync: bool, only: DurableSink | None = None
    ) -> list[Error]:
        problems: list[Error] = []
        for sink in [only] if only is not None else list(self._durable):
            if sink not in self._durable:
                continue
            try:
                if event is not None:
                    sink.emit(event)
                if sync:
                    sink.sync()
            except Exception as exc:
                self._durable.remove(sink)
                self._audit_problem = f"audit log ({sink.name}) failed: {_one_line(exc)}"
                problems.append(Error(message=self._audit_problem, sink=sink.name))
        return problems

    def _record_anchor(self, seq: int, head: str) -> list[Error]:
        """Anchor the chain head in the user's state; failing to is failing to audit (fail closed)."""
        try:
            if self._anchor is None:
                from vtcode.events.anchor import AnchorWriter

                self._anchor = AnchorWriter(self.session, self._audit_dir())
            self._anchor.record(seq, head)
        except (OSError, ValueError) as exc:
            self._audit_problem = f"audit anchor failed: {_one_line(exc)}"
            return [Error(message=self._audit_problem)]
        return []

    def _audit_dir(self) -> str:
        """The directory the audit log is written to (the durable sink's file), resolved; "" if unknown."""
        for sink in self._durable:
            path = getattr(sink, "path", None)
            if isinstance(path, Path):
                return os.path.realpath(path.parent)
        return ""

    def _deliver_inline(self, sink: EventSink, event: Event) -> list[Error]:
        try:
            sink.emit(event)
        except Exception as exc:
            if event.type == "error":  # an error about an error: do not loop
                return []
            return [Error(message=f"sink {sink.name} failed: {_one_line(exc)}", sink=sink.name)]
        return []

    def _report(self, problem: Error) -> None:
        with self._lock:
            if self._closed:
                self._deliver_note(problem.message)
                return
            self.record(problem)

    def _deliver_note(self, message: str) -> None:
        with contextlib.suppress(OSError, ValueError):  # no terminal any more (SIGHUP): the log matters
            sys.stderr.write(f"vtcode: error: {message}\n")


def _flush_loop(ref: weakref.ref[EventBus], unsynced: threading.Event) -> None:
    """Sync the audit log FLUSH_AFTER_S after the first event written since the last sync."""
    while True:
        if not unsynced.wait(timeout=5.0):
            if ref() is None:
                return
            continue
        bus = ref()
        if bus is None or bus._ended():
            return
        del bus
        time.sleep(FLUSH_AFTER_S)  # gather what follows: one fsync for a burst
        bus = ref()
        if bus is None or not bus._sync_now():
            return
        del bus


@atexit.register
def _close_open_buses() -> None:
    """A session whose bus nobody closed (an uncaught exception) still ends its log, as an error."""
    for bus in list(_OPEN_BUSES):
        with contextlib.suppress(Exception):  # at exit, one bus failing must not keep the others open
            bus.close("error")
