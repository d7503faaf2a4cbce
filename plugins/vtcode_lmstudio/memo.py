"""Which of LM Studio's APIs a server speaks, learned once per server and remembered.

Detection walks v1 -> v0 -> /v1/models, one 404 per step; a start that had to walk it every time would pay
up to two extra round trips. The answer is kept in `<user cache dir>/lmstudio-api.json`, beside the
core's context-window cache, keyed by the server's root URL, for `TTL_S`. An upgraded LM Studio is found
again when the entry expires, and at once when the remembered path stops answering (404). Unreadable
means empty: the memo only saves time, it never decides anything a fresh detection would not.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import get_args

from vtcode.api import private_dir, user_cache_dir, write_text_atomic

from .shapes import ApiVersion

TTL_S = 86_400.0
FILE = "lmstudio-api.json"
_MAX_ENTRIES = 64


class ApiMemo:
    def __init__(
        self, path: Path | None, *, ttl_s: float = TTL_S, clock: Callable[[], float] = time.time
    ) -> None:
        self.path = path
        self.ttl_s = ttl_s
        self._clock = clock

    @classmethod
    def default(cls) -> ApiMemo:
        return cls(user_cache_dir() / FILE)

    def get(self, root_url: str) -> ApiVersion | None:
        entry = self._load().get(root_url.rstrip("/"))
        if entry is None:
            return None
        version, learned = entry
        if not 0 <= self._clock() - learned <= self.ttl_s:
            return None
        return version

    def put(self, root_url: str, version: ApiVersion) -> None:
        entries = self._load()
        entries[root_url.rstrip("/")] = (version, self._clock())
        newest = sorted(entries.items(), key=lambda kv: kv[1][1], reverse=True)[:_MAX_ENTRIES]
        self._save(dict(newest))

    def forget(self, root_url: str) -> None:
        entries = self._load()
        if entries.pop(root_url.rstrip("/"), None) is not None:
            self._save(entries)

    def _load(self) -> dict[str, tuple[ApiVersion, float]]:
        if self.path is None:
            return {}
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        if not isinstance(raw, dict):
            return {}
        versions = get_args(ApiVersion)
        return {
            url: (entry[0], float(entry[1]))
            for url, entry in raw.items()
            if isinstance(entry, list)
            and len(entry) == 2
            and entry[0] in versions
            and isinstance(entry[1], (int, float))
            and not isinstance(entry[1], bool)
        }

    def _save(self, entries: dict[str, tuple[ApiVersion, float]]) -> None:
        if self.path is None:
            return
        try:
            private_dir(self.path.parent)
            write_text_atomic(self.path, json.dumps({k: list(v) for k, v in entries.items()}))
        except OSError:
            return  # an unwritable cache only costs a detection next time
