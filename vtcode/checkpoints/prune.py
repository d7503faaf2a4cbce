"""Dropping old checkpoints, so a workspace's store does not grow without bound.

What is kept: every checkpoint of the last `keep_sessions` sessions, every checkpoint newer than
`keep_days`, every checkpoint of a session that is still running (it may still restore it), and the latest
checkpoint. Only a *prefix* is ever dropped (every checkpoint older than the oldest one kept), because a
restore reads the checkpoints from its target onwards (the after-trees tell the agent's changes from a
person's edits): a kept checkpoint restores exactly as it did before pruning.

A running session holds a shared lock on `live/<session>.lock` in the store for as long as it is open; a
prune that can take that lock exclusively knows the session is gone (killed ones included: the kernel
drops a dead process's locks).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from vtcode_hookspecs import CheckpointsPruned

from vtcode.paths import private_dir

from .records import Checkpoint
from .store import CheckpointStore

_SAFE = re.compile(r"[^A-Za-z0-9._-]")


@dataclass
class PrunePlan:
    cutoff: int  # every checkpoint with a smaller id is dropped
    dropped: list[Checkpoint]
    kept: list[Checkpoint]
    live: list[str] = field(default_factory=list)


def pruned_event(plan: PrunePlan, store: CheckpointStore, *, keep_sessions: int, keep_days: float,
                 via: str) -> CheckpointsPruned:
    """The audit event of a prune about to happen (`via`: "cli" or "session start")."""
    return CheckpointsPruned.model_validate({
        "first": plan.dropped[0].id, "last": plan.dropped[-1].id, "dropped": len(plan.dropped),
        "kept": len(plan.kept), "live": plan.live, "keep_sessions": keep_sessions, "keep_days": keep_days,
        "via": via, "store": str(store.dir)})


class SessionMark:
    """Held by a running session: tells `prune` not to drop that session's checkpoints."""

    def __init__(self, store: CheckpointStore, session: str) -> None:
        private_dir(store.dir)  # first: mkdir's mode applies to the last directory only
        directory = private_dir(store.dir / "live")
        self._fd: int | None = os.open(directory / f"{_SAFE.sub('_', session)}.lock",
                                       os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        fcntl.flock(self._fd, fcntl.LOCK_SH)

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def live_sessions(store: CheckpointStore) -> set[str]:
    """The sessions of this store still running (their mark is locked); stale marks are removed."""
    live: set[str] = set()
    directory = store.dir / "live"
    if not directory.is_dir():
        return live
    for path in directory.glob("*.lock"):
        try:
            fd = os.open(path, os.O_RDWR | os.O_CLOEXEC)
        except OSError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            live.add(path.stem)
        else:
            with contextlib.suppress(OSError):
                path.unlink()
        finally:
            os.close(fd)
    return live


def _when(checkpoint: Checkpoint) -> datetime:
    try:
        return datetime.fromisoformat(checkpoint.ts.replace("Z", "+00:00"))
    except ValueError:
        return datetime.max.replace(tzinfo=UTC)  # unreadable: treated as new, so kept


def plan_prune(store: CheckpointStore, *, keep_sessions: int, keep_days: float,
               now: datetime | None = None) -> PrunePlan:
    """What `prune` would drop. Read under the store's lock for a prune that follows."""
    checkpoints = store.checkpoints()
    if not checkpoints:
        return PrunePlan(cutoff=0, dropped=[], kept=[])
    live = live_sessions(store)
    now = now or datetime.now(UTC)
    latest: dict[str, datetime] = {}
    for checkpoint in checkpoints:
        key = checkpoint.session or ""
        latest[key] = max(latest.get(key, _when(checkpoint)), _when(checkpoint))
    recent = set(sorted(latest, key=lambda k: latest[k], reverse=True)[: max(keep_sessions, 0)])
    since = now - timedelta(days=keep_days)
    keep = [c for c in checkpoints
            if (c.session or "") in recent or _when(c) >= since
            or (c.session is not None and _SAFE.sub("_", c.session) in live)]
    cutoff = min([c.id for c in keep] + [checkpoints[-1].id])  # the latest is always kept
    return PrunePlan(cutoff=cutoff, dropped=[c for c in checkpoints if c.id < cutoff],
                     kept=[c for c in checkpoints if c.id >= cutoff], live=sorted(live))


def prune(store: CheckpointStore, *, keep_sessions: int, keep_days: float,
          now: datetime | None = None, record: Callable[[PrunePlan], object] | None = None) -> PrunePlan:
    """Drop what `plan_prune` names: their log lines (the log rewritten to a temp file and renamed over),
    their refs, then every object nothing else reaches. `record(plan)` runs first (the audit event, made
    durable before anything is dropped): if it raises, nothing is dropped."""
    with store.locked():
        plan = plan_prune(store, keep_sessions=keep_sessions, keep_days=keep_days, now=now)
        if not plan.dropped:
            return plan
        if record is not None:
            record(plan)
        kept_lines = [r.model_dump_json() + "\n" for r in store.records() if r.id >= plan.cutoff]
        temp = store.log.with_name(store.log.name + ".tmp")
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
        try:
            os.write(fd, "".join(kept_lines).encode())
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temp, store.log)
        refs = store.git_dir / "refs" / "checkpoints"
        for checkpoint in plan.dropped:
            for kind in ("taken", "after"):
                with contextlib.suppress(FileNotFoundError):
                    (refs / f"{checkpoint.id}-{kind}").unlink()
        # The store's HEAD moves (its reflog would keep old trees) and its index are still reachable.
        store.git("reflog", "expire", "--expire=now", "--all")
        store.git("prune", "--expire=now")
        return plan
