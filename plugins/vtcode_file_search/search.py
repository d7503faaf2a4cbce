"""The quick-open API: a workspace's file list, ranked for a fuzzy query. The TUI keeps one `FileSearch`
per workspace and calls `search` per keystroke; `refresh` re-lists after files change."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from vtcode.api import InvariantError, Jail, list_workspace

from .ranking import PathTable


@dataclass(frozen=True, slots=True)
class Match:
    path: str  # relative to the workspace root: the list comes from the jailed walk, never from outside
    score: float


class FileSearch:
    def __init__(self, root: Path, *, hidden: bool = False) -> None:
        self._jail = Jail(root)
        self._hidden = hidden
        self._table: PathTable | None = None

    def refresh(self) -> int:
        """Re-list the workspace (.gitignore respected; symlinks out of the root never listed)."""
        listing = list_workspace(self._jail, hidden=self._hidden)
        self._table = PathTable([f.path for f in listing.files])
        return len(self._table.paths)

    def search(self, query: str, limit: int = 20) -> list[Match]:
        if self._table is None:
            self.refresh()
        if self._table is None:
            raise InvariantError("the file table was read before it was built")
        return [Match(path, score) for path, score in self._table.search(query, limit)]
