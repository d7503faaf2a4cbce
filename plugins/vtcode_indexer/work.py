"""Indexing one file, in the calling process or in a pool worker.

Workers read through their own `Jail` over the same root (kernel-enforced: no symlink is followed out of
it, no secret is read), and build their own parsers: tree-sitter objects cannot be pickled. What crosses the
pipe back is plain tuples.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

from vtcode.api import InvariantError, PathDenied

from .extract import RawSymbol, extract
from .languages import GrammarMissing, language_of

MAX_FILE_BYTES = 1 << 20  # generated or vendored blobs beyond this are not worth a parse
Reader = Callable[[str, int], bytes]  # (relative path, byte limit) -> content, confined to the workspace


class Job(NamedTuple):
    path: str
    size: int
    mtime_ns: int
    old_hash: bytes | None  # unchanged content (same hash) is not parsed again


class Done(NamedTuple):
    path: str
    size: int
    mtime_ns: int
    hash: bytes | None
    language: str | None
    skipped: str | None
    symbols: list[RawSymbol] | None  # None: content unchanged since the last index


def index_file(job: Job, read: Reader) -> Done:
    language = language_of(job.path)
    if job.size > MAX_FILE_BYTES:
        return Done(*job[:3], None, language, "too large", [])
    try:
        data = read(job.path, MAX_FILE_BYTES + 1)
    except PermissionError:
        return Done(*job[:3], None, language, "permission denied", [])
    except (PathDenied, OSError, ValueError):  # the jail refused it (a link swapped in, a secret), or gone
        return Done(*job[:3], None, language, "unreadable", [])
    digest = hashlib.blake2b(data, digest_size=16).digest()
    if digest == job.old_hash:
        return Done(*job[:3], digest, language, None, None)
    if len(data) > MAX_FILE_BYTES:  # grew since it was listed
        return Done(*job[:3], digest, language, "too large", [])
    if b"\0" in data[:8192]:
        return Done(*job[:3], digest, language, "binary", [])
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return Done(*job[:3], digest, language, "not UTF-8", [])
    if language is None:
        return Done(*job[:3], digest, None, "not source code", [])
    try:
        symbols = extract(language, data)
    except GrammarMissing as missing:
        return Done(*job[:3], digest, language, str(missing), [])
    return Done(*job[:3], digest, language, None, symbols)


# -- pool workers -----------------------------------------------------------------------------------------

_read: Reader | None = None


def start_worker(root: str) -> None:
    """Pool initializer: this worker's own jail over the workspace."""
    global _read
    from vtcode.api import Jail

    jail = Jail(Path(root))
    _read = lambda path, limit: jail.read_bytes(path, limit=limit)  # noqa: E731


def index_in_worker(job: Job) -> Done:
    if _read is None:
        raise InvariantError("start_worker did not run")
    return index_file(job, _read)
