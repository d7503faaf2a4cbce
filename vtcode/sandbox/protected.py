"""The protected paths the kernel layer guards inside a writable workspace.

The jail (workspace/protected.py) refuses the agent's own writes to every .git entry; a command the
agent runs must still commit, so inside the sandbox only what runs code or changes trust later is
read-only: the top-level repository's hooks, config and attributes, the trust marker, vtcode's own
configuration and the shell start-up files at the root. Nested repositories are the jail's alone.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from vtcode.paths import own_paths, private_dir, user_cache_dir, user_config_dir, user_data_dir
from vtcode.workspace.protected import RC_FILES
from vtcode.workspace.trust import TRUST_MARKER


def kernel_protected_paths(root: Path) -> tuple[str, ...]:
    """Absolute paths; a trailing "/" marks a directory the kernel layer may create empty to guard it."""
    base = str(root)
    git = os.path.join(base, ".git")
    if os.path.isfile(git) or os.path.islink(git):
        git_paths = [git]  # a gitdir pointer (worktree, submodule): repointing it changes the repository
    else:
        git_paths = [f"{git}/hooks/", f"{git}/config", f"{git}/info/attributes"]
    vtcode_dir = os.path.join(base, ".vtcode")
    # A missing .vtcode/ is watched rather than created: an empty directory in every workspace is litter.
    vtcode_entry = vtcode_dir + "/" if os.path.isdir(vtcode_dir) else vtcode_dir
    rc_files = [os.path.join(base, name) for name in sorted(RC_FILES)]
    return (
        *git_paths,
        os.path.join(base, TRUST_MARKER),
        os.path.join(base, "vtcode.toml"),
        vtcode_entry,
        *rc_files,
    )


def own_state_paths(root: Path) -> tuple[str, ...]:
    """vtcode's own code and state (paths.own_paths), for `SandboxRequest.state_paths`. The user's config,
    data and cache dirs are created first (private), so that a command cannot create them with content
    of its own choosing before vtcode does; a trailing "/" marks directories, as for protected paths."""
    for make in (user_config_dir, user_data_dir, user_cache_dir):
        with contextlib.suppress(OSError):
            private_dir(make())
    return tuple(p + "/" if os.path.isdir(p) else p for p in own_paths(root))
