"""Remember file digests so a warm start hashes only files that changed.

Keyed per file by (size, mtime_ns, ctime_ns, inode): an edit that restores the old mtime still changes
ctime, which user space cannot set, so a tampered file is always re-hashed.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from collections.abc import Callable
from pathlib import Path

from vtcode.atomic import write_text_atomic
from vtcode.paths import private_dir, user_cache_dir

_CACHE_FILE = "plugin-digests.json"
_CHUNK = 1 << 20


class DigestCache:
    def __init__(self, path: Path | None, entries: dict[str, list[object]]) -> None:
        self._path = path
        self._entries = entries
        self._dirty = False

    @classmethod
    def open(cls) -> DigestCache:
        path = user_cache_dir() / _CACHE_FILE
        try:
            entries = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(entries, dict):
                entries = {}
        except (OSError, ValueError):
            entries = {}
        return cls(path, entries)

    @classmethod
    def in_memory(cls) -> DigestCache:
        return cls(None, {})

    def digest(self, file: Path, algorithm: str) -> str | None:
        """The urlsafe-base64 digest RECORD uses, or None when the file cannot be read."""
        try:
            st = os.stat(file)
        except OSError:
            return None
        key = str(file)
        stamp = [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, algorithm]
        cached = self._entries.get(key)
        if isinstance(cached, list) and cached[:5] == stamp and isinstance(cached[5], str):
            return cached[5]
        try:
            value = _hash_file(file, algorithm)
        except OSError:
            return None
        self._entries[key] = [*stamp, value]
        self._dirty = True
        return value

    def derived(self, file: Path, kind: str, compute: Callable[[Path], list[str]]) -> list[str]:
        """`compute(file)`, remembered under the same stamp as digests (so an edit recomputes it)."""
        try:
            st = os.stat(file)
        except OSError:
            return compute(file)
        key = f"{file}#{kind}"
        stamp = [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, kind]
        cached = self._entries.get(key)
        if isinstance(cached, list) and cached[:5] == stamp and isinstance(cached[5], list):
            return [str(item) for item in cached[5]]
        value = compute(file)
        self._entries[key] = [*stamp, value]
        self._dirty = True
        return value

    def save(self) -> None:
        if not self._dirty or self._path is None:
            return
        try:
            private_dir(self._path.parent)
            write_text_atomic(self._path, json.dumps(self._entries, separators=(",", ":")))
        except OSError:
            return  # a cache that cannot be written only costs time on the next start
        self._dirty = False


def _hash_file(file: Path, algorithm: str) -> str:
    hasher = hashlib.new(algorithm)
    with open(file, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            hasher.update(chunk)
    return base64.urlsafe_b64encode(hasher.digest()).rstrip(b"=").decode("ascii")
