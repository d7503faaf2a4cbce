"""What the store knows about each checkpoint, one JSON line per record in `checkpoints.jsonl`.

A checkpoint is written before the action it precedes (`taken`), and completed when the action is over
(`after`): the tree after the action tells the agent's changes from the person's, so a restore can keep
edits made by someone else since.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Kind = Literal["taken", "after"]


class CheckpointRecord(BaseModel):
    """One line of the store's log; `after` lines complete the `taken` line with the same id."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Kind
    id: int = Field(ge=1)
    tree: str = Field(pattern=r"^[0-9a-f]{40,64}$")
    ts: str
    session: str | None = None
    tool: str = ""
    call_id: str = ""
    summary: str = ""
    # Files over the size cap, left out of this snapshot (a restore leaves them as they are).
    skipped: list[str] = []


class Checkpoint(BaseModel):
    """A checkpoint as listed: the tree before the action and, once it is over, the tree after it."""

    model_config = ConfigDict(frozen=True)

    id: int
    tree: str
    ts: str
    session: str | None = None
    tool: str = ""
    call_id: str = ""
    summary: str = ""
    skipped: list[str] = []
    after: str | None = None


def fold(records: list[CheckpointRecord]) -> list[Checkpoint]:
    """The checkpoints in id order, each with its `after` tree when the action finished."""
    taken: dict[int, Checkpoint] = {}
    for record in records:
        if record.kind == "taken":
            taken[record.id] = Checkpoint(**record.model_dump(exclude={"kind"}))
        elif record.id in taken:
            taken[record.id] = taken[record.id].model_copy(update={"after": record.tree})
    return [taken[key] for key in sorted(taken)]
