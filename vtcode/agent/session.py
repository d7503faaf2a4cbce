"""A run's place in a saved session: start a new one or continue a loaded one, and save as it goes (after
every turn, so a crash or Ctrl-C leaves a session that `vtcode exec --resume` continues)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from vtcode_hookspecs import ChatMessage, SessionRecord, SessionStore

from vtcode.events import EventBus
from vtcode.plugins.registry import Registry

from .specs import system_prompt


def new_session(session_id: str, workspace: Path, *, model: str, provider: str) -> SessionRecord:
    now = datetime.now(UTC)
    return SessionRecord(
        id=session_id,
        workspace=str(workspace),
        model=model,
        provider=provider,
        created=now,
        updated=now,
        messages=[ChatMessage(role="system", content=system_prompt(workspace))],
    )


class SessionSaver:
    """Saves through the configured store; a store that fails is reported once and the run goes on."""

    def __init__(self, store: SessionStore | None, bus: EventBus) -> None:
        self._store = store
        self._bus = bus
        self.problem: str | None = None

    def save(self, record: SessionRecord, messages: list[ChatMessage], meta: dict[str, Any]) -> SessionRecord:
        updated = record.model_copy(
            update={"messages": list(messages), "updated": datetime.now(UTC), "meta": {**record.meta, **meta}}
        )
        if self._store is None or self.problem is not None:
            return updated
        try:
            self._store.save(updated)
        except (OSError, ValueError) as exc:  # includes a corrupted file the store refuses to overwrite
            self.problem = f"session {record.id} was not saved: {' '.join(str(exc).split())}"
            self._bus.emit("error", {"message": self.problem, "source": f"storage:{self._store.name}"})
        return updated


def session_store(stores: Registry[SessionStore]) -> SessionStore | None:
    """The signed-off storage plugin that saves sessions (the first, if several are), or None."""
    first = next(iter(stores), None)
    return first.obj if first is not None else None
