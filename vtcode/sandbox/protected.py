"""The protected paths the kernel layer guards inside a writable workspace.

The jail (workspace/protected.py) refuses the agent's own writes to every .git entry; a command the
agent runs must still commit, so inside the sandbox only what decides what code runs later, or what
changes trust, is read-only: every repository's git control files (gitguard.py: the git directory but
what ordinary git work writes, nested repositories, submodules and worktrees included, and whatever git's
configuration points at inside the workspace), the trust marker, vtcode's own configuration and the shell
start-up files at the root.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from pathlib import Path

from vtcode.paths import own_paths, private_dir, user_cache_dir, user_config_dir, user_data_dir
from vtcode.workspace.protected import RC_FILES
from vtcode.workspace.trust import TRUST_MARKER

from .gitguard import GitEntry, gitdir_listing, repository_protection


@dataclass(frozen=True)
class Protection:
    """What to guard for one command, and the repositories found, to compare with after it."""

    paths: tuple[str, ...]
    git_entries: tuple[GitEntry, ...]
    gitdir_names: dict[str, frozenset[str]]


def kernel_protection(root: Path, home: str | None = None) -> Protection:
    """Absolute paths; a trailing "/" marks a directory the kernel layer may create empty to guard it."""
    base = str(root)
    git_paths, entries = repository_protection(base, home or os.path.expanduser("~"))
    vtcode_dir = os.path.join(base, ".vtcode")
    # A missing .vtcode/ is watched rather than created: an empty directory in every workspace is litter.
    vtcode_entry = vtcode_dir + "/" if os.path.isdir(vtcode_dir) else vtcode_dir
    rc_files = [os.path.join(base, name) for name in sorted(RC_FILES)]
    paths = (
        *git_paths,
        os.path.join(base, TRUST_MARKER),
        os.path.join(base, "vtcode.toml"),
        vtcode_entry,
        *rc_files,
    )
    # A repository the command creates at the root (none before) is rebuilt after it (gitcontain).
    return Protection(tuple(dict.fromkeys(paths)), tuple(entries), gitdir_listing(entries, base))


def kernel_protected_paths(root: Path) -> tuple[str, ...]:
    return kernel_protection(root).paths


def own_state_paths(root: Path) -> tuple[str, ...]:
    """vtcode's own code and state (paths.own_paths), for `SandboxRequest.state_paths`. The user's config,
    data and cache dirs are created first (private), so that a command cannot create them with content
    of its own choosing before vtcode does; a trailing "/" marks directories, as for protected paths."""
    for make in (user_config_dir, user_data_dir, user_cache_dir):
        directory = make()
        if directory not in _MADE:  # once per process: each costs a stat, a mkdir and a chmod
            with contextlib.suppress(OSError):
                private_dir(directory)
                _MADE.add(directory)
    return tuple(p + "/" if os.path.isdir(p) else p for p in own_paths(root))


_MADE: set[Path] = set()
