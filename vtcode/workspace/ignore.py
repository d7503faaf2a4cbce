""".gitignore rules as git applies them: one rule set per directory, the deepest decisive one wins.

Within one file the last matching pattern wins (so `!keep.log` re-includes after `*.log`); a pattern with
a slash is anchored to its file's directory; `dir/` matches directories only. pathspec's GitIgnoreSpec
implements those per-file semantics; this module adds the nesting. A directory that is ignored is never
entered, so (as in git) a negation below it cannot re-include anything.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass

import pathspec

MAX_IGNORE_BYTES = 1 << 20  # a .gitignore larger than this is not a list of patterns


@dataclass(frozen=True, slots=True)
class IgnoreRules:
    """The rule sets in force in one directory: (directory relative to the root, spec), outermost first."""

    layers: tuple[tuple[str, pathspec.GitIgnoreSpec], ...] = ()

    def ignored(self, rel: str, is_dir: bool) -> bool:
        """Whether `rel` ('/'-separated, relative to the root) is ignored."""
        for base, spec in reversed(self.layers):
            inner = rel[len(base) + 1 :] if base else rel
            result = spec.check_file(inner + "/" if is_dir else inner)
            if result.include is not None:
                return bool(result.include)
        return False

    def entering(self, dir_fd: int, rel_dir: str) -> IgnoreRules:
        """The rules for the directory open at `dir_fd` (at `rel_dir`): these plus its own .gitignore."""
        lines = _read_lines(dir_fd, ".gitignore")
        if not rel_dir and _real_dir(dir_fd, ".git"):
            lines = _read_lines(dir_fd, ".git/info/exclude") + lines
        if not lines:
            return self
        return IgnoreRules((*self.layers, (rel_dir, pathspec.GitIgnoreSpec.from_lines(lines))))


def _real_dir(dir_fd: int, name: str) -> bool:
    try:
        return stat.S_ISDIR(os.stat(name, dir_fd=dir_fd, follow_symlinks=False).st_mode)
    except OSError:
        return False


def _read_lines(dir_fd: int, name: str) -> list[str]:
    # O_NOFOLLOW and a relative open from the directory's fd: a .gitignore that is a symlink to
    # /etc/shadow is not read (nor .git/info/exclude through a .git that is a link: see _real_dir).
    try:
        fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, dir_fd=dir_fd)
    except OSError:
        return []
    try:
        data = os.read(fd, MAX_IGNORE_BYTES)
    except OSError:
        return []
    finally:
        os.close(fd)
    return data.decode("utf-8", errors="replace").splitlines()
