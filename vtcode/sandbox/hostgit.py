"""The user's own git configuration, outside every workspace: read-only in every mode, full-access included.

Shared by the sandbox backends (Seatbelt's profile, Landlock's protected paths), so both guard the same files.

The user's next `git` anywhere reads the global config (`~/.gitconfig`, `$XDG_CONFIG_HOME/git/config`,
`~/.config/git/config`), the system one, the files they include and the programs and hooks directory
they name. A command that could write one of them would run code as the user later, outside any sandbox:
the Linux invariants (docs/security/sandbox.md, invariant 3: the user's host-side git runs nothing the
command planted) hold in full-access too, so these paths join the protected paths.
"""

from __future__ import annotations

import os
import re
import shlex
import sys
from collections.abc import Mapping

from .gitguard import config_entries

# Keys whose value is a path git reads or a program it runs.
_PATH_KEYS = re.compile(
    r"^(include\.path|includeif\..+\.path|core\.(hookspath|fsmonitor|sshcommand|editor|pager|askpass"
    r"|attributesfile|excludesfile)|sequence\.editor|diff\.external|.+\.(helper|program|cmd|command|driver"
    r"|textconv|clean|smudge|process))$"
)
_MAX_FILES = 32
# The system-wide config files git reads, per platform (Homebrew's git reads its own prefix's).
MACOS_SYSTEM_CONFIGS = ("/private/etc/gitconfig", "/usr/local/etc/gitconfig", "/opt/homebrew/etc/gitconfig")
LINUX_SYSTEM_CONFIGS = ("/etc/gitconfig", "/usr/local/etc/gitconfig")
SYSTEM_CONFIGS = MACOS_SYSTEM_CONFIGS if sys.platform == "darwin" else LINUX_SYSTEM_CONFIGS


def _expand(word: str, base: str, home: str, *, include: bool = False) -> str | None:
    if include and not os.path.isabs(word) and not word.startswith("~"):
        return os.path.normpath(os.path.join(base, word))  # git: relative to the including file
    if word == "~":
        return home
    if word.startswith("~/"):
        return os.path.join(home, word[2:])
    if os.path.isabs(word):
        return os.path.normpath(word)
    if "/" in word:
        return os.path.normpath(os.path.join(base, word))
    return None  # a bare program name: found on PATH, not named by the config


# The hooks git runs (githooks(5)): named one by one when a hooks directory holds the workspace or the home.
_HOOKS = (
    "applypatch-msg", "pre-applypatch", "post-applypatch", "pre-commit", "pre-merge-commit",
    "prepare-commit-msg", "commit-msg", "post-commit", "pre-rebase", "post-checkout", "post-merge",
    "pre-push", "pre-receive", "update", "proc-receive", "post-receive", "post-update",
    "reference-transaction", "push-to-checkout", "pre-auto-gc", "post-rewrite", "sendemail-validate",
    "fsmonitor-watchman", "p4-changelist", "p4-prepare-changelist", "p4-post-changelist", "p4-pre-submit",
    "post-index-change",
)


def _holds(outer: str, inner: str) -> bool:
    return inner == outer or inner.startswith(outer.rstrip("/") + "/")


def host_git_paths(home: str, env: Mapping[str, str], *, keep_writable: tuple[str, ...] = (),
                   system_configs: tuple[str, ...] = SYSTEM_CONFIGS) -> tuple[str, ...]:
    """The global and system git config files and directories (present or not), their includes, and what
    they name.
    A named path that holds one of `keep_writable` (the workspace, the home) is never made read-only
    whole: a hooks directory like that is guarded by its hook names, anything else is left out."""
    xdg = env.get("XDG_CONFIG_HOME") or os.path.join(home, ".config")
    configs = [os.path.join(home, ".gitconfig"), os.path.join(xdg, "git", "config"),
               os.path.join(home, ".config", "git", "config"), *system_configs]
    # The git config directories whole (`attributes`, `ignore` and whatever else git or a tool keeps there).
    config_dirs = [os.path.join(xdg, "git"), os.path.join(home, ".config", "git")]
    paths = list(dict.fromkeys((*configs, *config_dirs)))
    queue = list(dict.fromkeys(configs))
    read = 0
    while queue and read < _MAX_FILES:
        config = queue.pop(0)
        read += 1
        for key, value in config_entries(config):
            if not value or not _PATH_KEYS.match(key):
                continue
            try:
                words = shlex.split(value.lstrip("!"))
            except ValueError:
                words = value.split()
            include = key.endswith(".path") and key.startswith(("include", "includeif"))
            for word in (words[:1] if include else words[:2]):  # the program, and a script it is handed
                path = _expand(word, os.path.dirname(config), home, include=include)
                if path is None or path in paths:
                    continue
                if any(_holds(path, keep) for keep in keep_writable):
                    if key == "core.hookspath":
                        paths += [os.path.join(path, hook) for hook in _HOOKS]
                    continue
                paths.append(path)
                if include:
                    queue.append(path)
    return tuple(paths)
