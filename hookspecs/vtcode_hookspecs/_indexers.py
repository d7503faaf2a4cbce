"""Code indexers: symbols and outlines of files inside the workspace."""

from __future__ import annotations

from pathlib import Path
from typing import Literal, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field

SymbolKind = Literal["function", "class", "method", "variable", "module", "other"]


class Symbol(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    name: str
    kind: SymbolKind
    path: str  # relative to the workspace root
    start_line: int = Field(ge=1)
    end_line: int = Field(ge=1)
    parent: str | None = None


class IndexStats(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)

    files: int = 0
    symbols: int = 0
    skipped: dict[str, int] = Field(default_factory=dict)  # reason -> count


@runtime_checkable
class Indexer(Protocol):
    @property
    def name(self) -> str: ...

    def index(self, root: Path) -> IndexStats: ...

    def symbols(self, root: Path, path: str) -> list[Symbol]: ...
