"""The persisted index: one sqlite file per workspace under the user cache dir.

A full build is written to a temporary file and renamed into place, so a crash mid-build leaves the previous
index (or none), never half of one. Incremental updates are sqlite transactions (WAL). Anything wrong with
the file (not sqlite, another schema, another workspace's, truncated) raises `IndexCorrupt`, and the engine
rebuilds: a cache is never a reason to fail.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from vtcode.api import private_dir, user_cache_dir

from .extract import RawSymbol

SCHEMA = "vtcode-index/1"
_DDL = """
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE files(path TEXT PRIMARY KEY, size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL, hash BLOB,
                   language TEXT, skipped TEXT) WITHOUT ROWID;
CREATE TABLE symbols(path TEXT NOT NULL, name TEXT NOT NULL, kind TEXT NOT NULL, start_line INTEGER NOT NULL,
                     end_line INTEGER NOT NULL, parent TEXT);
"""
_INDEXES = """
CREATE INDEX symbols_by_name ON symbols(name);
CREATE INDEX symbols_by_path ON symbols(path);
"""


class IndexCorrupt(Exception):
    """The index file cannot be used as it is; the caller rebuilds it."""


@dataclass(frozen=True, slots=True)
class FileRecord:
    """One file's entry: how it looked when indexed, and why it has no symbols if it was skipped."""

    path: str
    size: int
    mtime_ns: int
    hash: bytes | None
    language: str | None
    skipped: str | None


@dataclass(frozen=True, slots=True)
class FileResult:
    record: FileRecord
    symbols: list[RawSymbol]


def index_path(root: Path) -> Path:
    """Keyed by a digest of the root's path: two workspaces never share (or learn of) each other's file."""
    key = hashlib.sha256(os.fsencode(root)).hexdigest()[:32]
    return private_dir(user_cache_dir() / "index") / f"{key}.sqlite"


def write_fresh(target: Path, root: Path, results: Iterable[FileResult]) -> None:
    """Build a whole new index next to `target` and rename it over: readers see the old or the new one."""
    temp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    with contextlib.suppress(FileNotFoundError):
        temp.unlink()
    try:
        db = sqlite3.connect(temp)
        try:
            db.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;" + _DDL)
            db.executemany("INSERT INTO meta VALUES (?, ?)", [("schema", SCHEMA), ("root", str(root))])
            _insert(db, results)
            db.executescript(_INDEXES)
            db.commit()
        finally:
            db.close()
        fd = os.open(temp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temp, target)
        for stale in ("-wal", "-shm"):  # the old file's WAL must not be replayed onto the new one
            with contextlib.suppress(FileNotFoundError):
                os.unlink(f"{target}{stale}")
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()
        raise


def _insert(db: sqlite3.Connection, results: Iterable[FileResult]) -> None:
    for result in results:
        r = result.record
        db.execute("INSERT OR REPLACE INTO files VALUES (?, ?, ?, ?, ?, ?)",
                   (r.path, r.size, r.mtime_ns, r.hash, r.language, r.skipped))
        db.executemany("INSERT INTO symbols VALUES (?, ?, ?, ?, ?, ?)",
                       [(r.path, *symbol) for symbol in result.symbols])


class IndexStore:
    """An open index. Every sqlite failure surfaces as IndexCorrupt."""

    def __init__(self, path: Path, root: Path) -> None:
        if not path.is_file():
            raise IndexCorrupt("no index yet")
        self.path = path
        with _corrupt_on_error():
            self._db = sqlite3.connect(f"file:{path}?mode=rw", uri=True, isolation_level=None)
            meta = dict(self._db.execute("SELECT key, value FROM meta").fetchall())
            if meta.get("schema") != SCHEMA or meta.get("root") != str(root):
                self._db.close()
                raise IndexCorrupt("index of another schema or workspace")
            self._db.execute("PRAGMA synchronous=NORMAL")

    def close(self) -> None:
        self._db.close()

    def records(self) -> dict[str, FileRecord]:
        with _corrupt_on_error():
            rows = self._db.execute("SELECT path, size, mtime_ns, hash, language, skipped FROM files")
            return {row[0]: FileRecord(*row) for row in rows}

    def apply(self, results: list[FileResult], removed: list[str], touched: list[FileRecord]) -> None:
        """One transaction: replace changed files, drop removed ones, refresh stat data of unchanged ones."""
        with _corrupt_on_error():
            if self._db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("BEGIN IMMEDIATE")
            try:
                gone = [(p,) for p in removed] + [(r.record.path,) for r in results]
                self._db.executemany("DELETE FROM symbols WHERE path = ?", gone)
                self._db.executemany("DELETE FROM files WHERE path = ?", [(p,) for p in removed])
                _insert(self._db, results)
                self._db.executemany("UPDATE files SET size = ?, mtime_ns = ? WHERE path = ?",
                                     [(r.size, r.mtime_ns, r.path) for r in touched])
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    def count_symbols(self) -> int:
        with _corrupt_on_error():
            count: int = self._db.execute("SELECT count(*) FROM symbols").fetchone()[0]
            return count

    def symbols_in(self, path: str) -> list[tuple[str, str, str, int, int, str | None]]:
        with _corrupt_on_error():
            return self._db.execute(
                "SELECT path, name, kind, start_line, end_line, parent FROM symbols WHERE path = ? "
                "ORDER BY start_line, rowid", (path,)).fetchall()

    def symbols_under(self, prefix: str) -> list[tuple[str, str, str, int, int, str | None]]:
        with _corrupt_on_error():
            if not prefix:
                return self._db.execute("SELECT path, name, kind, start_line, end_line, parent FROM symbols "
                                        "ORDER BY path, start_line, rowid").fetchall()
            return self._db.execute(
                "SELECT path, name, kind, start_line, end_line, parent FROM symbols "
                "WHERE substr(path, 1, ?) = ? ORDER BY path, start_line, rowid",
                (len(prefix), prefix)).fetchall()

    def find(self, name: str, *, exact: bool) -> list[tuple[str, str, str, int, int, str | None]]:
        with _corrupt_on_error():
            if exact:
                return self._db.execute(
                    "SELECT path, name, kind, start_line, end_line, parent FROM symbols WHERE name = ? "
                    "ORDER BY path, start_line", (name,)).fetchall()
            return self._db.execute(
                "SELECT path, name, kind, start_line, end_line, parent FROM symbols "
                "WHERE instr(lower(name), lower(?)) > 0 ORDER BY length(name), path, start_line",
                (name,)).fetchall()


@contextlib.contextmanager
def _corrupt_on_error() -> Iterator[None]:
    try:
        yield
    except sqlite3.DatabaseError as exc:  # includes "file is not a database" and malformed images
        raise IndexCorrupt(str(exc)) from exc
