"""Build or update a workspace's index: list, compare with what is stored, index only what changed.

A file is re-read when its size or mtime changed, and re-parsed only when its content hash did too (a
`touch` or a checkout of identical bytes costs a read, not a parse). A cold index, or any large batch,
runs on a pool of two processes: parsing is CPU-bound and the GIL would keep it on one core.
"""

from __future__ import annotations

import multiprocessing
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from vtcode.api import Jail, ListedFile, list_workspace

from .languages import language_of
from .store import FileRecord, FileResult, IndexCorrupt, IndexStore, index_path, write_fresh
from .work import Done, Job, Reader, index_file, index_in_worker, start_worker

WORKERS = 2
PARALLEL_MIN_BYTES = 512 * 1024  # below this a pool's start-up costs more than it saves


@dataclass(slots=True)
class IndexReport:
    """What one `update` did: the totals of the index, and how many files it had to look at again."""

    files: int = 0
    symbols: int = 0
    changed: int = 0
    removed: int = 0
    rebuilt: bool = False
    skipped: Counter[str] = field(default_factory=Counter)


def update(root: Path, *, read: Reader | None = None, workers: int = WORKERS) -> IndexReport:
    """Bring the index of `root` (absolute, resolved) up to date and say what it holds."""
    jail = Jail(root)
    listing = list_workspace(jail)
    report = IndexReport(skipped=Counter(listing.skipped))
    sources: list[ListedFile] = []
    for listed in listing.files:
        if language_of(listed.path) is None:
            report.skipped["not source code"] += 1
        else:
            sources.append(listed)
    target = index_path(root)
    store = _open(target, root)
    old = {} if store is None else _records(store)
    if old is None:  # opened, but its tables are unreadable: rebuild
        store, old = None, {}
    jobs: list[Job] = []
    touched: list[FileRecord] = []
    for listed in sources:
        known = old.get(listed.path)
        if known is not None and known.size == listed.size and known.mtime_ns == listed.mtime_ns:
            continue
        jobs.append(Job(listed.path, listed.size, listed.mtime_ns, known.hash if known else None))
    listed_paths = {s.path for s in sources}
    removed = [path for path in old if path not in listed_paths]
    reader = read or (lambda path, limit: jail.read_bytes(path, limit=limit))
    done = list(_run(jobs, root, reader, workers))
    results: list[FileResult] = []
    for item in done:
        record = FileRecord(item.path, item.size, item.mtime_ns, item.hash, item.language, item.skipped)
        if item.symbols is None:
            touched.append(record)
        else:
            results.append(FileResult(record, item.symbols))
    if store is None:
        write_fresh(target, root, results)
        report.rebuilt = True
        report.symbols = sum(len(result.symbols) for result in results)
    else:
        try:
            store.apply(results, removed, touched)
            report.symbols = store.count_symbols()
        except IndexCorrupt:
            # Broken mid-update: start over from nothing (the rebuild cannot loop: the file is gone).
            store.close()
            _discard(target)
            return update(root, read=read, workers=workers)
        store.close()
    report.changed, report.removed = len(results), len(removed)
    _tally(report, old, done, removed)
    return report


def _open(target: Path, root: Path) -> IndexStore | None:
    try:
        return IndexStore(target, root)
    except IndexCorrupt:
        return None


def _records(store: IndexStore) -> dict[str, FileRecord] | None:
    try:
        return store.records()
    except IndexCorrupt:
        store.close()
        return None


def _discard(target: Path) -> None:
    for name in (target, Path(f"{target}-wal"), Path(f"{target}-shm")):
        name.unlink(missing_ok=True)


def _tally(report: IndexReport, old: dict[str, FileRecord], done: list[Done], removed: list[str]) -> None:
    """Totals over the whole index: unchanged files count as they were recorded."""
    current = dict(old)
    for path in removed:
        current.pop(path, None)
    for item in done:
        current[item.path] = FileRecord(item.path, item.size, item.mtime_ns, item.hash, item.language,
                                        item.skipped)
    for record in current.values():
        if record.skipped:
            report.skipped[record.skipped] += 1
        else:
            report.files += 1


def _run(jobs: list[Job], root: Path, read: Reader, workers: int) -> Iterable[Done]:
    if workers < 2 or sum(job.size for job in jobs) < PARALLEL_MIN_BYTES:
        return (index_file(job, read) for job in jobs)
    return _pooled(jobs, root, workers)


def _pooled(jobs: list[Job], root: Path, workers: int) -> Iterator[Done]:
    # fork: workers inherit the imported modules, so a pool is ready in milliseconds (spawn re-imports
    # everything); the CLI is single-threaded when it forks. Biggest files first keeps both cores busy
    # to the end instead of one parsing the largest file alone.
    method = "fork" if sys.platform == "linux" else "spawn"
    ordered = sorted(jobs, key=lambda job: job.size, reverse=True)
    with multiprocessing.get_context(method).Pool(workers, start_worker, (str(root),)) as pool:
        yield from pool.imap_unordered(index_in_worker, ordered, chunksize=4)
