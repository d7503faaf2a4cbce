"""The event envelope (schema `vtcode.exec-events/1`).

Typed payloads per event type are added inside this envelope; evolution within /1 is additive only.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field

EVENT_SCHEMA: Final = "vtcode.exec-events/1"


class Event(BaseModel):
    """One thing that happened. `hash` covers every other field and `prev_hash`, chaining the log."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    schema_: Literal["vtcode.exec-events/1"] = Field(default=EVENT_SCHEMA, alias="schema")
    id: str
    ts: datetime
    session: str
    seq: int = Field(ge=0)
    type: str = Field(pattern=r"^[a-z_]+(\.[a-z_]+)*$")
    actor: str
    payload: dict[str, Any] = Field(default_factory=dict)
    prev_hash: str | None = None
    hash: str | None = None
