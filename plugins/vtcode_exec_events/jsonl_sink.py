"""The audit log: every event of a session, hash-chained, append-only, under the audit dir.

`delivery = "durable"`: the bus writes to it in the caller's thread and calls `sync()` before a security
event's action runs. `[audit] fsync = "event"` fsyncs every event; "batch" fsyncs security events (with
everything before them) at once and the rest at least every second.
"""

from __future__ import annotations

from pathlib import Path

from vtcode_hookspecs import Event, SinkSettings

from .audit_writer import AuditWriter


class JsonlSink:
    name = "jsonl"
    delivery = "durable"

    def __init__(self) -> None:
        self._writer: AuditWriter | None = None

    @property
    def path(self) -> Path | None:
        return self._writer.path if self._writer else None

    def configure(self, settings: SinkSettings) -> None:
        if settings.options:
            raise ValueError(f"takes no options (got {', '.join(sorted(settings.options))}); see [audit]")
        self._writer = AuditWriter(
            Path(settings.audit_dir),
            settings.session,
            fsync_each=settings.fsync == "event",
            rotate_bytes=settings.rotate_bytes,
        )

    def emit(self, event: Event) -> None:
        self._open().append(event.to_line())

    def sync(self) -> None:
        self._open().sync()

    def flush(self) -> None:
        if self._writer is not None:
            self._writer.sync()

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()

    def _open(self) -> AuditWriter:
        if self._writer is None:
            raise RuntimeError("the jsonl sink was not configured (no audit dir)")
        return self._writer
