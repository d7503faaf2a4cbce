"""What the agent may never write, even inside the workspace: files that run code or change trust later.

Each entry is something a person or a program acts on without reading it first: git runs hooks and reads
its config on the user's next commit, a shell sources its start-up files, vtcode reads its own marker and
configuration. Reads stay allowed; they are the user's project. Names are compared folded (see names.py),
so `.GIT/hooks` on a case-insensitive file system is `.git/hooks`.
"""

from __future__ import annotations

from .trust import TRUST_MARKER

# Sourced by a shell or by direnv: a write here runs code in the user's next shell, or on `cd`.
RC_FILES = frozenset({
    ".bashrc", ".bash_profile", ".bash_login", ".bash_logout", ".profile", ".zshrc", ".zshenv",
    ".zprofile", ".zlogin", ".zlogout", ".envrc", ".inputrc",
})

_ROOT_FILES = {
    TRUST_MARKER: "is the workspace trust marker",
    "vtcode.toml": "is the workspace's vtcode configuration",
}

# `git~1` is the 8.3 short name NTFS gives `.git`; git itself refuses both spellings.
_GIT_NAMES = frozenset({".git", "git~1"})

# Relative to the user's home, for a workspace that contains it: git reads these on every command.
HOME_PROTECTED: tuple[tuple[str, ...], ...] = ((".gitconfig",), (".config", "git"))


def protected_reason(rel: tuple[str, ...]) -> str | None:
    """Why the agent may never write the entry at `rel` (folded parts below the root), or None."""
    if not rel:
        return "is the workspace root"
    for index, name in enumerate(rel):
        if name in _GIT_NAMES:
            return _git_reason(rel[index + 1 :])
    first = rel[0]
    if len(rel) == 1 and first in _ROOT_FILES:
        return _ROOT_FILES[first] + "; only the user changes it"
    if first == ".vtcode":
        return "is in .vtcode/, the workspace's vtcode policy; only the user changes it"
    if rel[-1] in RC_FILES:
        return f"is a shell start-up file ({rel[-1]}): it runs code in the user's next shell"
    return None


def _git_reason(rest: tuple[str, ...]) -> str:
    # Every .git at any depth: nested repositories, submodules (.git/modules/<name>/...), worktrees.
    if not rest:
        return "is a .git entry (a git directory, or a gitdir pointer choosing one): git's, not the agent's"
    if "hooks" in rest:
        return "is a git hook: git runs it on the user's next commit, checkout or merge"
    if rest[-1] in ("config", "config.worktree"):
        return "is a git config: it names programs git runs (core.fsmonitor, hooksPath, filters, aliases)"
    if rest[-2:] == ("info", "attributes"):
        return "is git's attributes file: it assigns filter and diff drivers, which run programs"
    # objects, refs, packed-refs, index, info/exclude: a forged object or ref changes what the user checks
    # out without showing in `git diff`, and info/exclude hides a planted file from `git status`.
    return "is inside a git directory: objects, refs, the index and info/exclude decide what the user reviews"


def home_protected_reason(rel_to_home: tuple[str, ...]) -> str | None:
    """Why a file under the user's home (folded parts) may not be written, when the workspace holds home."""
    for prefix in HOME_PROTECTED:
        if rel_to_home[: len(prefix)] == prefix:
            return f"is the user's git configuration (~/{'/'.join(prefix)}): git runs programs it names"
    return None
