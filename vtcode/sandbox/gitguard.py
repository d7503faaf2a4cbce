"""What a sandboxed command may not write in any git repository of the workspace: everything that decides
what the user's host git executes, or which configuration and hooks it reads.

The principle is inverted rather than listed: inside a git directory only what ordinary `git add`,
`commit`, `checkout`, `stash`, `branch`, `merge`, `rebase` and `fetch` write stays writable (objects,
refs, logs, the index, HEAD and the other state files, each through its `.lock` file); every other entry
that exists (config, hooks/, info/, commondir, config.worktree, description, branches/, remotes/ ...) is
read-only, `hooks/` and `info/` are created empty when missing so nothing can appear there, and
submodule and worktree git directories (`modules/*`, `worktrees/*`) get the same treatment. Names that
git would read if they appeared (`commondir`, `config.worktree`, `gitdir`, `config`) cannot be guarded
by a mount before they exist; they are watched and removed after the command (detect-and-restore).

Nested repositories count: every `.git` in the workspace is found. A `.git` that appears during a
command (a planted repository, or a gitdir pointer into a directory the command wrote) is neutralised
after the command: its hooks (but git's inert samples) and every config line that names a program go.

Paths that git's configuration points at and that lie inside the workspace (a husky `core.hooksPath`, an
`include.path`, a `core.fsmonitor` script...) are read-only too: git runs or reads them.

Sources: gitrepository-layout(5), git-config(1) (includes, conditional includes, program-valued keys),
git-worktree(1), gitsubmodules(7).
"""

from __future__ import annotations

import os
import re
import shlex
import stat
import time
from collections.abc import Iterator
from dataclasses import dataclass

# Entries of a git directory that ordinary git work writes (file, or directory written below).
_WRITABLE = frozenset({
    "objects", "refs", "logs", "index", "HEAD", "ORIG_HEAD", "FETCH_HEAD", "MERGE_HEAD", "MERGE_MSG",
    "MERGE_MODE", "MERGE_AUTOSTASH", "MERGE_RR", "AUTO_MERGE", "CHERRY_PICK_HEAD", "REVERT_HEAD",
    "REBASE_HEAD", "BISECT_LOG", "BISECT_START", "BISECT_EXPECTED_REV", "BISECT_ANCESTORS_OK",
    "BISECT_NAMES", "BISECT_TERMS", "BISECT_RUN", "BISECT_HEAD", "BISECT_FIRST_PARENT", "COMMIT_EDITMSG",
    "SQUASH_MSG", "TAG_EDITMSG", "NOTES_EDITMSG", "NOTES_MERGE_PARTIAL", "NOTES_MERGE_REF",
    "NOTES_MERGE_WORKTREE", "EDIT_DESCRIPTION", "packed-refs", "rebase-merge", "rebase-apply",
    "sequencer", "rr-cache", "lfs", "gc.pid", "gc.log", "shallow", "fsmonitor--daemon",
    "fsmonitor--daemon.ipc",
})
_WRITABLE_PATTERN = re.compile(r"^(.*\.lock|sharedindex\.[0-9a-f]+|next-index-.*|\.tmp-.*|tmp_.*)$")
# Directories created empty when missing (git init makes both), so nothing can be planted in them.
_CREATE_IF_MISSING = ("hooks", "info")
# Names git reads if they appear, guarded by detect-and-restore (they cannot be mounted before they
# exist; creating them empty would litter every repository). `modules` and `worktrees` hold other git
# directories (submodules', worktrees'): one planted there would be used by the user's next `git
# submodule update` or `git worktree` without any pointer in the working tree.
_WATCH_IF_MISSING = ("config", "commondir", "config.worktree", "gitdir", "modules", "worktrees")
# Where git keeps other git directories of the same repository.
_NESTED_GITDIRS = ("modules", "worktrees")
MAX_SCAN_ENTRIES = 2_000_000
MAX_CONFIG_BYTES = 1 << 20


@dataclass(frozen=True)
class GitEntry:
    """A `.git` found in the workspace: a directory (a repository) or a file (a gitdir pointer)."""

    path: str
    is_dir: bool


