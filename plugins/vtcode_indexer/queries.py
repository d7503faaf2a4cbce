"""Questions asked of a workspace's index: a file's symbols and outline, where a name is defined or used.

Every question first brings the index up to date (cheap when nothing changed: a listing and a stat per
file), so answers never describe files as they were an hour ago. A corrupted index is rebuilt, not raised.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from vtcode_hookspecs import IndexStats, Symbol, SymbolKind

from vtcode.api import PathDenied

from .engine import IndexReport, update
from .store import IndexCorrupt, IndexStore, index_path
from .work import MAX_FILE_BYTES, Reader

_KINDS = frozenset({"function", "class", "method", "variable", "module"})
Row = tuple[str, str, str, int, int, str | None]


@dataclass(frozen=True, slots=True)
class Reference:
    path: str
    line: int
    text: str


class CodeIndex:
    """One workspace's index. `read` is how file content is reached (a tool passes its ctx's jail)."""

    def __init__(self, root: Path, read: Reader | None = None) -> None:
        self.root = root
        self._read = read

    def refresh(self) -> IndexReport:
        return update(self.root, read=self._read)

    def symbols(self, path: str) -> list[Symbol]:
        """Symbols of the file `path`, or of every file under it when it is a directory ("." = all)."""
        path = path.strip("/")
        if path in ("", "."):
            return self._rows(lambda store: store.symbols_under(""))
        rows = self._rows(lambda store: store.symbols_in(path))
        return rows or self._rows(lambda store: store.symbols_under(path + "/"))

    def find(self, name: str, *, exact: bool = False, limit: int = 100) -> list[Symbol]:
        """Definitions named `name` (exact) or containing it (case-insensitive), shortest names first."""
        return self._rows(lambda store: store.find(name, exact=exact))[:limit]

    def references(self, name: str, *, limit: int = 200) -> list[Reference]:
        """Word-bounded occurrences of `name` in indexed files: textual, so strings and comments count too."""
        pattern = re.compile(rb"(?<![\w$])" + re.escape(name.encode()) + rb"(?![\w$])")
        found: list[Reference] = []
        self.refresh()
        paths = sorted(self._indexed_paths())
        read = self._read or _jail_reader(self.root)
        for path in paths:
            try:
                data = read(path, MAX_FILE_BYTES)
            except (PathDenied, OSError, ValueError):  # refused by the jail or gone since listed: not one
                continue
            if name.encode() not in data:
                continue
            for number, line in enumerate(data.splitlines(), start=1):
                if pattern.search(line):
                    found.append(Reference(path, number, line.decode("utf-8", "replace").strip()[:200]))
                    if len(found) >= limit:
                        return found
        return found

    def _indexed_paths(self) -> set[str]:
        store = self._store()
        try:
            return {path for path, record in store.records().items() if not record.skipped}
        finally:
            store.close()

    def _rows(self, query: Callable[[IndexStore], list[Row]]) -> list[Symbol]:
        self.refresh()
        try:
            return self._ask(query)
        except IndexCorrupt:  # broken between the refresh and the question: rebuild once
            index_path(self.root).unlink(missing_ok=True)
            self.refresh()
            return self._ask(query)

    def _ask(self, query: Callable[[IndexStore], list[Row]]) -> list[Symbol]:
        store = self._store()
        try:
            return [_symbol(row) for row in query(store)]
        finally:
            store.close()

    def _store(self) -> IndexStore:
        return IndexStore(index_path(self.root), self.root)


def stats_of(report: IndexReport) -> IndexStats:
    skipped = dict(sorted(report.skipped.items()))
    return IndexStats(files=report.files, symbols=report.symbols, skipped=skipped)


def outline_text(symbols: list[Symbol]) -> str:
    """One line per symbol, indented under its parent: what an editor's outline pane shows."""
    lines = []
    open_ranges: list[tuple[int, str]] = []  # (end line, name) of enclosing symbols
    for symbol in symbols:
        while open_ranges and open_ranges[-1][0] < symbol.start_line:
            open_ranges.pop()
        level = len(open_ranges) if symbol.parent else 0
        lines.append(f"{'  ' * level}{symbol.kind} {symbol.name}  "
                     f"[{symbol.start_line}-{symbol.end_line}]")
        open_ranges.append((symbol.end_line, symbol.name))
    return "\n".join(lines)


def _symbol(row: Row) -> Symbol:
    path, name, kind, start, end, parent = row
    shown: SymbolKind = kind if kind in _KINDS else "other"  # type: ignore[assignment]
    return Symbol(name=name, kind=shown, path=path, start_line=start, end_line=max(end, start), parent=parent)


def _jail_reader(root: Path) -> Reader:
    from vtcode.api import Jail

    jail = Jail(root)
    return lambda path, limit: jail.read_bytes(path, limit=limit)
