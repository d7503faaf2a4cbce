"""Configuration that turns files of the work tree into programs git runs during read-only commands.

The repository's own configuration and the user's are trusted, but they can hand execution to work-tree
content: `core.hooksPath = .githooks` (husky's `.husky/_`) makes a committed `post-index-change` a hook
that `git status` runs when it refreshes the index; `diff.external = scripts/d.sh` or a textconv/filter
named by a relative path runs a committed script. Those files are whatever the last commit made them.

The configuration files are read here, not through git (git would be running what they name).
"""

from __future__ import annotations

import os
import re
from functools import lru_cache

# Hooks that read-only commands run: the index is written by status, diff and describe when they refresh it.
INDEX_HOOKS = ("post-index-change",)
_SECTION = re.compile(r'^\s*\[\s*([A-Za-z0-9.-]+)(?:\s+"((?:[^"\\]|\\.)*)")?\s*\]\s*(.*)$')
_ENTRY = re.compile(r"^\s*([A-Za-z][A-Za-z0-9-]*)\s*(?:=\s*(.*))?$")
# Keys whose value is a command git starts (the first word is the program).
_PROGRAM_KEYS = re.compile(
    r"^(core\.fsmonitor|core\.pager|diff\.external|diff\..+\.(textconv|command)|filter\..+\.(clean|smudge|process)"
    r"|merge\..+\.driver|gpg\.program|gpg\..+\.program)$"
)
_INCLUDE = re.compile(r"^(include|includeif\..+)\.path$")
_BOOLEAN = frozenset({"true", "false", "yes", "no", "on", "off", "1", "0", ""})


# In the repository's own config a program is not the user's choice when the `.git` came with the content
# (an archive, a copy, a shared volume: its config and hooks are whatever the sender wrote); a clone never
# writes these, so one that is set asks. Also the keys naming the program a (lazy) fetch starts.
_LOCAL_PROGRAM_KEYS = re.compile(
    r"^(remote\..+\.(uploadpack|receivepack)|core\.sshcommand|core\.gitproxy|credential\.helper"
    r"|credential\..+\.helper)$"
)
# A partial clone: reading an object that is not local fetches it from the promisor remote (network).
_PROMISOR = re.compile(r"^(remote\..+\.promisor|extensions\.partialclone)$")


def worktree_code(root: str, home: str | None) -> str | None:
    """Why git run in the repository at `root` may run work-tree files as programs, or None."""
    git_dir = _own_git_dir(root)
    files = [os.path.join(git_dir, "config")] if git_dir else []
    files += [os.path.join(git_dir, "hooks", hook) for hook in INDEX_HOOKS] if git_dir else []
    if home:
        files += [os.path.join(home, ".gitconfig"), os.path.join(home, ".config", "git", "config")]
    stamps = []
    for path in files:
        try:
            info = os.stat(path)
        except OSError:
            continue
        stamps.append((path, info.st_mtime_ns, info.st_size))
    return _judge(root, git_dir or "", tuple(stamps))


def _own_git_dir(root: str) -> str | None:
    """The `.git` directory git uses from `root`: at the root or above it (a workspace that is a package of
    a repository). None for a `gitdir:` pointer (a worktree or submodule: its config is elsewhere)."""
    current = root
    while True:
        marker = os.path.join(current, ".git")
        if os.path.isdir(marker) and not os.path.islink(marker):
            return marker
        if os.path.lexists(marker):
            return None
        parent = os.path.dirname(current)
        if parent == current:
            return None
        current = parent