def find_git_entries(root: str, limit: int = MAX_SCAN_ENTRIES) -> list[GitEntry]:
    """Every `.git` below `root`, not descending into git directories or through symlinks.

    Runs before and after every command, so each directory's listing is remembered with its mtime and
    ctime: an unchanged directory costs one stat, not a listing (creating, removing or renaming an entry
    changes both; ctime cannot be set back). A directory changed within the last two seconds is never
    remembered (the clock that stamps it is coarse: a second change in the same tick would not show)."""
    found: list[GitEntry] = []
    listed = 0
    now = time.time_ns()
    stack = [root]
    while stack:
        directory = stack.pop()
        try:
            st = os.lstat(directory)
        except OSError:
            continue
        stamp = (st.st_ino, st.st_mtime_ns, st.st_ctime_ns)
        cached = _LISTINGS.get(directory)
        if cached is not None and cached[0] == stamp:
            subdirs, gits = cached[1], cached[2]
        else:
            try:
                entries = list(os.scandir(directory))
            except OSError:
                continue
            listed += len(entries)
            if listed > limit:
                raise GitScanTooLarge(f"{root} holds over {limit} entries; the git guard cannot scan it")
            subdirs, gits = _split(entries)
            if now - max(st.st_mtime_ns, st.st_ctime_ns) > _RACY_NS:
                _remember(directory, (stamp, subdirs, gits))
        found.extend(gits)
        stack.extend(subdirs)
    return found


_RACY_NS = 2_000_000_000
_Listing = tuple[tuple[int, int, int], tuple[str, ...], tuple["GitEntry", ...]]
_LISTINGS: dict[str, _Listing] = {}
_MAX_REMEMBERED = 500_000


def _remember(directory: str, value: _Listing) -> None:
    if len(_LISTINGS) >= _MAX_REMEMBERED:
        _LISTINGS.clear()
    _LISTINGS[directory] = value


def _split(entries: list[os.DirEntry[str]]) -> tuple[tuple[str, ...], tuple[GitEntry, ...]]:
    subdirs: list[str] = []
    gits: list[GitEntry] = []
    for entry in entries:
        try:
            is_dir = entry.is_dir(follow_symlinks=False)
        except OSError:
            continue
        if entry.name == ".git":
            gits.append(GitEntry(entry.path, is_dir))
        elif is_dir:
            subdirs.append(entry.path)
    return tuple(subdirs), tuple(gits)


class GitScanTooLarge(Exception):
    """The workspace is too large to scan for repositories within the budget."""


def resolve_gitdir(entry: GitEntry) -> str | None:
    """The git directory a `.git` entry stands for (a pointer file's target), or None."""
    if entry.is_dir:
        return entry.path
    try:
        with open(entry.path, "rb") as f:
            first = f.read(4096).split(b"\n", 1)[0].decode("utf-8", "replace")
    except OSError:
        return None
    if not first.startswith("gitdir:"):
        return None
    target = first[len("gitdir:"):].strip()
    return os.path.normpath(os.path.join(os.path.dirname(entry.path), target))


def gitdir_protection(gitdir: str, depth: int = 0) -> list[str]:
    """Protected paths for one git directory (see the module docstring); "/" marks a directory."""
    try:
        names = os.listdir(gitdir)
    except OSError:
        return []
    paths: list[str] = []
    for name in names:
        full = os.path.join(gitdir, name)
        if name in _WRITABLE or _WRITABLE_PATTERN.match(name):
            continue
        if name in _NESTED_GITDIRS and os.path.isdir(full) and not os.path.islink(full) and depth < 4:
            # The directory is pinned (nothing can be added or renamed in it: its own entries are
            # mounted), and each git directory in it is guarded like this one.
            children = list(_subdirs(full))
            if not children:
                paths.append(full + "/")
            for child in children:
                paths.extend(gitdir_protection(child, depth + 1))
            continue
        is_dir = os.path.isdir(full) and not os.path.islink(full)
        paths.append(full + "/" if is_dir else full)
    for name in _CREATE_IF_MISSING:
        if name not in names and depth == 0:
            paths.append(os.path.join(gitdir, name) + "/")
    for name in _WATCH_IF_MISSING:
        if name not in names:
            paths.append(os.path.join(gitdir, name))
    return paths


def _subdirs(path: str) -> Iterator[str]:
    try:
        for entry in os.scandir(path):
            if entry.is_dir(follow_symlinks=False):
                yield entry.path
    except OSError:
        return


# -- paths git's configuration points at --------------------------------------------------------------

