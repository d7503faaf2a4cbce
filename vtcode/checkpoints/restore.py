"""Bring a checkpoint back: a plan first (what changes, what is kept and why), then the plan applied.

A restore keeps what someone other than the agent changed after the checkpoint: the store has the tree
before and after every action, so a path that changed outside an action (between one action's end and
the next one's start, or since the last action) is the person's edit, kept unless `overwrite` says so.
A restore is itself a checkpoint: undoing a restore is one more restore.

Every write goes through the workspace's fd-based primitives: a file is replaced by a temp file renamed
over its name (a hard link elsewhere keeps its content), a symlink is replaced, never followed, and a
directory on the way that is a symlink refuses the path (openat2 RESOLVE_BENEATH|NO_SYMLINKS).
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import stat
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from vtcode.errors import InvariantError
from vtcode.paths import own_paths
from vtcode.workspace.beneath import open_dir, open_root
from vtcode.workspace.fileops import write_beneath
from vtcode.workspace.names import fold_parts
from vtcode.workspace.protected import protected_reason

from .records import Checkpoint
from .store import Change, CheckpointStore

Op = Literal["write", "delete"]


@dataclass(frozen=True)
class Step:
    path: str
    op: Op
    change: Change
    # Why the step is not applied (a person's edit, a protected path, over the size cap), or None.
    kept: str | None = None


@dataclass
class Plan:
    checkpoint: Checkpoint
    now_tree: str
    steps: list[Step]
    skipped_now: list[str] = field(default_factory=list)

    @property
    def applied(self) -> list[Step]:
        return [s for s in self.steps if s.kept is None]

    @property
    def kept(self) -> list[Step]:
        return [s for s in self.steps if s.kept is not None]

    def describe(self) -> list[str]:
        lines = []
        for step in self.steps:
            verb = "restore" if step.op == "write" else "delete"
            if step.kept is None:
                lines.append(f"  {verb:9} {step.path}")
            else:
                lines.append(f"  keep      {step.path}  ({step.kept})")
        return lines


@dataclass
class Outcome:
    written: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)


USER_EDIT = "changed after the checkpoint outside any agent action; --overwrite restores it too"


def plan_restore(store: CheckpointStore, target: Checkpoint, now_tree: str, skipped_now: Sequence[str],
                 overwrite: bool = False) -> Plan:
    """What restoring `target` would change in a workspace whose current tree is `now_tree`."""
    later = [c for c in store.checkpoints() if c.id >= target.id]
    user_paths: set[str] = set()
    for index, checkpoint in enumerate(later):
        following = later[index + 1].tree if index + 1 < len(later) else now_tree
        start = checkpoint.after if checkpoint.after is not None else checkpoint.tree
        # Without an `after` tree (the action crashed) its changes cannot be told from a person's: kept.
        user_paths.update(c.path for c in store.diff(start, following))
    steps = []
    over_cap = set(skipped_now) | set(target.skipped)
    own = [p.rstrip("/") + "/" for p in own_paths(store.root)]
    base = str(store.root).rstrip("/") + "/"
    for change in store.diff(now_tree, target.tree):
        op: Op = "write" if change.new is not None else "delete"
        if change.new is not None and change.new.mode == "160000":
            continue  # a nested repository: not snapshotted
        kept = None
        reason = protected_reason(fold_parts(change.path))
        if reason is not None:
            kept = f"{reason}: never written by a restore"
        elif any((base + change.path).startswith(prefix) for prefix in own):
            kept = "vtcode's own code or state (a virtualenv in the workspace?): never written by a restore"
        elif change.path in over_cap:
            kept = "over the checkpoint size cap: not snapshotted, left as it is"
        elif change.path in user_paths and not overwrite:
            kept = USER_EDIT
        steps.append(Step(change.path, op, change, kept))
    # Paths over the cap now, absent from the checkpoint: shown, never deleted.
    return Plan(target, now_tree, steps, sorted(set(skipped_now)))


def apply_plan(store: CheckpointStore, plan: Plan) -> Outcome:
    outcome = Outcome()
    todo = plan.applied
    blobs = store.blobs([s.change.new.sha for s in todo if s.change.new is not None])
    root = str(store.root)
    # Deletions first, deepest first: a file where the checkpoint had a directory goes before its contents.
    for step in sorted((s for s in todo if s.op == "delete"), key=lambda s: -s.path.count("/")):
        try:
            _delete(root, step.path.split("/"))
            outcome.deleted.append(step.path)
        except OSError as exc:
            outcome.failed.append((step.path, _why(exc)))
    for step in (s for s in todo if s.op == "write"):
        entry = step.change.new
        if entry is None:
            raise InvariantError("entry is unset here (a bug)")
        parts = step.path.split("/")
        try:
            if entry.mode == "120000":
                _symlink(root, parts, blobs[entry.sha])
            else:
                _clear_directory_in_the_way(root, parts)
                write_beneath(root, parts, step.path, blobs[entry.sha],
                              mode=_mode(root, parts, entry.mode == "100755"), recheck=lambda: None)
            outcome.written.append(step.path)
        except OSError as exc:
            outcome.failed.append((step.path, _why(exc)))
    return outcome


def _why(exc: OSError) -> str:
    return str(exc) if not exc.strerror else exc.strerror


def _parent(root: str, parts: Sequence[str], create: bool = False) -> int:
    root_fd = open_root(root)
    try:
        return open_dir(root_fd, parts[:-1], create=create)
    finally:
        os.close(root_fd)


def _delete(root: str, parts: list[str]) -> None:
    dir_fd = _parent(root, parts)
    try:
        os.unlink(parts[-1], dir_fd=dir_fd)  # a symlink is removed, never its target
    finally:
        os.close(dir_fd)
    # Directories the deletion left empty go too (git records no directories), up to the root.
    for depth in range(len(parts) - 1, 0, -1):
        fd = _parent(root, parts[:depth])
        try:
            os.rmdir(parts[depth - 1], dir_fd=fd)
        except OSError:
            break
        finally:
            os.close(fd)


def _clear_directory_in_the_way(root: str, parts: list[str]) -> None:
    """An empty directory where the checkpoint had a file goes; a non-empty one makes the write fail."""
    dir_fd = _parent(root, parts, create=True)
    try:
        info = os.stat(parts[-1], dir_fd=dir_fd, follow_symlinks=False)
        if stat.S_ISDIR(info.st_mode):
            os.rmdir(parts[-1], dir_fd=dir_fd)
    except FileNotFoundError:
        pass
    finally:
        os.close(dir_fd)


def _mode(root: str, parts: list[str], executable: bool) -> int:
    """The file's permissions as they are when the executable bit agrees; else the umask's default."""
    dir_fd = _parent(root, parts, create=True)
    try:
        info = os.stat(parts[-1], dir_fd=dir_fd, follow_symlinks=False)
        if stat.S_ISREG(info.st_mode) and bool(info.st_mode & 0o100) == executable:
            return info.st_mode & 0o777
    except FileNotFoundError:
        pass
    finally:
        os.close(dir_fd)
    mask = os.umask(0o022)
    os.umask(mask)
    return (0o777 if executable else 0o666) & ~mask


def _symlink(root: str, parts: list[str], target: bytes) -> None:
    dir_fd = _parent(root, parts, create=True)
    try:
        for _ in range(16):
            temp = f".{parts[-1][:32]}.{secrets.token_hex(6)}.vtcode-tmp"
            try:
                os.symlink(os.fsdecode(target), temp, dir_fd=dir_fd)
                break
            except FileExistsError:
                continue
        else:
            raise FileExistsError(errno.EEXIST, "could not create a unique temp name", parts[-1])
        try:
            os.replace(temp, parts[-1], src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temp, dir_fd=dir_fd)
            raise
    finally:
        os.close(dir_fd)
