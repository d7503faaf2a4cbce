"""A run's place in a saved session: start a new one or continue a loaded one, and save as it goes (after
every turn, so a crash or Ctrl-C leaves a session that `vtcode exec --resume` continues)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from vtcode_hookspecs import ChatMessage, Error, SessionRecord, SessionStore

from vtcode.events import EventBus
from vtcode.events.capped import RECORD_STRING_BYTES, SESSION_STRING_BYTES, capped, capped_strings
from vtcode.plugins.registry import Registry

from .specs import system_prompt

# What a session id looks like (vtcode makes 32 hex digits): never a path, a dot or a separator.
SESSION_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,127}")


class BadSessionId(ValueError):
    """An id that is not of the form vtcode gives, or a saved session that is not the one asked for."""


def checked_session_id(session_id: str) -> str:
    """`session_id` if it is of the form vtcode gives ids; `--resume ../../tmp/x` is refused, not opened."""
    if not SESSION_ID.fullmatch(session_id):
        raise BadSessionId(
            f"{session_id!r} is not a session id (letters, digits, '-' and '_', at most 128; "
            "`vtcode` lists them in its sessions screen)"
        )
    return session_id


def load_session(store: SessionStore, session_id: str) -> SessionRecord:
    """Load by id, and refuse a file whose content is another session (copied or planted under this id)."""
    record = store.load(checked_session_id(session_id))
    if record.id != session_id:
        raise BadSessionId(f"the session saved as {session_id} holds session {record.id!r}: refused")
    return record


def new_session(
    session_id: str, workspace: Path, *, model: str, provider: str, guidance: str = ""
) -> SessionRecord:
    now = datetime.now(UTC)
    return SessionRecord(
        id=session_id,
        workspace=str(workspace),
        model=model,
        provider=provider,
        created=now,
        updated=now,
        messages=[ChatMessage(role="system", content=system_prompt(workspace, guidance))],
    )


class SessionSaver:
    """Saves through the configured store; a store that fails is reported once and the run goes on."""

    def __init__(self, store: SessionStore | None, bus: EventBus) -> None:
        self._store = store
        self._bus = bus
        self.problem: str | None = None

    def save(self, record: SessionRecord, messages: list[ChatMessage], meta: dict[str, Any]) -> SessionRecord:
        updated = record.model_copy(
            update={
                "messages": [_capped(m) for m in messages],
                "updated": datetime.now(UTC),
                "meta": capped_strings({**record.meta, **meta}, RECORD_STRING_BYTES),
            }
        )
        if self._store is None or self.problem is not None:
            return updated
        try:
            self._store.save(updated)
        except (OSError, ValueError) as exc:  # includes a corrupted file the store refuses to overwrite
            self.problem = f"session {record.id} was not saved: {' '.join(str(exc).split())}"
            self._bus.record(Error(message=self.problem, source=f"storage:{self._store.name}"))
        return updated


SESSION_NAME_BYTES = 1024  # a tool-call name or id: real ones are a few dozen bytes


def _capped(message: ChatMessage) -> ChatMessage:
    """A message as saved: every part capped (content, tool-call names, ids and arguments), each with its
    size and sha256. Every call is kept (a result without its call would not resume); the reply cap
    bounds how many there can be."""
    content = capped(message.content, SESSION_STRING_BYTES)
    calls = []
    for call in message.tool_calls:
        update = {"arguments": capped(call.arguments, SESSION_STRING_BYTES),
                  "name": capped(call.name, SESSION_NAME_BYTES), "id": capped(call.id, SESSION_NAME_BYTES)}
        same = all(update[key] is getattr(call, key) for key in update)
        calls.append(call if same else call.model_copy(update=update))
    call_id = message.tool_call_id
    capped_id = None if call_id is None else capped(call_id, SESSION_NAME_BYTES)
    if content is message.content and capped_id is call_id and all(
            a is b for a, b in zip(calls, message.tool_calls, strict=True)):
        return message
    return message.model_copy(update={"content": content, "tool_calls": calls, "tool_call_id": capped_id})


def session_store(stores: Registry[SessionStore]) -> SessionStore | None:
    """The signed-off storage plugin that saves sessions (the first, if several are), or None."""
    first = next(iter(stores), None)
    return first.obj if first is not None else None
