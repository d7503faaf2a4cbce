"""Session stores: save, load and list agent sessions."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field

from ._providers import ChatMessage


class SessionRecord(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)

    id: str = Field(pattern=r"^[A-Za-z0-9_.-]{1,128}$")
    workspace: str
    model: str = ""
    provider: str = ""
    created: datetime
    updated: datetime
    messages: list[ChatMessage] = Field(default_factory=list)
    meta: dict[str, Any] = Field(default_factory=dict)


class SessionSummary(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)

    id: str
    workspace: str
    updated: datetime
    title: str = ""


@runtime_checkable
class SessionStore(Protocol):
    @property
    def name(self) -> str: ...

    def save(self, session: SessionRecord) -> None: ...

    def load(self, session_id: str) -> SessionRecord: ...

    def list(self) -> list[SessionSummary]: ...
