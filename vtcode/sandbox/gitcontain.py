"""After a command: take away every repository it planted, without trusting anything it wrote.

Runs only once every process of the command is dead (nothing races it) and acts only on names inside the
workspace, never through a symlink or a pointer the command chose (a pointer's target may be anywhere:
following it would let the command steer the agent's own writes).

- A repository that appeared (a `.git` of any type anywhere, a directory that became a bare repository,
  a `.git` symlink or pointer that now leads elsewhere, a new git directory in `modules/` or
  `worktrees/`) is **quarantined**: renamed to `<name>.vtcode-quarantined`, so git no longer finds it.
  Nothing is parsed, read or followed, so no content can fool it; nothing is deleted, so nothing is lost.
- One exception keeps `git init` working: a repository made at the workspace root where there was
  none. It is rebuilt from what git itself stores: objects, refs, logs, the index and HEAD stay; the
  configuration is rewritten from a short list of inert keys read with git's own parser; hooks keep only
  git's samples; everything else in the git directory is removed.
- A top-level name added to an existing git directory that ordinary git work does not write is removed.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import stat
import subprocess
import tempfile
from collections.abc import Callable

from .gitguard import (
    GitEntry,
    GitScanTooLarge,
    find_git_entries,
    is_git_state,
    resolve_gitdir,
)

QUARANTINE_SUFFIX = ".vtcode-quarantined"
# What a rebuilt root repository's configuration may keep: nothing here names a program or a file.
_INERT_KEYS = re.compile(
    r"^(core\.(repositoryformatversion|filemode|bare|logallrefupdates|ignorecase|precomposeunicode|symlinks)"
    r"|extensions\.(objectformat|refstorage)|init\.defaultbranch|user\.(name|email)"
    r"|remote\.[^.\n]+\.(url|fetch)|branch\.[^.\n]+\.(remote|merge))$"
)
_SAFE_VALUE = re.compile(r"^[^\n\r\"\\]*$")
_ROOT_KEEP = frozenset({"config", "hooks", "info", "description"})
_MINIMAL_CONFIG = "[core]\n\trepositoryformatversion = 0\n\tfilemode = true\n\tbare = false\n"


def _identity(entries: list[GitEntry] | tuple[GitEntry, ...]) -> dict[str, tuple[str, str | None]]:
    return {e.path: (e.kind, resolve_gitdir(e)) for e in entries}


def contain(root: str, before_entries: tuple[GitEntry, ...], before_names: dict[str, frozenset[str]]
            ) -> list[tuple[str, str]]:
    """Quarantine, rebuild or remove what the command planted (see the module docstring)."""
    changes: list[tuple[str, str]] = []
    repaired: list[str] = []
    try:
        after = find_git_entries(root, limit=None, repair=repaired)
    except GitScanTooLarge as exc:  # a directory we cannot even make listable: say so, loudly
        return [(root, f"the workspace could not be checked for planted repositories: {exc}")]
    changes += [(d, "a directory the command made unlistable; made listable to check it") for d in repaired]
    changes += _strip_additions(before_names)
    known = _identity(before_entries)
    root_git = os.path.join(root, ".git")
    for entry, (kind, target) in _identity(after).items():
        if known.get(entry) == (kind, target):
            continue
        if entry == root_git and kind == "dir" and root_git not in known:
            changes += _rebuild_root_repository(root_git)
            continue
        moved = quarantine(entry)
        changes.append((entry, f"a repository planted by the command; moved to {moved}"))
    return changes


def clear_flags(path: str) -> None:
    """BSD file flags (macOS `chflags uchg`, `uappnd`) a command may set on what it made: an immutable
    file or directory would make the rename or removal below fail and the planted file stay. Cleared on
    the path and its parent. (On Linux the equivalent needs CAP_LINUX_IMMUTABLE, which commands lack.)"""
    lchflags = getattr(os, "lchflags", None)
    if lchflags is None:
        return
    for target in (os.path.dirname(path), path):
        with contextlib.suppress(OSError):
            lchflags(target, 0)


def quarantine(path: str) -> str:
    """Rename `path` (a `.git`, a bare repository's HEAD, a git directory) so git no longer finds it."""
    clear_flags(path)
    target = path + QUARANTINE_SUFFIX
    number = 1
    while os.path.lexists(target):
        number += 1
        target = f"{path}{QUARANTINE_SUFFIX}-{number}"
    os.rename(path, target)
    return target


def _strip_additions(before: dict[str, frozenset[str]]) -> list[tuple[str, str]]:
    """Names added to an existing git directory: removed unless git's ordinary work writes them; a new
    git directory in `modules/` or `worktrees/`: quarantined."""
    changes: list[tuple[str, str]] = []
    for directory, names in before.items():
        try:
            if os.path.islink(directory):
                continue
            now = os.listdir(directory)
        except OSError:
            continue
        nested = os.path.basename(directory) in ("modules", "worktrees")
        for name in now:
            if name in names:
                continue
            path = os.path.join(directory, name)
            if nested:  # inside a git directory: nothing of the user's is there to keep
                force_remove(path)
                changes.append((path, "a git directory added by the command; removed"))
            elif not is_git_state(name):
                force_remove(path)
                changes.append((path, "added to a git directory by the command; removed"))
    return changes


def _rebuild_root_repository(gitdir: str) -> list[tuple[str, str]]:
    """`git init` at the root, kept: git's own data stays, what would run code or read elsewhere goes."""
    changes: list[tuple[str, str]] = []
    for name in os.listdir(gitdir):
        path = os.path.join(gitdir, name)
        if name not in _ROOT_KEEP and not is_git_state(name):
            force_remove(path)
            changes.append((path, "made by the command in a new repository; removed"))
    alternates = os.path.join(gitdir, "objects", "info", "alternates")
    if os.path.lexists(alternates):
        force_remove(alternates)
        changes.append((alternates, "made by the command in a new repository; removed"))
    changes += _keep_only(os.path.join(gitdir, "hooks"), lambda n, st: n.endswith(".sample")
                          and stat.S_ISREG(st.st_mode))
    changes += _keep_only(os.path.join(gitdir, "info"),
                          lambda n, st: n == "exclude" and stat.S_ISREG(st.st_mode))
    config = os.path.join(gitdir, "config")
    clean = inert_config(config)
    try:
        with open(config, "rb") as f:  # lexists checked by inert_config: a regular file, never followed
            same = f.read(len(clean) + 1) == clean.encode()
    except OSError:
        same = False
    if not same:
        _write(gitdir, "config", clean)
        changes.append((config, "rewritten with inert keys only (a new repository made by the command)"))
    return changes


def _keep_only(directory: str, keep: Callable[[str, os.stat_result], bool]) -> list[tuple[str, str]]:
    changes: list[tuple[str, str]] = []
    try:
        st = os.lstat(directory)
    except FileNotFoundError:
        return []
    if not stat.S_ISDIR(st.st_mode):
        force_remove(directory)
        return [(directory, "not a directory in a new repository; removed")]
    os.chmod(directory, stat.S_IMODE(st.st_mode) | stat.S_IRWXU)
    for name in os.listdir(directory):
        path = os.path.join(directory, name)
        if not keep(name, os.lstat(path)):
            force_remove(path)
            changes.append((path, "made by the command in a new repository; removed"))
    return changes


def inert_config(path: str) -> str:
    """The configuration at `path` reduced to inert keys, read with git's own parser (`git config
    --file --list`: no include is followed, nothing is run). Anything unreadable becomes a minimal one."""
    try:
        st = os.lstat(path)
    except OSError:
        return _MINIMAL_CONFIG
    if not stat.S_ISREG(st.st_mode):
        force_remove(path)
        return _MINIMAL_CONFIG
    git = shutil.which("git", path="/usr/bin:/bin:/usr/local/bin")
    if git is None:
        return _MINIMAL_CONFIG
    done = subprocess.run([git, "config", "--file", path, "--no-includes", "--list", "-z"],
                          capture_output=True, timeout=30, check=False,
                          env={"PATH": "/usr/bin:/bin", "GIT_CONFIG_NOSYSTEM": "1", "HOME": "/nonexistent"})
    if done.returncode != 0:
        return _MINIMAL_CONFIG
    sections: dict[tuple[str, str | None], list[tuple[str, str]]] = {}
    for item in done.stdout.split(b"\0"):
        key, _, value = item.decode("utf-8", "replace").partition("\n")
        if not key or not _INERT_KEYS.match(key) or not _SAFE_VALUE.match(value) or "::" in value:
            continue
        section, _, rest = key.partition(".")
        sub, _, name = rest.rpartition(".")
        sections.setdefault((section, sub or None), []).append((name, value))
    if ("core", None) not in sections:
        return _MINIMAL_CONFIG
    lines: list[str] = []
    for (section, subsection), items in sections.items():
        lines.append(f'[{section} "{subsection}"]' if subsection else f"[{section}]")
        lines += [f'\t{name} = "{value}"' for name, value in items]
    return "\n".join(lines) + "\n"


def _write(directory: str, name: str, text: str) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{name}.", dir=directory)  # a random name: none to pre-empt
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, os.path.join(directory, name))
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def force_remove(path: str) -> None:
    """Remove a file, link or tree a command made, whatever modes or flags it gave it; never follows a
    link."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return
    clear_flags(path)
    if not stat.S_ISDIR(st.st_mode):
        os.unlink(path)
        return

    def unlock(function: Callable[..., object], failed: str, _exc: BaseException) -> None:
        clear_flags(failed)
        parent = os.path.dirname(failed)
        with contextlib.suppress(OSError):
            os.chmod(parent, stat.S_IRWXU)
        with contextlib.suppress(OSError):
            if not os.path.islink(failed) and os.path.isdir(failed):
                os.chmod(failed, stat.S_IRWXU)
        function(failed)

    os.chmod(path, stat.S_IMODE(st.st_mode) | stat.S_IRWXU)
    shutil.rmtree(path, onerror=lambda function, failed, info: unlock(function, failed, info[1]))
