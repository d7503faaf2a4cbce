"""Checkpoints: the workspace recorded before every action that can change it, so that any change the
agent makes can be undone (docs/checkpoints.md)."""

from .prune import PrunePlan, plan_prune, prune, pruned_event
from .records import Checkpoint, CheckpointRecord
from .service import Checkpoints, Restored
from .store import SIZE_CAP, Change, CheckpointError, CheckpointStore, TreeEntry, workspace_key

__all__ = [
    "SIZE_CAP",
    "Change",
    "Checkpoint",
    "CheckpointError",
    "CheckpointRecord",
    "CheckpointStore",
    "Checkpoints",
    "PrunePlan",
    "Restored",
    "TreeEntry",
    "plan_prune",
    "prune",
    "pruned_event",
    "workspace_key",
]
