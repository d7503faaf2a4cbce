"""The git directories a writable workspace holds, and what ordinary git writes inside them.

A git dir is read-only to a sandboxed command except for what `git add/commit/checkout/stash/branch/
merge/rebase/fetch/gc` write: objects, refs, logs, the index, HEAD and the other state files below.
Everything else in it decides what git executes or which config and hooks it reads (config,
config.worktree, hooks/, info/attributes, commondir, gitdir, worktrees/*/commondir, modules/*/config...),
so it stays read-only. A profile rule with a regex already denies every `.git` entry at any depth of
the workspace; this module finds the git dirs that are not reached by that name (a `.git` symlink to
elsewhere in the workspace, `.git/modules/<name>`, `.git/worktrees/<name>`) and each repository's
write set.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from .paths import canonical, is_within

# Subtrees git writes during ordinary work (reftable: git 3's ref store; lfs: git-lfs's object store).
WRITABLE_TREES: tuple[str, ...] = (
    "objects", "refs", "logs", "reftable", "lfs", "rebase-merge", "rebase-apply", "sequencer", "rr-cache",
    "NOTES_MERGE_WORKTREE", "fsmonitor--daemon",
)
# Files git writes, each with its `.lock` (taken first, then renamed over the file).
WRITABLE_FILES: tuple[str, ...] = (
    "index", "HEAD", "ORIG_HEAD", "FETCH_HEAD", "MERGE_HEAD", "MERGE_MSG", "MERGE_MODE", "MERGE_RR",
    "MERGE_AUTOSTASH", "AUTO_MERGE", "CHERRY_PICK_HEAD", "REVERT_HEAD", "REBASE_HEAD", "COMMIT_EDITMSG",
    "TAG_EDITMSG", "SQUASH_MSG", "BISECT_LOG", "BISECT_START", "BISECT_TERMS", "BISECT_EXPECTED_REV",
    "BISECT_ANCESTORS_OK", "BISECT_NAMES", "BISECT_RUN", "BISECT_HEAD", "BISECT_FIRST_PARENT",
    "NOTES_EDITMSG", "NOTES_MERGE_PARTIAL", "NOTES_MERGE_REF", "EDIT_DESCRIPTION", "packed-refs", "shallow",
    "gc.pid", "gc.log", "maintenance.lock", "fsmonitor--daemon.ipc",
)
# Top-level names git makes for a moment or per process, as a regex (vtcode/sandbox/gitguard.py's list on
# Linux): git stash's temporary index, `git commit <paths>`'s next-index-<pid>.lock, the split index's
# sharedindex.<hash> (written as sharedindex_XXXXXX, then renamed) and git's temporary files.
WRITABLE_PATTERN = (
    r"(index\.stash\.[0-9]+(\.lock)?|next-index-[0-9]+\.lock|sharedindex\.[0-9a-f]+|sharedindex_[A-Za-z0-9]+"
    r"|\.tmp-[^/]+|tmp_[^/]+)"
)
# Inside the writable trees, files that point git at other places: never written by ordinary work.
DENIED_INSIDE: tuple[str, ...] = ("objects/info/alternates", "objects/info/http-alternates")

_MAX_WALK_DIRS = 4000  # a bounded search; see GitDirs.complete for what happens when it is cut short
_MAX_DEPTH = 6  # within .git/modules only (submodule names may hold slashes)


@dataclass(frozen=True)
class GitDir:
    path: str  # canonical
    named_git: bool  # reached by a `.git` component (the regex rule covers it)


def _is_git_dir(path: str) -> bool:
    return os.path.isfile(os.path.join(path, "HEAD")) and os.path.isdir(os.path.join(path, "objects"))


def _inner(git_dir: str) -> list[str]:
    """Submodule git dirs under modules/ (names may hold slashes) and linked worktrees' dirs."""
    found: list[str] = []
    worktrees = os.path.join(git_dir, "worktrees")
    if os.path.isdir(worktrees):
        found += [os.path.join(worktrees, n) for n in sorted(os.listdir(worktrees))
                  if os.path.isfile(os.path.join(worktrees, n, "HEAD"))]
    modules = os.path.join(git_dir, "modules")
    for top, dirs, _files in os.walk(modules):
        if top.count("/") - modules.count("/") >= _MAX_DEPTH:
            dirs[:] = []
        for name in sorted(dirs):
            candidate = os.path.join(top, name)
            if _is_git_dir(candidate):
                found.append(candidate)
                found += _inner(candidate)
        dirs[:] = [d for d in dirs if not _is_git_dir(os.path.join(top, d))]
    return found


@dataclass(frozen=True)
class GitDirs:
    dirs: tuple[GitDir, ...]
    # False when the search stopped at its budget: a repository it missed is still denied whole by the
    # `.git` rule, but could be carried to the temp dir, edited there and carried back, so the profile
    # then denies `.git` entries in the temp dir too.
    complete: bool


def find_git_dirs(workspace: str) -> GitDirs:
    """Existing git dirs inside the workspace (its own, nested repositories, submodules, worktrees)."""
    dirs: dict[str, GitDir] = {}

    def add(path: str, named_git: bool) -> None:
        real = canonical(path)
        if is_within(workspace, real) and real not in dirs:
            dirs[real] = GitDir(real, named_git and not os.path.islink(path))
            for inner in _inner(real):
                dirs.setdefault(canonical(inner), GitDir(canonical(inner), named_git))

    # Breadth-first with scandir (its entries know symlinks from directories without a stat each).
    queue, budget = [(workspace, 0)], _MAX_WALK_DIRS
    while queue and budget > 0:
        top, level = queue.pop(0)
        budget -= 1
        try:
            entries = list(os.scandir(top))
        except OSError:
            continue
        for entry in entries:
            if entry.name == ".git":
                if entry.is_dir():  # follows a symlink: add() notes that it was one
                    add(entry.path, True)
                elif entry.is_file():
                    target = _gitdir_file_target(entry.path)
                    if target is not None:
                        add(target, False)
            elif entry.is_dir(follow_symlinks=False):
                queue.append((entry.path, level + 1))
    return GitDirs(tuple(dirs.values()), complete=not queue)


def _gitdir_file_target(path: str) -> str | None:
    """The directory a `gitdir: <path>` file names, absolute."""
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            line = f.readline(4096).strip()
    except OSError:
        return None
    if not line.startswith("gitdir:"):
        return None
    target = line.removeprefix("gitdir:").strip()
    return os.path.normpath(os.path.join(os.path.dirname(path), target))
