"""The workspace jail: the one resolver every file tool, path argument and redirection target goes through.

`resolve`/`check` answer the policy's question (where does this path lead, may the agent read or write
it); `read_bytes`/`write_atomic` then act through fds with the kernel refusing any symlink, so a path
that changes between the check and the use fails instead of escaping. Order of judgement, strictest
first: malformed or unknowable (empty, NUL, too long, expansions, /proc magic) -> credential store ->
outside the root -> (writes) protected.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from vtcode.errors import PathDenied, WorkspaceError
from vtcode.paths import own_paths, user_config_dir

from .credentials import fold_depth, home_forms, secret_reason
from .expand import expand, first_look, real_home, refuse_magic
from .fileops import Data, read_beneath, write_beneath
from .names import fold_parts
from .path_check import PathCheck
from .protected import RC_FILES, home_protected_reason, protected_reason
from .refused import Refused
from .resolve import walk
from .trust import TRUST_MARKER

# Root entries whose *targets* are protected too when they are symlinks: writing `conf/vtcode.toml` must
# not change `vtcode.toml -> conf/vtcode.toml` behind the protection's back.
# Directories protect their whole tree; files only themselves (`.profile -> .` must not lock the workspace).
_ROOT_ANCHORS = {".vtcode": True, ".git": True, TRUST_MARKER: False, "vtcode.toml": False,
                 **dict.fromkeys(sorted(RC_FILES), False)}
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class PathVerdict:
    """The jail's answer without raising: `resolved` is None when the path could not be followed at all."""

    allowed: bool
    resolved: str | None
    reason: str
    secret: bool = False  # a credential store: deny outright, never prompt
    protected: bool = False  # inside the workspace, never writable by the agent