# Keys whose value is a program (a shell command: its first word is what runs) or a path git reads.
_PROGRAM_KEYS = re.compile(
    r"^(core\.(fsmonitor|sshcommand|editor|pager|askpass|gitproxy|hookspath|attributesfile|excludesfile)"
    r"|diff\.external|sequence\.editor|gpg(\.[^.]+)?\.program|credential(\..+)?\.helper"
    r"|(diff|merge|filter)\..+\.(command|textconv|driver|clean|smudge|process)"
    r"|include\.path|includeif\..+\.path|alias\..+|pager\..+|web\.browser|browser\..+\.(cmd|path)"
    r"|man\..+\.(cmd|path)|commit\.template|core\.worktree|uploadpack\.packobjectshook"
    r"|receive\.procreceiverefs|remote\..+\.(uploadpack|receivepack|vcs))$",
    re.IGNORECASE,
)
_SECTION = re.compile(r'^\s*\[\s*([A-Za-z0-9.-]+)(?:\s+"((?:[^"\\]|\\.)*)")?\s*\]\s*(.*)$')
_ENTRY = re.compile(r"^\s*([A-Za-z][A-Za-z0-9-]*)\s*(?:=\s*(.*))?$")


def config_entries(path: str) -> Iterator[tuple[str, str]]:
    """(key, value) pairs of a git config file, leniently (a malformed line is skipped, never fatal)."""
    try:
        with open(path, "rb") as f:
            text = f.read(MAX_CONFIG_BYTES).decode("utf-8", "replace")
    except OSError:
        return
    section = ""
    for raw in text.replace("\\\n", "").splitlines():
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        header = _SECTION.match(line)
        if header:
            name, sub, rest = header.groups()
            section = name.lower() + (f".{sub}" if sub is not None else "")
            line = rest.strip()
            if not line:
                continue
        entry = _ENTRY.match(line)
        if entry and section:
            value = (entry.group(2) or "").split(" #", 1)[0].split(" ;", 1)[0].strip().strip('"')
            yield f"{section}.{entry.group(1).lower()}", value


def config_files(gitdir: str, home: str) -> list[str]:
    """The configuration git reads for a repository: system, global, the repository's own (and its
    common directory's, and config.worktree), then every included file, recursively."""
    base = [os.path.join(home, ".gitconfig"), os.path.join(home, ".config", "git", "config"),
            "/etc/gitconfig"]
    common = _commondir(gitdir)
    own = [os.path.join(common, "config"), os.path.join(gitdir, "config.worktree")]
    if common != gitdir:
        own.append(os.path.join(gitdir, "config"))
    queue = [*base, *own]
    seen: list[str] = []
    while queue and len(seen) < 64:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.append(path)
        for key, value in config_entries(path):
            if key == "include.path" or (key.startswith("includeif.") and key.endswith(".path")):
                queue.append(_expand(value, os.path.dirname(path), home))
    return seen


def program_paths(gitdir: str, worktree: str, home: str) -> list[str]:
    """Files and directories that the repository's configuration makes git run or read: each path-like
    value (or a command's first word) resolved against the worktree, include files included."""
    paths: list[str] = []
    for config in config_files(gitdir, home):
        if os.path.exists(config):
            paths.append(config)
        for key, value in config_entries(config):
            if not _PROGRAM_KEYS.match(key) or not value:
                continue
            word = _first_word(value)
            if key.startswith("alias."):
                if not value.startswith("!"):
                    continue
                word = _first_word(value[1:])
            if not word or ("/" not in word and not key.endswith(("hookspath", ".path"))):
                continue  # a bare program name is looked up on PATH, outside the workspace's reach
            base = os.path.dirname(config) if key.endswith(".path") else worktree
            paths.append(_expand(word, base, home))
    return paths


def _first_word(command: str) -> str:
    try:
        words = shlex.split(command)
    except ValueError:
        words = command.split()
    return words[0] if words else ""


def _expand(value: str, base: str, home: str) -> str:
    if value.startswith("~/"):
        value = os.path.join(home, value[2:])
    return os.path.normpath(os.path.join(base, value))


def _commondir(gitdir: str) -> str:
    try:
        with open(os.path.join(gitdir, "commondir"), "rb") as f:
            target = f.read(4096).decode("utf-8", "replace").strip()
    except OSError:
        return gitdir
    return os.path.normpath(os.path.join(gitdir, target)) if target else gitdir


# -- the kernel layer's list, and what happens after a command -----------------------------------------


def within(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip("/") + "/")


def is_git_state(name: str) -> bool:
    """Whether ordinary git work writes this top-level entry of a git directory."""
    return name in _WRITABLE or bool(_WRITABLE_PATTERN.match(name))


