"""Building a sealed event: the next link of the session's hash chain, serialized once.

This is the hot path (every event). Every field comes from the bus itself, already checked, so the Event
is built without pydantic re-validating it (`model_construct` alone costs more than the rest together);
the canonical line is kept on the event so sinks write it without serializing again. Both shortcuts are
tested to give exactly what the validated, slow path gives.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from vtcode_hookspecs import EVENT_SCHEMA, Event
from vtcode_hookspecs.chain import canonical_payload, envelope_body, format_ts, seal

_FIELDS = frozenset(Event.model_fields)
_new = object.__new__
_set = object.__setattr__


def new_session_id() -> str:
    return uuid.uuid4().hex


def seal_event(
    session: str,
    seq: int,
    type: str,
    actor: str,
    payload: dict[str, Any],
    prev_hash: str | None,
    ts: datetime,
) -> Event:
    event_id = f"{session}-{seq}"  # unique across sessions, and cheaper than a uuid per event
    body = envelope_body(
        actor, event_id, canonical_payload(payload), prev_hash, seq, session, format_ts(ts), type
    )
    digest, line = seal(body)
    event = _new(Event)
    # What BaseModel.model_construct stores, without its generic per-field work.
    _set(
        event,
        "__dict__",
        {
            "schema_": EVENT_SCHEMA,
            "id": event_id,
            "ts": ts,
            "session": session,
            "seq": seq,
            "type": type,
            "actor": actor,
            "payload": payload,
            "prev_hash": prev_hash,
            "hash": digest,
        },
    )
    _set(event, "__pydantic_fields_set__", _FIELDS)
    _set(event, "__pydantic_extra__", None)
    _set(event, "__pydantic_private__", {"_line": line})
    return event