class Jail:
    """Confines paths to `root` (absolute, symlinks resolved, fixed at start-up: see root.py)."""

    __slots__ = ("_depth", "_home", "_homes", "_prefix", "_root", "_root_folded", "_root_str", "_state",
                 "_trust_key")

    def __init__(self, root: Path, *, home: Path | str | None = None) -> None:
        if not root.is_absolute() or os.path.realpath(root) != str(root):
            raise WorkspaceError(f"workspace root {str(root)!r} must be absolute with symlinks resolved")
        self._root = root
        self._root_str = str(root)
        self._prefix = "/" if self._root_str == "/" else self._root_str + "/"
        self._home = str(home) if home is not None else real_home()
        self._homes = home_forms(self._home)
        self._depth = fold_depth(self._homes)
        self._root_folded = fold_parts(self._root_str, self._depth)  # the start of every path inside
        # vtcode's own code and state (paths.own_paths): computed on the first write check, not at start.
        self._state: tuple[str, ...] | None = None
        self._trust_key = os.path.join(os.path.realpath(user_config_dir()), "trust.key")

    @property
    def root(self) -> Path:
        return self._root

    @property
    def home(self) -> str:
        """The home directory `~` means here (the policy expands `$HOME` to it as well)."""
        return self._home

    def resolve(self, path: str, *, write: bool = False, cwd: Path | str | None = None) -> Path:
        """The absolute resolved path inside the root, or PathDenied naming the path and why."""
        try:
            return Path(self._judge(path, write, cwd))
        except Refused as refused:
            raise PathDenied(path, refused.reason) from None

    def check(self, path: str, *, write: bool = False, cwd: Path | str | None = None) -> PathVerdict:
        """`resolve` without raising, with what the policy needs to pick deny over prompt."""
        try:
            resolved = self._judge(path, write, cwd)
        except Refused as refused:
            return PathVerdict(False, refused.resolved, refused.reason, refused.secret, refused.protected)
        return PathVerdict(True, resolved, f"{resolved} is inside the workspace")

    def check_path(self, path: str, *, write: bool) -> PathCheck:
        """The policy engine's PathChecker protocol (vtcode.policy.paths): `check` without the PathVerdict."""
        try:
            resolved = self._judge(path, write, None)
        except Refused as refused:
            return PathCheck(False, refused.resolved, refused.reason, refused.secret, refused.protected)
        return PathCheck(True, resolved, f"{resolved} is inside the workspace")

    def is_protected(self, resolved: Path | str) -> str | None:
        """Why the agent may never write `resolved` (absolute, resolved), or None."""
        text = os.fspath(resolved)
        if not self._inside(text):
            return None
        rel = fold_parts(text[len(self._prefix) :]) if text != self._root_str else ()
        return (protected_reason(rel) or self._home_reason(text) or self._state_reason(text)
                or self._anchor_reason(text))

    def is_secret(self, resolved: Path | str) -> str | None:
        """Why `resolved` is a credential store (see credentials.py), or None."""
        text = os.fspath(resolved)
        if text == self._trust_key:
            return "is vtcode's trust key: with it any workspace marker could be forged"
        if text == self._trust_key[: -len("trust.key")] + "audit.key":
            return "is vtcode's audit key: with it a rewritten audit log could be re-anchored"
        if text.startswith(self._prefix):
            # fold_parts(text, depth), without folding the root's components again for every path.
            rest = fold_parts(text[len(self._prefix) :], max(self._depth - len(self._root_folded), 0))
            return secret_reason(self._root_folded + rest, self._homes)
        return secret_reason(fold_parts(text, self._depth), self._homes)

    def read_bytes(self, path: str, *, limit: int | None = None, cwd: Path | str | None = None) -> bytes:
        """Read a regular file (at most `limit` bytes), opened with kernel-enforced containment."""
        return self.read_resolved(self.resolve(path, cwd=cwd), limit=limit, shown=path)

    def write_atomic(self, path: str, data: Data, *, cwd: Path | str | None = None,
                     mode: int | None = None) -> Path:
        """Replace (or create, with missing parents) a file in one rename; never leaves a partial file.

        `data` is bytes or an iterable of byte chunks. `mode` defaults to the replaced file's permissions
        (setuid/setgid dropped) or, for a new file, 0o666 under the umask.
        """
        resolved = self.resolve(path, write=True, cwd=cwd)
        self.write_resolved(resolved, data, mode=mode, shown=path)
        return resolved

    def read_resolved(self, resolved: Path, *, limit: int | None = None, shown: str | None = None) -> bytes:
        """Read a path `resolve` returned earlier, trusting nothing about it: the kernel refuses symlinks."""
        if limit is not None and limit < 0:
            raise ValueError("limit must be >= 0")
        parts, shown = self._held(resolved, shown)
        return self._run(shown, lambda: read_beneath(self._root_str, parts, shown, limit))

    def write_resolved(self, resolved: Path, data: Data, *, mode: int | None = None,
                       shown: str | None = None) -> None:
        """Write a path `resolve(..., write=True)` returned earlier; protection is checked again."""
        if mode is not None and mode & ~0o777:
            raise ValueError(f"mode {mode:#o}: only permission bits (0o777) may be set")
        parts, shown = self._held(resolved, shown)
        if not parts:
            raise PathDenied(shown, "is the workspace root, not a file")
        if (reason := self.is_protected(resolved)) is not None:
            raise PathDenied(shown, reason)

        def recheck() -> str | None:
            return self.is_protected(resolved)

        self._run(shown, lambda: write_beneath(self._root_str, parts, shown, data, mode=mode,
                                               recheck=recheck))

    # -- judgement -------------------------------------------------------------------------------------

    def _judge(self, raw: str, write: bool, cwd: Path | str | None) -> str:
        first_look(raw)
        text = expand(raw, self._home)
        start = self._root_str if cwd is None else self._cwd(cwd)
        absolute = text if text.startswith("/") else f"{start}/{text}"
        refuse_magic(absolute)
        if text.startswith(self._prefix):
            # The root is already resolved: start the walk there instead of re-checking its ancestors.
            # lstrip: "/ws//etc" is /ws/etc, and a leftover "/etc" would restart the walk at `/`.
            start, text = self._root_str, text[len(self._prefix) :].lstrip("/")
        found = walk(start, text)
        lexical = os.path.normpath(absolute)
        # The lexical spelling and each link on the way too: ~/.ssh may itself be a link to a vault.
        spellings = (found.path, *found.links) if lexical == found.path else (lexical, found.path,
                                                                            *found.links)
        for spelled in spellings:
            if (secret := self.is_secret(spelled)) is not None:
                raise Refused(secret, resolved=found.path, secret=True)
        if not self._inside(found.path):
            raise Refused(f"resolves to {found.path!r}, outside the workspace {self._root_str!r}",
                          resolved=found.path)
        if write:
            if found.path == self._root_str:
                raise Refused("is the workspace root, not a file", resolved=found.path, protected=True)
            if (reason := self.is_protected(found.path)) is not None:
                raise Refused(f"{_via(found.path, absolute)}{reason}", resolved=found.path, protected=True)
            # vtcode's own state judged on every hop too: a link inside its venv (bin/python3 -> the base
            # interpreter) or a link elsewhere pointing into it is refused whichever end is protected.
            for spelled in spellings:
                if self._inside(spelled) and (reason := self._state_reason(spelled)) is not None:
                    raise Refused(f"{_via(found.path, absolute)}goes through {spelled!r}, which {reason}",
                                  resolved=found.path, protected=True)
        return found.path

    def _cwd(self, cwd: Path | str) -> str:
        text = os.fspath(cwd)
        if "\0" in text or not text:
            raise Refused(f"working directory {text!r} is not a path")
        found = walk(self._root_str, text)
        if not self._inside(found.path):
            raise Refused(f"working directory {text!r} resolves outside the workspace")
        return found.path

    def _inside(self, path: str) -> bool:
        # Whole components: /ws-evil is not inside /ws. Both strings are normalised, so a prefix ending
        # in "/" is exactly Path.is_relative_to, at a fraction of the cost.
        return path == self._root_str or path.startswith(self._prefix)

    def _held(self, resolved: Path, shown: str | None) -> tuple[tuple[str, ...], str]:
        """Check a caller-held resolved path lexically: absolute, normalised, inside the root."""
        text = os.fspath(resolved)
        shown = text if shown is None else shown
        normal = os.path.isabs(text) and os.path.normpath(text) == text and "\0" not in text
        if not normal or not self._inside(text):
            raise PathDenied(shown, f"{text!r} is not a resolved path inside the workspace; use Jail.resolve")
        if (secret := self.is_secret(text)) is not None:
            raise PathDenied(shown, secret)
        return (tuple(text[len(self._prefix) :].split("/")) if text != self._root_str else ()), shown

    @staticmethod
    def _run(shown: str, action: Callable[[], T]) -> T:
        try:
            return action()
        except Refused as refused:
            raise PathDenied(shown, refused.reason) from None

    def _anchor_reason(self, text: str) -> str | None:
        for name, tree in _ROOT_ANCHORS.items():
            if not os.path.islink(f"{self._prefix}{name}"):
                continue
            with contextlib.suppress(Refused):
                target = walk(self._root_str, name).path
                if text == target or (tree and text.startswith(target.rstrip("/") + "/")):
                    why = protected_reason((name,))
                    return f"is the target of the symlink {name} at the root, which {why}"
        return None

    def _home_reason(self, text: str) -> str | None:
        # Only when the workspace holds the home directory (a workspace at ~ or above it).
        folded = fold_parts(text)
        for home in self._homes:
            if len(folded) > len(home) and folded[: len(home)] == home:
                return home_protected_reason(folded[len(home) :])
        return None

    def _state_reason(self, text: str) -> str | None:
        # Everything vtcode reads code, configuration, caches or state from (its venv, the bytecode and
        # plugin digest caches, keys, approvals, logs): a workspace holding any of it must not rewrite it.
        if self._state is None:
            self._state = own_paths(self._root)
        for state in self._state:
            if text == state or text.startswith(state.rstrip("/") + "/"):
                return (f"is in {state}, where vtcode keeps its own code, configuration, caches or state; "
                        "the agent may not write it")
        return None


def _via(resolved: str, spelled: str) -> str:
    # Name the real target when an innocent-looking link led to it: "notes -> .git/hooks/pre-commit".
    return "" if os.path.normpath(spelled) == resolved else f"resolves to {resolved!r}, which "
