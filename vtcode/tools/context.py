"""The ToolContext the core lends a tool for one call: the jail is the only way to the file system."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from vtcode.events import EventBus
from vtcode.workspace.jail import Jail


class CallContext:
    def __init__(self, jail: Jail, bus: EventBus, tool: str) -> None:
        self._jail = jail
        self._bus = bus
        self._tool = tool

    @property
    def workspace(self) -> Path:
        return self._jail.root

    def resolve(self, path: str, *, write: bool = False) -> Path:
        return self._jail.resolve(path, write=write)

    def read_bytes(self, path: str, *, limit: int | None = None) -> bytes:
        return self._jail.read_bytes(path, limit=limit)

    def write_bytes(self, path: str, data: bytes) -> Path:
        return self._jail.write_atomic(path, data)

    def emit(self, type: str, payload: dict[str, Any]) -> None:
        self._bus.emit(type, payload, actor=f"tool:{self._tool}")
