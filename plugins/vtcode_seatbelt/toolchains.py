"""Read grants for the toolchains the user's PATH points into, on macOS: a venv, pyenv, nvm, rustup, uv.

The same rule as the Linux backend: a PATH entry named bin/sbin/shims grants its parent (the prefix
whose lib/ holds what bin/ runs), never the home directory, an ancestor of it, or an ancestor of the
workspace, so `~/bin` does not hand over the home. Each python on such an entry also grants the prefix
its symlink leads to (a venv made by uv or pyenv), and a rustup proxy in `~/.cargo/bin` grants
`~/.rustup`, where the toolchains it runs live. Every grant is canonical (Seatbelt sees resolved paths).
"""

from __future__ import annotations

import os

from .paths import canonical, is_within

_BIN_NAMES = frozenset({"bin", "sbin", "shims"})
_INTERPRETERS = ("python", "python3")
# A PATH entry under one of these needs a sibling tree too (rustup's proxies run ~/.rustup's toolchains).
_COMPANIONS = {".cargo": ".rustup"}


def _prefix(directory: str, home: str, workspace: str) -> str:
    parent = os.path.dirname(directory)
    if (
        os.path.basename(directory) not in _BIN_NAMES
        or parent == "/"
        or is_within(parent, home)
        or is_within(parent, workspace)
    ):
        return directory
    return parent


def toolchain_roots(path_env: str, *, home: str, workspace: str, system: tuple[str, ...],
                    secrets: tuple[str, ...] = ()) -> tuple[str, ...]:
    """Directories to grant read and executable mapping so the user's PATH keeps working. A prefix
    that holds a credential store (`~/.local` holds `~/.local/share/keyrings`, `~/.config` holds
    `~/.config/gh`) is narrowed to the PATH entry itself, and an entry that holds one is not granted:
    the denies name only the stores on the list, and whatever else such a tree holds would be readable."""
    roots: list[str] = []
    for entry in path_env.split(os.pathsep):
        if not entry or not os.path.isabs(entry):
            continue  # a relative entry means whatever the working directory is: never granted
        real = canonical(entry)
        if not os.path.isdir(real):
            continue
        candidates = [_prefix(real, home, workspace), real]
        for name in _INTERPRETERS:
            target = canonical(os.path.join(real, name))
            if os.path.isfile(target):
                candidates.append(_prefix(os.path.dirname(target), home, workspace))
        for root in list(candidates):
            companion = _COMPANIONS.get(os.path.basename(root))
            if companion and os.path.dirname(root) == home and os.path.isdir(os.path.join(home, companion)):
                candidates.append(canonical(os.path.join(home, companion)))
        for root in candidates:
            if is_within(root, home) or is_within(root, workspace) or any(is_within(s, root) for s in system):
                continue  # the home or the workspace (or an ancestor of either) is never a toolchain
            if any(is_within(root, s) for s in secrets) or any(is_within(s, root) for s in secrets):
                continue  # holds a credential store, or is in one: the narrower candidate, or nothing
            if any(is_within(r, root) for r in roots):
                continue  # already granted by a wider root
            roots.append(root)
    return tuple(roots)


# Where version managers keep the interpreters a venv or a shim points at (uv, pyenv, rye, mise, asdf,
# nvm, volta, rustup). A workspace's `.venv/bin/python -> ~/.local/share/uv/python/.../python3.12` must
# run whether or not the venv is on PATH (agents run `.venv/bin/python -m pytest` and `uv run` without
# activating). Granted by these fixed names, never from a venv's `pyvenv.cfg`: that file is workspace
# content a previous command could write (`home = ~/Documents/bin` would hand over ~/Documents).
INTERPRETER_STORES: tuple[str, ...] = (
    ".local/share/uv/python", ".pyenv/versions", ".rye/py", ".local/share/mise/installs", ".asdf/installs",
    ".nvm/versions", ".volta/tools/image", ".rustup/toolchains",
)


def interpreter_stores(*, home: str, workspace: str, system: tuple[str, ...],
                       secrets: tuple[str, ...] = ()) -> tuple[str, ...]:
    """The stores above that exist, canonical, each held to toolchain_roots' rules (never the home, the
    workspace or an ancestor of either, nothing that holds or lies in a credential store)."""
    roots: list[str] = []
    for rel in INTERPRETER_STORES:
        path = os.path.join(home, rel)
        if not os.path.isdir(path):
            continue
        root = canonical(path)
        if is_within(root, home) or is_within(root, workspace) or any(is_within(s, root) for s in system):
            continue
        if any(is_within(root, s) or is_within(s, root) for s in secrets):
            continue
        roots.append(root)
    return tuple(roots)
