"""Delivery to one queued sink on a thread of its own, so a slow or failing SIEM never stalls the agent.

The buffer is bounded: when it is full the oldest event is dropped, and the drop is reported as an `error`
event naming the sink and the seq range lost (those events remain in the audit log). A failing sink is
retried with backoff; its first failure in a row is reported, and so is its recovery.
"""

from __future__ import annotations

import functools
import threading
import time
from collections import deque
from collections.abc import Callable

from vtcode_hookspecs import Error, Event, EventSink

from .backoff import Backoff

Report = Callable[[Error], None]
BATCH = 500  # events handed to a sink between two flushes: its natural HTTP batch under load


class SinkWorker:
    def __init__(self, sink: EventSink, report: Report, *, limit: int, backoff: Backoff) -> None:
        self.sink = sink
        self._report = report
        self._limit = limit
        self._backoff = backoff
        self._queue: deque[Event] = deque()
        self._cond = threading.Condition()
        self._stopping = False
        self._abandon = False
        self._busy = False
        self._dropped = 0
        self._dropped_range: tuple[int, int] | None = None
        self.undelivered = 0
        self._exited = False  # the thread is past its last call into the sink
        self._close_on_exit = False  # stop gave up waiting: the thread closes the sink when its call returns
        self._thread = threading.Thread(target=self._run, name=f"vtcode-sink-{sink.name}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def put(self, event: Event) -> None:
        with self._cond:
            if len(self._queue) >= self._limit:
                lost = self._queue.popleft()
                self._dropped += 1
                first = self._dropped_range[0] if self._dropped_range else lost.seq
                self._dropped_range = (first, lost.seq)
            self._queue.append(event)
            self._cond.notify()

    def drain(self, timeout: float) -> bool:
        """Wait until everything queued was delivered and flushed; False if the sink did not keep up."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._queue or self._busy:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(left)
        return True

    def stop(self, timeout: float) -> int:
        """Deliver what is left within `timeout`, close the sink; return how many were not delivered."""
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        self._thread.join(timeout)
        if self._thread.is_alive():
            with self._cond:
                self._abandon = True
                self._cond.notify_all()
            self._thread.join(1.0)
        with self._cond:
            self.undelivered += len(self._queue)
            self._queue.clear()
            # A thread still inside emit or flush (a hung SIEM) is using the sink's sockets and files:
            # closed under it, their numbers could be the agent's next files when its call goes on (a
            # restarted send would write into the audit log). It closes the sink itself once out.
            if self._thread.ident is not None and not self._exited:
                self._close_on_exit = True
                return self.undelivered
        self._close()
        return self.undelivered

    def _close(self) -> None:
        try:
            self.sink.close()
        except Exception as exc:
            self._report(Error(message=f"sink {self.sink.name} failed to close: {_one_line(exc)}"))

    def _run(self) -> None:
        try:
            self._deliver()
        finally:
            with self._cond:
                self._exited = True
                late = self._close_on_exit
            if late:
                self._close()

    def _deliver(self) -> None:
        while True:
            with self._cond:
                while not self._queue and not self._stopping and not self._dropped:
                    self._cond.wait()
                self._report_drops_locked()
                if not self._queue and self._stopping:
                    break
                batch = [self._queue.popleft() for _ in range(min(BATCH, len(self._queue)))]
                self._busy = True
            delivered = True
            for event in batch:
                if not self._retry(functools.partial(self.sink.emit, event), f"event seq {event.seq}"):
                    delivered = False
                    break
            if delivered:
                delivered = self._retry(self.sink.flush, "flush")
            with self._cond:
                self._busy = False
                if not delivered:  # abandoned during a retry: what it held is lost, and counted
                    self.undelivered += len(batch)
                    self._cond.notify_all()
                    return
                self._cond.notify_all()

    def _retry(self, operation: Callable[[], None], what: str) -> bool:
        attempt = 0
        while True:
            try:
                operation()
            except Exception as exc:
                attempt += 1
                if attempt == 1:
                    self._report(
                        Error(
                            message=f"sink {self.sink.name} failed ({what}): {_one_line(exc)}; retrying",
                            sink=self.sink.name,
                        )
                    )
                with self._cond:
                    self._report_drops_locked()
                    delay = self._backoff.delay(attempt)
                    if self._abandon or self._cond.wait_for(lambda: self._abandon, delay):
                        return False
                continue
            if attempt:
                name = self.sink.name
                self._report(Error(message=f"sink {name} recovered after {attempt} retries", sink=name))
            return True

    def _report_drops_locked(self) -> None:
        if not self._dropped or self._dropped_range is None:
            return
        dropped, (first, last) = self._dropped, self._dropped_range
        self._dropped, self._dropped_range = 0, None
        # Reporting emits an event, which is put back on this queue: release the lock meanwhile.
        self._cond.release()
        try:
            self._report(
                Error(
                    message=f"sink {self.sink.name}: buffer full ({self._limit} events), dropped "
                    f"{dropped} (seq {first}..{last}); they remain in the audit log",
                    sink=self.sink.name,
                    dropped=dropped,
                    first_seq=first,
                    last_seq=last,
                )
            )
        finally:
            self._cond.acquire()


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
