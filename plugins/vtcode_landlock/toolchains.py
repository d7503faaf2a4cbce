"""Read grants for the toolchains the user's PATH points into (a venv, pyenv, cargo, nvm, uv pythons).

A PATH entry named bin/sbin/shims grants its parent (the venv or toolchain prefix: its lib/ holds what
bin/ runs), never a parent that is the home directory, an ancestor of it, or an ancestor of the
workspace: `~/bin` or `/work/bin` must not hand over the home directory or neighbouring workspaces.
Each python in such an entry also grants the prefix its symlink leads to (a venv made by uv or pyenv).
"""

from __future__ import annotations

import functools
import os

from .defaults import SYSTEM_READ_PATHS
from .grants import is_within

_BIN_NAMES = frozenset({"bin", "sbin", "shims"})
_INTERPRETERS = ("python", "python3")


def _prefix(directory: str, home: str, workspace: str) -> str:
    parent = os.path.dirname(directory)
    if (
        os.path.basename(directory) not in _BIN_NAMES
        or parent == "/"
        or is_within(home, parent)
        or is_within(workspace, parent)
    ):
        return directory
    return parent


def toolchain_roots(path_env: str, *, home: str, workspace: str) -> tuple[str, ...]:
    """Directories to grant read (and execute) so the user's PATH keeps working inside the sandbox."""
    roots: list[str] = []
    for entry in path_env.split(os.pathsep):
        if not entry or not os.path.isabs(entry):
            continue  # a relative entry ("." ) would mean whatever the cwd is: never granted
        real = os.path.realpath(entry)
        if not os.path.isdir(real):
            continue
        candidates = [_prefix(real, home, workspace)]
        for name in _INTERPRETERS:
            target = os.path.realpath(os.path.join(real, name))
            if os.path.isfile(target):
                candidates.append(_prefix(os.path.dirname(target), home, workspace))
        for root in candidates:
            if root == "/" or any(is_within(root, s) for s in SYSTEM_READ_PATHS) or root in roots:
                continue
            roots.append(root)
    return tuple(roots)


# Toolchains that find their own state through HOME, which the sandbox replaces by a private temp dir:
# (directory under the real home whose bin/ or shims/ is on PATH, variable naming it, companion
# directories to grant for reading, and the variable for each).
_HOME_TOOLCHAINS = (
    (".cargo", "CARGO_HOME", ((".rustup", "RUSTUP_HOME"),)),
    (".pyenv", "PYENV_ROOT", ()),
    (".nvm", "NVM_DIR", ()),
    (".volta", "VOLTA_HOME", ()),
    (".rbenv", "RBENV_ROOT", ()),
)


def toolchain_homes(path_env: str, *, home: str) -> tuple[dict[str, str], tuple[str, ...]]:
    found, roots = _toolchain_homes(path_env, home)
    return dict(found), roots


@functools.lru_cache(maxsize=32)
def _toolchain_homes(path_env: str, home: str) -> tuple[tuple[tuple[str, str], ...], tuple[str, ...]]:
    """Memoised (every command of a session sends the same PATH): (environment for the child, extra read
    roots) so a toolchain on PATH that keeps its state under
    the real home (rustup's toolchains in ~/.rustup, pyenv's versions) still finds it when HOME is the
    sandbox's temp dir. Only what PATH already points into is named; nothing else of the home is granted."""
    env: dict[str, str] = {}
    roots: list[str] = []
    entries = [os.path.realpath(e) for e in path_env.split(os.pathsep) if e and os.path.isabs(e)]
    for name, variable, companions in _HOME_TOOLCHAINS:
        base = os.path.realpath(os.path.join(home, name))
        if not any(is_within(e, base) for e in entries) or not os.path.isdir(base):
            continue
        env[variable] = base
        for companion, companion_variable in companions:
            extra = os.path.realpath(os.path.join(home, companion))
            if os.path.isdir(extra):
                env[companion_variable] = extra
                roots.append(extra)
    return tuple(env.items()), tuple(roots)
