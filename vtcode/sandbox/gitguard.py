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
    """Something git would take for a repository: a `.git` of any type (a directory, a gitdir pointer
    file, a symlink, anything else so named), or a directory holding HEAD, objects/ and refs/ (a bare
    repository git uses when run inside it: `kind` "bare", `path` its HEAD)."""

    path: str
    is_dir: bool
    kind: str = ""  # "dir", "file", "link", "bare" or "other"


def find_git_entries(root: str, limit: int | None = MAX_SCAN_ENTRIES, *, repair: list[str] | None = None
                     ) -> list[GitEntry]:
    """Every repository git could find below `root` (see GitEntry), not descending into git directories
    or through symlinks.

    Runs before and after every command, so each directory's listing is remembered with its mtime and
    ctime: an unchanged directory costs one stat, not a listing (creating, removing or renaming an entry
    changes both; ctime cannot be set back). A directory changed within the last two seconds is never
    remembered (the clock that stamps it is coarse: a second change in the same tick would not show).

    A directory that cannot be listed fails the scan (GitScanIncomplete), unless `repair` is given and the
    directory is ours: then it is made listable (u+rwx) and named in `repair` (a command hid a repository
    in a directory it made unreadable)."""
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
            entries = _list(directory, st, repair)
            listed += len(entries)
            if limit is not None and listed > limit:
                raise GitScanTooLarge(f"{root} holds over {limit} entries; the git guard cannot scan it")
            subdirs, gits = _split(directory, entries)
            if now - max(st.st_mtime_ns, st.st_ctime_ns) > _RACY_NS:
                _remember(directory, (stamp, subdirs, gits))
        found.extend(gits)
        stack.extend(subdirs)
    return found


def _list(directory: str, st: os.stat_result, repair: list[str] | None) -> list[os.DirEntry[str]]:
    try:
        return list(os.scandir(directory))
    except FileNotFoundError:
        return []
    except OSError as exc:
        if repair is None or st.st_uid != os.geteuid():
            raise GitScanIncomplete(f"cannot list {directory} ({exc.strerror}); the git guard must see "
                                    "every directory of the workspace") from exc
    os.chmod(directory, stat.S_IMODE(st.st_mode) | stat.S_IRWXU)
    repair.append(directory)
    return list(os.scandir(directory))


_RACY_NS = 2_000_000_000
_Listing = tuple[tuple[int, int, int], tuple[str, ...], tuple["GitEntry", ...]]
_LISTINGS: dict[str, _Listing] = {}
_MAX_REMEMBERED = 500_000


def _remember(directory: str, value: _Listing) -> None:
    if len(_LISTINGS) >= _MAX_REMEMBERED:
        _LISTINGS.clear()
    _LISTINGS[directory] = value


def _split(directory: str, entries: list[os.DirEntry[str]]) -> tuple[tuple[str, ...], tuple[GitEntry, ...]]:
    subdirs: list[str] = []
    gits: list[GitEntry] = []
    names = set()
    for entry in entries:
        names.add(entry.name)
        try:
            is_dir = entry.is_dir(follow_symlinks=False)
            kind = "dir" if is_dir else "link" if entry.is_symlink() else "file" if entry.is_file(
                follow_symlinks=False) else "other"
        except OSError:
            is_dir, kind = False, "other"
        if entry.name.lower() == ".git":
            gits.append(GitEntry(entry.path, is_dir, kind))
        elif is_dir:
            subdirs.append(entry.path)
    if {"HEAD", "objects", "refs"} <= names and os.path.basename(directory).lower() != ".git":
        gits.append(GitEntry(os.path.join(directory, "HEAD"), False, "bare"))
    return tuple(subdirs), tuple(gits)


class GitScanTooLarge(Exception):
    """The workspace is too large to scan for repositories within the budget."""


class GitScanIncomplete(GitScanTooLarge):
    """A directory of the workspace could not be listed: what it holds is unknown."""


