"""Checkpoints as the agent and the CLI use them: taken around actions, restored on request, each an event.

`emit` is the session's event bus (`bus.emit`), so every checkpoint and every restore is in the audit log.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .prune import SessionMark
from .records import Checkpoint
from .restore import Outcome, Plan, apply_plan, plan_restore
from .store import CheckpointStore

Emit = Callable[[str, dict[str, Any]], object]


@dataclass
class Restored:
    plan: Plan
    outcome: Outcome | None  # None: shown, not applied
    before: Checkpoint | None = None


class Checkpoints:
    def __init__(self, store: CheckpointStore, emit: Emit | None = None, session: str | None = None) -> None:
        self.store = store
        self._emit = emit
        self._session = session
        self._pending: threading.Thread | None = None
        # While this session runs, `prune` keeps its checkpoints (it may still restore them).
        self._mark = SessionMark(store, session) if session else None

    def before(self, tool: str, call_id: str = "", summary: str = "") -> Checkpoint:
        self.settle()
        checkpoint = self.store.take(tool=tool, call_id=call_id, summary=summary, session=self._session)
        self._event("checkpoint.taken", {
            "id": checkpoint.id, "tree": checkpoint.tree, "call_id": call_id, "tool": tool,
            "skipped": checkpoint.skipped, "store": str(self.store.dir),
        })
        return checkpoint

    def after(self, checkpoint: Checkpoint, *, background: bool = False,
              written: Sequence[Path] | None = None) -> None:
        """Snapshot the workspace once the action is over: the tree that tells the agent's changes from a
        person's later edits, so it is taken before the tool's result goes back. `background` (a call the
        person stopped: Esc, quitting) returns at once; the next checkpoint, a restore and the end of
        `vtcode exec` wait for it (`settle`). If the process ends first, the record has no after-tree and
        a restore keeps that action's changes unless --overwrite (the safe side).

        `written`: the action is known to have changed these paths and nothing else (vtcode's own file
        tools write only through the jail, which records them): the snapshot looks at them alone instead
        of scanning the tree. A person's edit elsewhere meanwhile is then seen by the next whole scan,
        and so counted as a person's, never as the agent's."""
        self.settle()
        only = self._relative(written)
        if not background:
            self._after(checkpoint, only)
            return
        self._pending = threading.Thread(target=self._after, args=(checkpoint, only), daemon=True,
                                         name=f"vtcode-checkpoint-{checkpoint.id}-after")
        self._pending.start()

    def close(self) -> None:
        """The session is over: wait for a pending after-snapshot, then release the store's watcher."""
        self.settle(5)
        self.store.close()
        if self._mark is not None:
            self._mark.release()

    def settle(self, timeout: float | None = None) -> None:
        pending = self._pending
        if pending is not None:
            pending.join(timeout)
            if not pending.is_alive():
                self._pending = None

    def _relative(self, written: Sequence[Path] | None) -> list[str] | None:
        """Workspace-relative names of `written`, or None (scan everything) if one is not beneath it."""
        if written is None:
            return None
        names = []
        for path in written:
            try:
                names.append(Path(os.path.realpath(path.parent), path.name).relative_to(self.store.root)
                             .as_posix())
            except ValueError:
                return None
        return names

    def _after(self, checkpoint: Checkpoint, only: list[str] | None = None) -> None:
        try:
            self.store.finish(checkpoint, only)
        except Exception as exc:  # the action ran; its undo still works, less precisely
            with contextlib.suppress(Exception):  # the session may be closing
                self._event("error", {"message": f"checkpoint {checkpoint.id}: no after-snapshot: {exc}",
                                      "source": "checkpoints"})

    def last_agent_checkpoint(self) -> Checkpoint | None:
        """The checkpoint before the latest agent action (a restore is not an agent action)."""
        for checkpoint in reversed(self.store.checkpoints()):
            if checkpoint.tool != "restore":
                return checkpoint
        return None

    def restore(self, checkpoint_id: int, *, apply: bool, overwrite: bool = False) -> Restored:
        self.settle()
        store = self.store
        target = store.get(checkpoint_id)
        with store.locked():
            if not apply:
                now_tree, skipped_now = store.write_tree()
                return Restored(plan_restore(store, target, now_tree, skipped_now, overwrite), None)
            before = store.take_locked(tool="restore", summary=f"before restoring checkpoint {checkpoint_id}",
                                       session=self._session)
            self._event("checkpoint.taken", {"id": before.id, "tree": before.tree, "tool": "restore",
                                             "skipped": before.skipped, "store": str(store.dir)})
            plan = plan_restore(store, target, before.tree, before.skipped, overwrite)
            outcome = apply_plan(store, plan)
            store.finish_locked(before)
        self._event("checkpoint.restored", {
            "id": checkpoint_id, "before": before.id, "written": outcome.written, "deleted": outcome.deleted,
            "kept": [f"{s.path}: {s.kept}" for s in plan.kept],
            "failed": [f"{path}: {why}" for path, why in outcome.failed], "overwrite": overwrite,
        })
        return Restored(plan, outcome, before)

    def _event(self, type: str, payload: dict[str, Any]) -> None:
        if self._emit is not None:
            self._emit(type, payload)
