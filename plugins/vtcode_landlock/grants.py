"""Which paths to hand Landlock, computed without touching the kernel.

Landlock can only grant: a rule on a directory covers everything beneath it, and nothing can subtract a
subpath afterwards. To keep a secret inside a granted tree unreachable (~/.ssh inside $HOME, gh inside
~/.config, /etc/shadow inside /etc) the grant on the tree is replaced by grants on the siblings along the
path to each secret. These functions work on resolved paths and only read directory listings.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass

# (name, is_directory) of each entry of a directory, symlinks excluded.
ListChildren = Callable[[str], list[tuple[str, bool]]]


@dataclass(frozen=True)
class Grant:
    """A path and the Landlock access bits to allow beneath it."""

    path: str
    access: int


@dataclass(frozen=True)
class GrantPlan:
    grants: tuple[Grant, ...]
    skipped: tuple[str, ...]  # requested paths that do not exist or could not be listed


def real_children(directory: str) -> list[tuple[str, bool]]:
    """Entries of `directory`, skipping symlinks.

    A symlink child must never become a rule: opening it would follow it and grant its target
    (~/notes -> ~/.ssh would hand the secret back). Its target stays reachable if granted elsewhere.
    """
    with os.scandir(directory) as entries:
        return sorted((e.name, e.is_dir(follow_symlinks=False)) for e in entries if not e.is_symlink())


def is_within(path: str, root: str) -> bool:
    """True if `path` is `root` or beneath it (both absolute and normalised)."""
    return path == root or path.startswith(root.rstrip("/") + "/")


def paths_excluding(tree: str, hidden: Iterable[str],
                    list_children: ListChildren = real_children) -> list[str]:
    """The paths that grant all of `tree` except the `hidden` paths inside it.

    `tree` inside (or equal to) a hidden path yields nothing. A hidden path under a non-directory entry
    cannot exist, so such an entry is dropped rather than guessed at.
    """
    hidden = list(hidden)
    if any(is_within(tree, h) for h in hidden):
        return []
    inner = [h for h in hidden if is_within(h, tree)]
    if not inner:
        return [tree]
    granted: list[str] = []
    for name, is_dir in list_children(tree):
        child = os.path.join(tree, name)
        if not any(is_within(h, child) for h in inner):
            granted.append(child)
        elif is_dir:
            granted.extend(paths_excluding(child, inner, list_children))
    return granted


def resolve(path: str) -> str | None:
    """The canonical path (symlinks resolved), or None if it does not exist."""
    try:
        return os.path.realpath(path, strict=True)
    except OSError:
        return None


def plan_grants(requested: Iterable[Grant], hidden: Iterable[str],
                list_children: ListChildren = real_children) -> GrantPlan:
    """Resolve, expand around hidden paths and merge the requested grants.

    Hidden paths are checked both as written and resolved: hiding ~/.ssh must also hide its target when
    ~/.ssh is a symlink to /secure/ssh. Missing requested paths are skipped, never guessed.
    """
    hidden_set = {os.path.abspath(h) for h in hidden}
    hidden_set |= {r for h in list(hidden_set) if (r := resolve(h)) is not None}
    merged: dict[str, int] = {}
    skipped: list[str] = []
    for grant in requested:
        tree = resolve(grant.path)
        if tree is None:
            skipped.append(grant.path)
            continue
        try:
            paths = paths_excluding(tree, hidden_set, list_children)
        except OSError:
            # An unlistable tree that holds a secret cannot be split safely: grant none of it.
            skipped.append(grant.path)
            continue
        for path in paths:
            merged[path] = merged.get(path, 0) | grant.access
    grants = tuple(Grant(p, a) for p, a in sorted(merged.items()))
    return GrantPlan(grants=grants, skipped=tuple(skipped))