def resolve_gitdir(entry: GitEntry) -> str | None:
    """The git directory a `.git` entry stands for, resolved through symlinks, or None. A pointer file is
    read as git reads it (the whole file, trailing whitespace stripped: a newline may be part of the
    path); only a regular file is opened, never a FIFO or a device."""
    if entry.kind == "bare":
        return os.path.realpath(os.path.dirname(entry.path))
    if entry.kind in ("dir", "link") or (entry.is_dir and not entry.kind):
        return os.path.realpath(entry.path)
    try:
        fd = os.open(entry.path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        data = os.read(fd, 65536)
    except OSError:
        return None
    finally:
        os.close(fd)
    text = data.decode("utf-8", "surrogateescape").rstrip()
    if not text.startswith("gitdir: "):
        return None
    return os.path.realpath(os.path.join(os.path.dirname(entry.path), text[len("gitdir: "):]))


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
    r"^(core\.(fsmonitor|sshcommand|editor|pager|askpass|gitproxy|hookspath|attributesfile|excludesfile"
    r"|alternaterefscommand)"
    r"|diff\.external|sequence\.editor|gpg(\.[^.]+)?\.program|credential(\..+)?\.helper"
    r"|(diff|merge|filter)\..+\.(command|textconv|driver|clean|smudge|process)"
    r"|(difftool|mergetool|guitool)\..+\.(cmd|path)|interactive\.difffilter|submodule\..+\.update"
    r"|trailer\..+\.(cmd|command)|tar\..+\.command|sendemail\..+|ssh\.variant"
    r"|include\.path|includeif\..+\.path|alias\..+|pager\..+|web\.browser|browser\..+\.(cmd|path)"
    r"|man\..+\.(cmd|path)|commit\.template|core\.worktree|uploadpack\.packobjectshook"
    r"|receive\.procreceiverefs|remote\..+\.(uploadpack|receivepack|vcs))$",
    re.IGNORECASE,
)
_SECTION = re.compile(r'^\s*\[\s*([A-Za-z0-9.-]+)(?:\s+"((?:[^"\\]|\\.)*)")?\s*\]\s*(.*)$')
_ENTRY = re.compile(r"^\s*([A-Za-z][A-Za-z0-9-]*)\s*(?:=\s*(.*))?$")


def config_entries(path: str) -> tuple[tuple[str, str], ...]:
    """(key, value) pairs of a git config file, leniently (a malformed line is skipped, never fatal).
    Remembered by the file's inode, size, mtime and ctime: every command reads the same few files."""
    try:
        st = os.stat(path)
    except OSError:
        return ()
    stamp = (st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
    cached = _CONFIGS.get(path)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    entries = tuple(_parse_config(path))
    if len(_CONFIGS) > 256:
        _CONFIGS.clear()
    _CONFIGS[path] = (stamp, entries)
    return entries


_CONFIGS: dict[str, tuple[tuple[int, int, int, int], tuple[tuple[str, str], ...]]] = {}


def _parse_config(path: str) -> Iterator[tuple[str, str]]:
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
            if key.startswith("alias."):
                if not value.startswith("!"):
                    continue
                value = value[1:]
            base = os.path.dirname(config) if key.endswith(".path") else worktree
            named = key.endswith(("hookspath", ".path", "file", "template"))
            for word in _words(value):
                # Every word that names a path: the program, and a script handed to an interpreter
                # (`python3 tools/clean.py`). A bare name is looked up on PATH, not in the workspace,
                # unless the key names a path, or the word is a file in the worktree.
                candidate = _expand(word, base, home)
                if named or "/" in word or os.path.isfile(candidate):
                    paths.append(candidate)
    return paths


def _words(command: str) -> list[str]:
    try:
        words = shlex.split(command)
    except ValueError:
        words = command.split()
    return [w for w in words if w and not w.startswith("-") and "=" not in w]


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
    """The names in each git directory of the workspace, and in each of its `modules/` and `worktrees/`
    directories (keyed by that directory), to tell afterwards what a command added."""
    listing: dict[str, frozenset[str]] = {}
    real_root = os.path.realpath(root)
    for entry in entries:
        gitdir = resolve_gitdir(entry)
        if gitdir is None or not within(gitdir, real_root):
            continue
        for directory in (gitdir, *(os.path.join(gitdir, n) for n in _NESTED_GITDIRS)):
            try:
                if not os.path.islink(directory):
                    listing[directory] = frozenset(os.listdir(directory))
            except OSError:
                continue
    return listing


def repository_protection(root: str, home: str) -> tuple[list[str], list[GitEntry]]:
    """(protected paths inside `root`, the repositories found) for every repository of the workspace.

    Targets are resolved through symlinks before they are judged inside or outside the workspace."""
    entries = find_git_entries(root)
    real_root = os.path.realpath(root)
    paths: list[str] = []
    for entry in entries:
        worktree = os.path.dirname(entry.path)
        if entry.kind in ("file", "link", "other"):
            paths.append(entry.path)  # a gitdir pointer: repointing it changes the repository
        gitdir = resolve_gitdir(entry)
        if gitdir is None:
            continue
        for target in dict.fromkeys((gitdir, _commondir(gitdir))):
            if within(target, real_root):
                paths.extend(gitdir_protection(target))
        for path in program_paths(gitdir, worktree, home):
            real = os.path.realpath(path)
            if within(real, real_root):
                is_dir = os.path.isdir(real)
                paths.append(path + "/" if is_dir else path)
    return list(dict.fromkeys(paths)), entries
