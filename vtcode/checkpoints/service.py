"""Checkpoints as the agent and the CLI use them: taken around actions, restored on request, each an event.

`emit` is the session's event bus (`bus.emit`), so every checkpoint and every restore is in the audit log.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

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

    def before(self, tool: str, call_id: str = "", summary: str = "") -> Checkpoint:
        checkpoint = self.store.take(tool=tool, call_id=call_id, summary=summary, session=self._session)
        self._event("checkpoint.taken", {
            "id": checkpoint.id, "tree": checkpoint.tree, "call_id": call_id, "tool": tool,
            "skipped": checkpoint.skipped, "store": str(self.store.dir),
        })
        return checkpoint

    def after(self, checkpoint: Checkpoint) -> None:
        self.store.finish(checkpoint)

    def last_agent_checkpoint(self) -> Checkpoint | None:
        """The checkpoint before the latest agent action (a restore is not an agent action)."""
        for checkpoint in reversed(self.store.checkpoints()):
            if checkpoint.tool != "restore":
                return checkpoint
        return None

    def restore(self, checkpoint_id: int, *, apply: bool, overwrite: bool = False) -> Restored:
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
