"""The event envelope (schema `vtcode.exec-events/1`) and its one serialized form, the audit line.

Payloads are typed per event type in _payloads.py. Evolution within /1 is additive only (see there).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

from .chain import canonical_body, format_ts, seal

EVENT_SCHEMA: Final = "vtcode.exec-events/1"


class Event(BaseModel):
    """One thing that happened. `hash` covers every other field and `prev_hash`, chaining the log."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    schema_: Literal["vtcode.exec-events/1"] = Field(default=EVENT_SCHEMA, alias="schema")
    id: str
    ts: datetime = Field(description="UTC")
    session: str
    seq: int = Field(ge=0)
    type: str = Field(pattern=r"^[a-z_]+(\.[a-z_]+)*$")
    actor: str
    payload: dict[str, Any] = Field(default_factory=dict)
    prev_hash: str | None = None
    hash: str | None = None

    # The exact line the audit log holds, kept by whoever sealed the event so sinks need not re-serialize.
    _line: str | None = PrivateAttr(default=None)

    def __eq__(self, other: object) -> bool:
        # Fields only: whether the line happens to be cached must not make two equal events differ.
        return isinstance(other, Event) and self.__dict__ == other.__dict__

    def to_line(self) -> str:
        """The canonical JSON line (no newline): hash-chained bytes when sealed, plain canonical otherwise."""
        private = self.__pydantic_private__  # direct: pydantic's attribute hook costs more than the rest
        line: str | None = private.get("_line") if private is not None else None
        if line is not None:
            return line
        body = canonical_body(self.envelope())
        line = seal(body)[1] if self.hash is not None else body
        self._line = line
        return line

    def envelope(self) -> dict[str, Any]:
        """Every field but `hash`, JSON-ready: what the hash covers."""
        return {
            "actor": self.actor,
            "id": self.id,
            "payload": self.payload,
            "prev_hash": self.prev_hash,
            "schema": self.schema_,
            "seq": self.seq,
            "session": self.session,
            "ts": format_ts(self.ts),
            "type": self.type,
        }