@lru_cache(maxsize=16)
def _judge(root: str, git_dir: str, stamps: tuple[tuple[str, int, int], ...]) -> str | None:
    real_root = os.path.realpath(root)
    local = os.path.join(git_dir, "config") if git_dir else ""
    own_hooks = os.path.join(git_dir, "hooks") if git_dir else ""
    for path, _, _ in stamps:
        if os.path.dirname(path) == own_hooks:
            if not any(k == "core.hookspath" for k, _ in _entries(local)):
                return f"the repository's own {os.path.basename(path)!r} hook runs on read-only commands"
            continue
        for key, value in _entries(path):
            if path == local:
                reason = _local_reason(key, value, root)
                if reason is not None:
                    return reason
            if key == "core.hookspath":
                hooks = _inside(value, real_root)
                if hooks is not None:
                    for hook in INDEX_HOOKS:
                        if os.path.lexists(os.path.join(hooks, hook)):
                            named = os.path.join(value, hook)
                            return f"core.hooksPath makes {named!r} in the work tree a hook"
            elif _INCLUDE.match(key):
                # `include.path = ../.gitconfig` (a common way to share settings): the committed file is
                # configuration, and can name core.fsmonitor. Relative to the including file's directory.
                named = os.path.join(os.path.dirname(path), value) if not os.path.isabs(value) else value
                if not value.startswith("~") and _inside(named, real_root) is not None:
                    return f"{key} includes {value!r}, a file of the work tree, as git configuration"
            elif _PROGRAM_KEYS.match(key) and value.strip().lower() not in _BOOLEAN:
                # git runs these through the shell from the top of the work tree: any word naming a file
                # there is work-tree code (`scripts/d.sh`, `python3 tools/conv.py`, `sh x.sh`).
                for word in value.replace('"', " ").replace("'", " ").split():
                    program = _inside(word, real_root)
                    if program is not None and os.path.isfile(program):
                        return f"{key} runs {word!r}, a file of the work tree"
    return None


def _local_reason(key: str, value: str, root: str) -> str | None:
    """Why an entry of the repository's own `.git/config` makes read-only commands run or fetch, or None."""
    if _INCLUDE.match(key):
        return f"the repository's own config includes {value[:60]!r} (a clone writes no include)"
    if key == "core.hookspath":
        hooks = value.strip() if os.path.isabs(value.strip()) else os.path.join(root, value.strip())
        for hook in INDEX_HOOKS:
            if value.strip() and os.path.lexists(os.path.join(hooks, hook)):
                return f"core.hooksPath {value[:60]!r} holds a {hook!r} hook that read-only commands run"
    if _PROMISOR.match(key) and value.strip().lower() not in ("false", "no", "off", "0"):
        return f"{key}: a partial clone, whose read-only commands fetch missing objects over the network"
    if (_PROGRAM_KEYS.match(key) or _LOCAL_PROGRAM_KEYS.match(key)) and value.strip().lower() not in _BOOLEAN:
        return f"the repository's own config names a program ({key} = {value[:60]!r}), which git would run"
    return None


def _inside(value: str, root: str) -> str | None:
    """The directory or file `value` names when it lies in the work tree (outside `.git`), else None."""
    value = value.strip()
    if not value or value.startswith("~"):
        return None
    try:
        full = os.path.realpath(value if os.path.isabs(value) else os.path.join(root, value))
    except ValueError:  # a NUL byte: not a path
        return None
    if full != root and not full.startswith(root + os.sep):
        return None
    if full == os.path.join(root, ".git") or full.startswith(os.path.join(root, ".git") + os.sep):
        return None  # git's own directory: the agent cannot write its hooks or config
    return full


def _entries(path: str) -> list[tuple[str, str]]:
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            lines = handle.read(1 << 20).splitlines()
    except OSError:
        return []
    found: list[tuple[str, str]] = []
    section = ""
    for line in lines:
        stripped = line.strip()
        if not stripped or stripped[0] in "#;":
            continue
        header = _SECTION.match(stripped)
        if header is not None:
            name, sub, rest = header.groups()
            section = name.lower() + (f".{sub}" if sub is not None else "")
            stripped = rest.strip()
            if not stripped:
                continue
        entry = _ENTRY.match(stripped)
        if entry is None or not section:
            continue
        value = (entry.group(2) or "").split(" #")[0].split(" ;")[0].strip()
        if len(value) >= 2 and value[0] == value[-1] == '"':
            value = value[1:-1]
        found.append((f"{section}.{entry.group(1).lower()}", value))
    return found
