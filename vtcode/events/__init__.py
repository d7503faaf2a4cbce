"""The event bus: every step of vtcode becomes an Event handed to every signed-off sink."""

from .bus import EventBus

__all__ = ["EventBus"]
