"""The audit log's anchor outside the log: a session's chain head, HMAC'ed with a key sandboxed commands
cannot read, kept in the user's state while the session runs.

A hash chain alone proves nothing against someone who rewrites the whole file: drop events, recompute
every hash, and the chain links again. The anchor records (session, seq, hash, closed) at each point the
log is synced (every security event) and when the session ends; `audit verify` on the same machine then
names a log whose event at the anchored seq has another hash (re-hashed) or that ends before it
(truncated), and a closed session that grew (appended). Without the key an anchor cannot be forged; it can
be deleted, which `verify` reports as "no anchor" rather than as proof. Across machines the SIEM copy is
the anchor. Threat model: docs/security/audit.md.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import tempfile
from dataclasses import dataclass
from pathlib import Path

from vtcode.atomic import write_atomic
from vtcode.paths import private_dir, user_config_dir, user_data_dir

KEY_FILE = "audit.key"
ANCHOR_DIR = "audit-anchors"
_FORMAT = "vtcode-anchor/1"


@dataclass(frozen=True)
class Anchor:
    session: str
    seq: int
    hash: str
    closed: bool
    mac: str

    def message(self) -> bytes:
        return "\0".join([_FORMAT, self.session, str(self.seq), self.hash, str(int(self.closed))]).encode()


def key_path() -> Path:
    return user_config_dir() / KEY_FILE


def anchor_path(session: str) -> Path:
    safe = "".join(c for c in session if c.isalnum() or c in "-_")[:128] or "session"
    return user_data_dir() / ANCHOR_DIR / f"{safe}.json"


def _key(create: bool) -> bytes | None:
    path = key_path()
    try:
        key = path.read_bytes()
    except FileNotFoundError:
        if not create:
            return None
        private_dir(path.parent)
        key = secrets.token_bytes(32)
        write_atomic(path, key, mode=0o600)
        return key
    if len(key) < 32:
        raise ValueError(f"{path}: audit key is shorter than 32 bytes; delete it (old anchors then fail)")
    return key


def _mac(key: bytes, anchor: Anchor) -> str:
    return hmac.new(key, anchor.message(), hashlib.sha256).hexdigest()


class AnchorWriter:
    """Keeps one session's anchor current. Interim anchors are replaced without fsync (a crash leaves an
    older anchor, which `verify` accepts as a prefix); the closing one is fsynced."""

    def __init__(self, session: str) -> None:
        self.session = session
        self._key = _key(create=True)
        self.path = anchor_path(session)
        private_dir(self.path.parent)

    def record(self, seq: int, head: str, *, closed: bool = False) -> None:
        assert self._key is not None
        unsigned = Anchor(self.session, seq, head, closed, "")
        anchor = Anchor(self.session, seq, head, closed, _mac(self._key, unsigned))
        data = (json.dumps(vars(anchor), sort_keys=True) + "\n").encode()
        if closed:
            write_atomic(self.path, data, mode=0o600)
            return
        fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp", dir=self.path.parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(tmp, self.path)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise


@dataclass(frozen=True)
class AnchorCheck:
    """What the anchor says about a session: `anchor` None with `problem` None means there is none here."""

    anchor: Anchor | None
    problem: str | None = None


def read_anchor(session: str) -> AnchorCheck:
    path = anchor_path(session)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        anchor = Anchor(str(data["session"]), int(data["seq"]), str(data["hash"]), bool(data["closed"]),
                        str(data["mac"]))
    except FileNotFoundError:
        return AnchorCheck(None)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return AnchorCheck(None, f"anchor {path} is unreadable ({type(exc).__name__})")
    key = _key(create=False)
    if key is None:
        return AnchorCheck(None, f"anchor {path} exists but the audit key {key_path()} is gone")
    if anchor.session != session or not hmac.compare_digest(anchor.mac, _mac(key, anchor)):
        return AnchorCheck(None, f"anchor {path} does not verify under this user's audit key (forged)")
    return AnchorCheck(anchor)
