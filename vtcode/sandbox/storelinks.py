"""Where the symlinks inside the user's credential stores lead: those targets are secrets too.

`~/.aws/credentials -> ~/dotfiles/aws/credentials` puts the secret at a path no store name covers; a
backend that decides on resolved paths (Seatbelt) or grants around hidden paths (Landlock) must hide the
target as well. Shared by the sandbox backends, so both hide the same files.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable

# Per store: Library/Mail or a browser profile can hold far more, and every command pays for the walk.
MAX_STORE_ENTRIES = 500
MAX_STORE_DEPTH = 3
STORE_CACHE_S = 60.0
_store_links: dict[tuple[str, Callable[[str], str]], tuple[tuple[int, int], float, tuple[str, ...]]] = {}


def _within(parent: str, path: str) -> bool:
    return path == parent or path.startswith(parent.rstrip("/") + "/")


def links_in(store: str, canonical: Callable[[str], str] = os.path.realpath) -> tuple[str, ...]:
    """The resolved targets of the symlinks in one store: a bounded walk, remembered for a minute while
    the store's own directory is unchanged (the sandbox cannot write a store, so only the user adds
    links, and seldom)."""
    try:
        st = os.stat(store)
    except OSError:
        return ()
    stamp = (st.st_ino, st.st_mtime_ns)
    key = (store, canonical)
    cached = _store_links.get(key)
    now = time.monotonic()
    if cached is not None and cached[0] == stamp and now - cached[1] < STORE_CACHE_S:
        return cached[2]
    found: list[str] = []
    budget = MAX_STORE_ENTRIES
    for top, dirs, files in os.walk(store):
        if top.count("/") - store.count("/") >= MAX_STORE_DEPTH:
            dirs[:] = []
        budget -= len(dirs) + len(files)
        if budget < 0:
            break
        for name in (*dirs, *files):
            path = os.path.join(top, name)
            if os.path.islink(path):
                found.append(canonical(path))
    if len(_store_links) > 256:
        _store_links.clear()
    _store_links[key] = (stamp, now, tuple(found))
    return tuple(found)


def linked_from_stores(stores: Iterable[str], *, keep_clear: tuple[str, ...],
                       canonical: Callable[[str], str] = os.path.realpath) -> list[str]:
    """The resolved targets of the symlinks inside each existing credential store (`stores`), each once.
    A link to a place that holds one of `keep_clear` (the workspace, the home, `/`) is not followed
    (hiding it would hide everything, and what it reaches is judged by its own path anyway). Bounded per
    store (`MAX_STORE_ENTRIES`, `MAX_STORE_DEPTH`): a link deeper or later in a huge store is not seen."""
    found: list[str] = []
    for store in dict.fromkeys(stores):
        if not os.path.isdir(store) or os.path.islink(store):
            continue  # a linked store is walked under its resolved spelling, which is also listed
        for target in links_in(store, canonical):
            if any(_within(target, clear) for clear in keep_clear) or target in found:
                continue
            found.append(target)
    return found