def gitdir_listing(entries: list[GitEntry], root: str) -> dict[str, frozenset[str]]:
    """The top-level names of each git directory in the workspace, to tell what a command added."""
    listing: dict[str, frozenset[str]] = {}
    for entry in entries:
        gitdir = resolve_gitdir(entry)
        if gitdir is None or not within(gitdir, root):
            continue
        try:
            listing[gitdir] = frozenset(os.listdir(gitdir))
        except OSError:
            continue
    return listing


def strip_additions(before: dict[str, frozenset[str]]) -> list[str]:
    """Remove every top-level entry a command added to a git directory that git's ordinary work does not
    write (the inverse of the read-only set: nothing new may appear there). Returns what was removed."""
    removed: list[str] = []
    for gitdir, names in before.items():
        try:
            now = os.listdir(gitdir)
        except OSError:
            continue
        for name in now:
            if name not in names and not is_git_state(name):
                path = os.path.join(gitdir, name)
                _remove(path)
                removed.append(path)
    return removed


def repository_protection(root: str, home: str) -> tuple[list[str], list[GitEntry]]:
    """(protected paths inside `root`, the `.git` entries found) for every repository of the workspace."""
    entries = find_git_entries(root)
    paths: list[str] = []
    for entry in entries:
        worktree = os.path.dirname(entry.path)
        if not entry.is_dir:
            paths.append(entry.path)  # a gitdir pointer: repointing it changes the repository
        gitdir = resolve_gitdir(entry)
        if gitdir is None:
            continue
        targets = [gitdir] if entry.is_dir else [gitdir, _commondir(gitdir)]
        for target in dict.fromkeys(targets):
            if within(target, root) and (entry.is_dir or target != entry.path):
                paths.extend(gitdir_protection(target))
        for path in program_paths(gitdir, worktree, home):
            if within(path, root):
                is_dir = os.path.isdir(path) and not os.path.islink(path)
                paths.append(path + "/" if is_dir else path)
    return list(dict.fromkeys(paths)), entries


_RUNS_PROGRAMS_SECTION = re.compile(
    r"^\s*\[\s*(filter|diff|merge|alias|include|includeif|credential|url|pager|browser|man|gpg|remote)\b",
    re.IGNORECASE,
)


def sanitised_config(text: str) -> str:
    """`text` without any section or key that names a program or another file to read."""
    out: list[str] = []
    dropping = False
    section = ""
    for line in text.splitlines():
        header = _SECTION.match(line)
        if header:
            section = header.group(1).lower() + (f".{header.group(2)}" if header.group(2) is not None else "")
            dropping = bool(_RUNS_PROGRAMS_SECTION.match(line))
            if not dropping:
                out.append(line)
            continue
        if dropping:
            continue
        entry = _ENTRY.match(line)
        if entry and section and _PROGRAM_KEYS.match(f"{section}.{entry.group(1).lower()}"):
            continue
        out.append(line)
    return "\n".join(out) + ("\n" if out else "")


def neutralise(gitdir: str) -> list[str]:
    """Strip what a command-made git directory would make the host's git run; returns what changed."""
    changed: list[str] = []
    hooks = os.path.join(gitdir, "hooks")
    if os.path.islink(hooks) or (os.path.lexists(hooks) and not os.path.isdir(hooks)):
        os.unlink(hooks)
        changed.append(hooks)
    elif os.path.isdir(hooks):
        for name in os.listdir(hooks):
            full = os.path.join(hooks, name)
            st = os.lstat(full)
            if name.endswith(".sample") and stat.S_ISREG(st.st_mode):
                continue
            _remove(full)
            changed.append(full)
    for name in ("config", "config.worktree"):
        path = os.path.join(gitdir, name)
        if os.path.islink(path):
            os.unlink(path)
            changed.append(path)
            continue
        try:
            with open(path, "rb") as f:
                text = f.read(MAX_CONFIG_BYTES * 4).decode("utf-8", "replace")
        except OSError:
            continue
        clean = sanitised_config(text)
        if clean != text:
            _replace(path, clean.encode())
            changed.append(path)
    for name in ("commondir",):
        path = os.path.join(gitdir, name)
        if os.path.lexists(path):
            _remove(path)
            changed.append(path)
    return changed


def _remove(path: str) -> None:
    import shutil

    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path, ignore_errors=True)
    else:
        os.unlink(path)


def _replace(path: str, data: bytes) -> None:
    tmp = f"{path}.vtcode-{os.getpid()}"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.replace(tmp, path)
