"""KernelRules cached per spec for one session: splitting granted trees around secrets (~160 Landlock
rules with a pyenv PATH and a home read root) costs milliseconds, and the result only changes with the spec.

A different spec is a different key. An entry is rebuilt when it is older than `max_age_s` (a new entry
in a split tree, e.g. a new ~/.cache sibling, is only granted by a rebuild: until then it is denied, which
fails closed) or when a write root was replaced (Landlock rules hold the inode, not the name: a
recreated workspace would otherwise stay unwritable). The ruleset fd may be reused by any number of
children: landlock_restrict_self only reads it.
"""

from __future__ import annotations

import os
import threading
import time
from collections import OrderedDict

from .confine import ConfinementSpec, KernelRules, rules_key

MAX_ENTRIES = 8
MAX_AGE_S = 300.0
Identity = tuple[tuple[int, int] | None, ...]


def _identity(spec: ConfinementSpec) -> Identity:
    """(device, inode) of each write root: a replaced root invalidates the rules granted on it."""
    found: list[tuple[int, int] | None] = []
    for path in (*spec.write_paths, *((spec.tmp_dir,) if spec.tmp_dir else ())):
        try:
            st = os.stat(path)
            found.append((st.st_dev, st.st_ino))
        except OSError:
            found.append(None)
    return tuple(found)


class RulesCache:
    """A small LRU of KernelRules; evicted entries close once the last Confinement using them is gone."""

    def __init__(self, max_entries: int = MAX_ENTRIES, max_age_s: float = MAX_AGE_S) -> None:
        self._entries: OrderedDict[ConfinementSpec, tuple[KernelRules, Identity, float]] = OrderedDict()
        self._lock = threading.Lock()
        self.max_entries = max_entries
        self.max_age_s = max_age_s
        self.hits = 0
        self.builds = 0

    def rules(self, spec: ConfinementSpec) -> KernelRules:
        key = rules_key(spec)
        identity = _identity(spec)
        now = time.monotonic()
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and entry[1] == identity and now - entry[2] < self.max_age_s:
                self._entries.move_to_end(key)
                self.hits += 1
                return entry[0]
        built = KernelRules(spec)  # outside the lock: a slow build must not stall other sessions' hits
        with self._lock:
            self.builds += 1
            self._entries[key] = (built, identity, now)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)  # the fd closes when the last holder drops it
        return built

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
