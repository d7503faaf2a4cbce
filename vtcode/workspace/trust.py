"""Workspace trust: a marker file holding an HMAC, under a user-held key, of the root's absolute path, the
root directory's identity (device and inode) and a random nonce; the nonce and the identities of the root
and of the marker file itself are also kept in the user's state (`trusted-workspaces.json`).

A marker copied from another checkout or machine does not verify (the key never leaves the user's config
dir and the path is in the MAC). A trusted directory moved away and replaced by other content at the same
path does not verify (another directory: another inode), nor does a re-clone to the same path that carries
the old marker (another marker file, another nonce once re-trusted). `vtcode trust` also lists the marker in
the repository's `.git/info/exclude`, so it does not end up in a commit.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import hmac
import json
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from vtcode.atomic import write_atomic
from vtcode.errors import InvariantError
from vtcode.paths import private_dir, user_config_dir
from vtcode.userkeys import user_key

TRUST_MARKER = ".vt-workspace-trust"
_PREFIX = "vtcode-trust/2 "
_KEY_FILE = "trust.key"
_STATE_FILE = "trusted-workspaces.json"


@dataclass(frozen=True)
class TrustState:
    trusted: bool
    reason: str


def _key_path() -> Path:
    return user_config_dir() / _KEY_FILE


def _load_key(create: bool) -> bytes | None:
    return user_key(_key_path(), create=create, what="trust",
                    fix="delete it and run `vtcode trust` again")


def _mac(key: bytes, root: Path, identity: tuple[int, int], nonce: str) -> str:
    message = b"\0".join([os.fsencode(str(root)), b"%d:%d" % identity, nonce.encode("utf-8", "replace")])
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def _identity(stat: os.stat_result) -> tuple[int, int]:
    return stat.st_dev, stat.st_ino


def _file_identity(stat: os.stat_result) -> list[int]:
    """The marker file's identity: its inode (reused as soon as a file is deleted) and its change time
    (set by the kernel whenever the file is written, replaced or re-created: not by a user)."""
    return [stat.st_dev, stat.st_ino, stat.st_ctime_ns]


def _state_path() -> Path:
    return user_config_dir() / _STATE_FILE


def _load_state() -> dict[str, dict[str, object]]:
    try:
        data = json.loads(_state_path().read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except ValueError as exc:
        raise ValueError(f"{_state_path()}: not valid JSON ({exc}); delete it, then `vtcode trust`") from None
    return data if isinstance(data, dict) else {}


def _save_state(state: dict[str, dict[str, object]]) -> None:
    private_dir(_state_path().parent)
    write_atomic(_state_path(), (json.dumps(state, indent=1, sort_keys=True) + "\n").encode(), mode=0o600)


def check_trust(root: Path) -> TrustState:
    """Whether `root` (already resolved) carries a marker made by this user for this exact path."""
    marker = root / TRUST_MARKER
    try:
        # O_NOFOLLOW: a marker that is a symlink (say, to a marker elsewhere) is never honoured.
        fd = os.open(marker, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except FileNotFoundError:
        return TrustState(False, f"no {TRUST_MARKER} in {root} (run `vtcode trust` to trust it)")
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return TrustState(False, f"{marker} is a symlink; trust markers must be regular files")
        return TrustState(False, f"{marker}: {exc.strerror}")
    with os.fdopen(fd, "rb") as handle:
        marker_identity = _file_identity(os.fstat(handle.fileno()))
        content = handle.read(256).decode("ascii", errors="replace").strip()
    key = _load_key(create=False)
    if key is None:
        return TrustState(False, f"{marker} was not made by this user (no trust key); run `vtcode trust`")
    nonce, _, mac = content.removeprefix(_PREFIX).partition(" ")
    identity = _identity(os.stat(root))
    if not content.startswith(_PREFIX) or not hmac.compare_digest(mac, _mac(key, root, identity, nonce)):
        reason = f"{marker} does not verify for this user, path and directory; run `vtcode trust`"
        return TrustState(False, reason)
    entry = _load_state().get(str(root), {})
    if entry.get("nonce") != nonce or entry.get("marker") != marker_identity:
        return TrustState(False, f"{marker} is not the marker this user made here (replaced or re-cloned); "
                                 "run `vtcode trust`")
    return TrustState(True, f"trusted by {marker}")


def write_trust(root: Path) -> Path:
    key = _load_key(create=True)
    if key is None:
        raise InvariantError("the trust key could not be created or read")
    marker = root / TRUST_MARKER
    nonce = secrets.token_hex(16)
    mac = _mac(key, root, _identity(os.stat(root)), nonce)
    write_atomic(marker, f"{_PREFIX}{nonce} {mac}\n".encode("ascii"), mode=0o644)
    state = _load_state()
    state[str(root)] = {"nonce": nonce, "marker": _file_identity(os.lstat(marker))}
    _save_state(state)
    exclude_from_git(root)
    return marker


def revoke_trust(root: Path) -> bool:
    state = _load_state()
    if state.pop(str(root), None) is not None:
        _save_state(state)
    with contextlib.suppress(FileNotFoundError):
        (root / TRUST_MARKER).unlink()
        return True
    return False


def exclude_from_git(root: Path) -> Path | None:
    """List the marker in the `info/exclude` of the repository `root` is in (the common one, for a
    worktree), so `git add -A` never commits it, also when `root` is a package inside a monorepo; None when
    `root` is in no repository."""
    top = root
    while not (top / ".git").exists():
        if top.parent == top:
            return None
        top = top.parent
    dot_git = top / ".git"
    if dot_git.is_file():
        text = dot_git.read_text(encoding="utf-8", errors="replace").strip()
        if not text.startswith("gitdir:"):
            return None
        git_dir = (top / text.removeprefix("gitdir:").strip()).resolve()
        common = git_dir / "commondir"
        if common.is_file():
            git_dir = (git_dir / common.read_text(encoding="utf-8").strip()).resolve()
    elif dot_git.is_dir():
        git_dir = dot_git
    else:
        return None
    exclude = git_dir / "info" / "exclude"
    inside = root.relative_to(top).as_posix()
    # A gitignore pattern: glob characters and backslashes in directory names are escaped to stay literal.
    inside = re.sub(r"([\\\[\]*?])", r"\\\1", inside)
    line = f"/{TRUST_MARKER}" if inside == "." else f"/{inside}/{TRUST_MARKER}"
    try:
        current = exclude.read_text(encoding="utf-8")
    except FileNotFoundError:
        current = ""
    if line in current.splitlines():
        return exclude
    exclude.parent.mkdir(parents=True, exist_ok=True)
    sep = "" if not current or current.endswith("\n") else "\n"
    text = f"{current}{sep}# vtcode's trust marker is this user's alone\n{line}\n"
    write_atomic(exclude, text.encode(), mode=0o644)
    return exclude
