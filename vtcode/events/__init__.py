"""The event bus: every step of vtcode becomes an Event handed to every signed-off sink."""

from .backoff import Backoff
from .bus import EventBus
from .errors import AuditUnavailable, EventPayloadError

__all__ = ["AuditUnavailable", "Backoff", "EventBus", "EventPayloadError"]
