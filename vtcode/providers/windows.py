"""Remember each model's context window, so a session's first request does not wait for GET /models.

Listing a server's models costs a round trip (LM Studio's REST API, or /v1/models) before the first chat
request, on every `vtcode exec`. The window rarely changes, so it is kept in
`<user cache dir>/context-windows.json`, keyed by (provider, base URL, model), for `TTL_S` seconds; 0
records that the server states no window for the model (the budget's fallback applies), so that lookup
is not repeated either. A configured `context_length` still wins and never touches the cache. A stale
entry can only be too large when the model was reloaded with a smaller window; the server then refuses
the request (a `bad_request`) and the chain forgets the entry, so the next session asks again.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

from vtcode.atomic import write_text_atomic
from vtcode.paths import private_dir, user_cache_dir

TTL_S = 3600.0
_FILE = "context-windows.json"
_MAX_ENTRIES = 256  # a hostile or runaway cache cannot grow without bound


class WindowCache:
    """(provider, base URL, model) -> (context window, when it was learned). Unreadable means empty:
    a cache only saves time, it never decides anything a fresh lookup would not."""

    def __init__(
        self, path: Path | None, *, ttl_s: float = TTL_S, clock: Callable[[], float] = time.time
    ) -> None:
        self.path = path
        self.ttl_s = ttl_s
        self._clock = clock
        self._entries: dict[str, list[float]] | None = None

    @classmethod
    def default(cls) -> WindowCache:
        return cls(user_cache_dir() / _FILE)

    @staticmethod
    def key(provider: str, base_url: str, model: str) -> str:
        return json.dumps([provider, base_url.rstrip("/"), model])

    def get(self, key: str) -> int | None:
        """The window learned for `key` within the TTL; 0 when the server listed none for the model
        (the budget then uses its fallback); None when there is nothing fresh to go on."""
        entry = self._load().get(key)
        if entry is None:
            return None
        window, learned = entry
        if not 0 <= self._clock() - learned <= self.ttl_s:
            return None
        return int(window)

    def put(self, key: str, window: int) -> None:
        entries = self._load()
        entries[key] = [window, self._clock()]
        if len(entries) > _MAX_ENTRIES:  # drop the oldest
            for stale in sorted(entries, key=lambda k: entries[k][1])[: len(entries) - _MAX_ENTRIES]:
                del entries[stale]
        self._save()

    def forget(self, key: str) -> None:
        if self._load().pop(key, None) is not None:
            self._save()

    def _load(self) -> dict[str, list[float]]:
        if self._entries is None:
            self._entries = {}
            if self.path is not None:
                try:
                    raw = json.loads(self.path.read_text(encoding="utf-8"))
                except (OSError, ValueError):
                    raw = {}
                if isinstance(raw, dict):
                    self._entries = {
                        k: [float(v[0]), float(v[1])]
                        for k, v in raw.items()
                        if isinstance(v, list)
                        and len(v) == 2
                        and isinstance(v[0], int)
                        and not isinstance(v[0], bool)
                        and v[0] >= 0
                        and isinstance(v[1], (int, float))
                    }
        return self._entries

    def _save(self) -> None:
        if self.path is None or self._entries is None:
            return
        document = {k: [int(v[0]), v[1]] for k, v in self._entries.items()}
        try:
            private_dir(self.path.parent)
            write_text_atomic(self.path, json.dumps(document, separators=(",", ":")))
        except OSError:
            return  # an unwritable cache only costs a lookup next time
