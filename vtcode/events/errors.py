"""Errors of the event bus. Each says what to fix, on one line."""

from __future__ import annotations

from vtcode.errors import VtcodeError


class AuditUnavailable(VtcodeError):
    """The audit log cannot record a security event, so the action it precedes must not run (fail closed)."""

    exit_code = 4


class EventPayloadError(VtcodeError):
    """An emitter handed the bus a payload its event type's model refuses: a bug, reported where it is."""
