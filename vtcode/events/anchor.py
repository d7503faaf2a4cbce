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
from dataclasses import dataclass
from pathlib import Path

from vtcode.errors import InvariantError
from vtcode.paths import private_dir, user_config_dir, user_data_dir
from vtcode.userkeys import user_key

KEY_FILE = "audit.key"
ANCHOR_DIR = "audit-anchors"
_FORMAT = "vtcode-anchor/1"
_FORMAT_WITH_DIR = "vtcode-anchor/2"  # also binds the audit directory the session's log is written to


@dataclass(frozen=True)
class Anchor:
    session: str
    seq: int
    hash: str
    closed: bool
    mac: str
    # The audit directory the log was written to: a log there whose session has no anchor, while other
    # sessions of that directory have one, was renamed or re-sessioned (verify.py).
    audit_dir: str = ""

    def message(self) -> bytes:
        fields = [_FORMAT, self.session, str(self.seq), self.hash, str(int(self.closed))]
        if self.audit_dir:
            fields = [_FORMAT_WITH_DIR, *fields[1:], self.audit_dir]
        return "\0".join(fields).encode()


def key_path() -> Path:
    return user_config_dir() / KEY_FILE


def anchor_path(session: str) -> Path:
    safe = "".join(c for c in session if c.isalnum() or c in "-_")[:128] or "session"
    return user_data_dir() / ANCHOR_DIR / f"{safe}.json"


def _key(create: bool) -> bytes | None:
    return user_key(key_path(), create=create, what="audit", fix="delete it (old anchors then fail)")


def _mac(key: bytes, anchor: Anchor) -> str:
    return hmac.new(key, anchor.message(), hashlib.sha256).hexdigest()


SLOT = 512  # bytes per anchor record: two slots, written in turn


class AnchorWriter:
    """Keeps one session's anchor current, in two fixed slots written in turn with one `pwrite` each
    (~10 us: it runs before every security event's action). A crash mid-write can spoil only the slot
    being written; the other still holds the previous anchor, which `verify` accepts as a prefix. `close`
    fsyncs the last one."""

    def __init__(self, session: str, audit_dir: str = "") -> None:
        self.session = session
        self.audit_dir = audit_dir
        self._key = _key(create=True)
        self.path = anchor_path(session)
        private_dir(self.path.parent)
        flags = os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | getattr(os, "O_NOFOLLOW", 0)
        self._fd: int | None = os.open(self.path, flags, 0o600)
        self._next = 0

    def record(self, seq: int, head: str, *, closed: bool = False) -> None:
        if self._key is None:
            raise InvariantError("the audit anchor key is missing after it was loaded")
        if self._fd is None:
            raise ValueError(f"anchor {self.path} is closed")
        unsigned = Anchor(self.session, seq, head, closed, "", self.audit_dir)
        anchor = Anchor(self.session, seq, head, closed, _mac(self._key, unsigned), self.audit_dir)
        data = json.dumps(vars(anchor), sort_keys=True).encode()
        if len(data) >= SLOT:
            raise ValueError(f"anchor record longer than {SLOT} bytes")
        os.pwrite(self._fd, data.ljust(SLOT - 1) + b"\n", self._next * SLOT)
        self._next = 1 - self._next

    def close(self) -> None:
        """Make the last anchor durable and let the file go."""
        if self._fd is not None:
            fd, self._fd = self._fd, None
            try:
                os.fsync(fd)
            finally:
                os.close(fd)


@dataclass(frozen=True)
class AnchorCheck:
    """What the anchor says about a session: `anchor` None with `problem` None means there is none here."""

    anchor: Anchor | None
    problem: str | None = None


def read_anchor(session: str) -> AnchorCheck:
    """The newest slot that verifies; a slot that does not parse (torn by a crash) is passed over."""
    path = anchor_path(session)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return AnchorCheck(None)
    except OSError as exc:
        return AnchorCheck(None, f"anchor {path} is unreadable ({exc.strerror})")
    key = _key(create=False)
    if key is None:
        return AnchorCheck(None, f"anchor {path} exists but the audit key {key_path()} is gone")
    valid = [a for a in map(_slot, (raw[:SLOT], raw[SLOT : 2 * SLOT])) if a is not None
             and a.session == session and hmac.compare_digest(a.mac, _mac(key, a))]
    if not valid:
        return AnchorCheck(None, f"anchor {path} does not verify under this user's audit key (forged)")
    return AnchorCheck(max(valid, key=lambda a: (a.seq, a.closed)))


def _slot(raw: bytes) -> Anchor | None:
    try:
        data = json.loads(raw.decode("utf-8"))
        return Anchor(str(data["session"]), int(data["seq"]), str(data["hash"]), bool(data["closed"]),
                      str(data["mac"]), str(data.get("audit_dir", "")))
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


def anchored_sessions(audit_dir: str) -> set[str]:
    """Every session with a valid anchor on this machine whose log was written to `audit_dir`."""
    key = _key(create=False)
    directory = user_data_dir() / ANCHOR_DIR
    if key is None or not audit_dir:
        return set()
    found: set[str] = set()
    try:
        paths = sorted(directory.glob("*.json"))
    except OSError:
        return found
    for path in paths:
        try:
            raw = path.read_bytes()
        except OSError:
            continue
        for anchor in map(_slot, (raw[:SLOT], raw[SLOT : 2 * SLOT])):
            if (anchor is not None and anchor.audit_dir == audit_dir and path == anchor_path(anchor.session)
                    and hmac.compare_digest(anchor.mac, _mac(key, anchor))):
                found.add(anchor.session)
    return found
