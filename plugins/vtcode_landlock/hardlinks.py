"""Hard links: the one way a path-based sandbox is reached under a name it did not grant or protect.

Landlock decides by path: `<ws>/x` is beneath the writable workspace, so writing it is allowed even when
it is another name of ~/.bashrc or of a file in a shared package cache (pnpm and uv link from their
stores). Inside the sandbox no such link can be made: link() out of a tree without REFER fails with
EXDEV, and a link across a bind mount fails with EXDEV too. Links made before the sandbox existed are
invisible to the kernel, so they are found here by walking (symlinks are never followed).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Collection, Iterable, Iterator

Inode = tuple[int, int]  # (st_dev, st_ino)


def _regular_files(tree: str, limit: int) -> Iterator[tuple[str, os.stat_result]]:
    walked = 0
    for directory, _dirs, files in os.walk(tree):
        for name in files:
            walked += 1
            if walked > limit:
                # A partial answer would read as "no links": refuse instead.
                raise OverflowError(f"{tree} has more than {limit} files; scan a narrower tree")
            path = os.path.join(directory, name)
            try:
                st = os.lstat(path)
            except FileNotFoundError:
                continue
            if stat.S_ISREG(st.st_mode):
                yield path, st


def find_outside_hardlinks(tree: str, limit: int = 200_000) -> list[str]:
    """Regular files under `tree` with at least one hard link outside it.

    A file whose st_nlink exceeds the names the walk saw for its inode has a name elsewhere; every
    name inside the tree is returned, so the caller can protect or replace them all.
    """
    names: dict[Inode, list[str]] = {}
    nlinks: dict[Inode, int] = {}
    for path, st in _regular_files(tree, limit):
        if st.st_nlink > 1:
            key = (st.st_dev, st.st_ino)
            names.setdefault(key, []).append(path)
            nlinks[key] = st.st_nlink
    return sorted(p for key, paths in names.items() if len(paths) < nlinks[key] for p in paths)


def names_in_trees(trees: Iterable[str], inodes: Collection[Inode],
                   limit: int = 200_000) -> dict[Inode, list[str]]:
    """Every name under `trees` of each inode in `inodes`."""
    found: dict[Inode, list[str]] = {key: [] for key in inodes}
    for tree in trees:
        for path, st in _regular_files(tree, limit):
            key = (st.st_dev, st.st_ino)
            if key in found:
                found[key].append(path)
    return found
