"""`vtcode checkpoints list|diff|restore ID` and `vtcode undo`: see and bring back what the workspace
was before an agent action. A restore shows what it will change first, and asks (or takes --yes)."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING

import click

from vtcode.errors import InvariantError
from vtcode.terminal.echo import say, say_json

from .options import CommandContext, reports_errors, workspace_options

if TYPE_CHECKING:
    from vtcode.checkpoints import CheckpointStore


def _store(invocation: CommandContext) -> CheckpointStore:
    from vtcode.checkpoints import CheckpointStore

    config = invocation.load_config()  # bad config: exit 2
    return CheckpointStore(invocation.root(), size_cap=config.config.checkpoints.max_file_bytes)


def _number(text: str) -> int:
    """Checkpoint IDs are the numbers `vtcode checkpoints list` shows; read after the config is checked."""
    from vtcode.errors import VtcodeError

    if not text.isdigit() or int(text) < 1:
        raise VtcodeError(f"ID: {text!r} is not a checkpoint number; see `vtcode checkpoints list`")
    return int(text)


@click.group(name="checkpoints")
def checkpoints() -> None:
    """The workspace as it was before each agent action (stored outside it, under your data dir)."""


@checkpoints.command(name="list")
@click.option("--json", "as_json", is_flag=True, help="One JSON object on stdout.")
@workspace_options
@reports_errors
def list_(invocation: CommandContext) -> None:
    """Every checkpoint of this workspace, oldest first."""
    store = _store(invocation)
    found = store.checkpoints()
    if invocation.as_json:
        say_json(json.dumps({"workspace": str(store.root), "store": str(store.dir),
                             "checkpoints": [c.model_dump(mode="json") for c in found]}))
        return
    if not found:
        say(f"{store.root}: no checkpoints yet")
        return
    for checkpoint in found:
        skipped = f"  ({len(checkpoint.skipped)} over the size cap)" if checkpoint.skipped else ""
        what = checkpoint.summary if checkpoint.tool in ("", checkpoint.summary) else (
            f"{checkpoint.tool}: {checkpoint.summary}")
        say(f"{checkpoint.id:>4}  {checkpoint.ts}  {what}{skipped}")


@checkpoints.command(name="diff")
@click.argument("checkpoint_id", metavar="ID")
@click.option("--stat", "names_only", is_flag=True, help="Only the paths that changed.")
@workspace_options
@reports_errors
def diff(checkpoint_id: str, names_only: bool, invocation: CommandContext) -> None:
    """What changed in the workspace since checkpoint ID (ignored files and files over the cap aside)."""
    store = _store(invocation)
    target = store.get(_number(checkpoint_id))
    with store.locked():
        now, _ = store.write_tree()
    if names_only:
        for change in store.diff(target.tree, now):
            mark = "A" if change.old is None else "D" if change.new is None else "M"
            say(f"{mark} {change.path}")
        return
    click.echo(store.patch(target.tree, now), nl=False)


@checkpoints.command(name="restore")
@click.argument("checkpoint_id", metavar="ID")
@click.option("--yes", is_flag=True, help="Apply without asking (the plan is still printed).")
@click.option("--dry-run", is_flag=True, help="Only show what would change.")
@click.option("--overwrite", is_flag=True, help="Also overwrite edits made after the checkpoint outside "
              "any agent action (listed as kept otherwise).")
@workspace_options
@reports_errors
def restore(
    checkpoint_id: str, yes: bool, dry_run: bool, overwrite: bool, invocation: CommandContext
) -> None:
    """Bring the workspace back to checkpoint ID; a checkpoint is taken first, so this is undoable too."""
    _store(invocation)  # a bad config is reported before a bad ID
    _restore(invocation, _number(checkpoint_id), yes, dry_run, overwrite)


@checkpoints.command(name="prune")
@click.option("--keep-sessions", type=click.IntRange(min=1), default=None,
              help="Keep the checkpoints of this many latest sessions ([checkpoints] keep_sessions).")
@click.option("--keep-days", type=click.FloatRange(min=0), default=None,
              help="Keep checkpoints newer than this many days ([checkpoints] keep_days).")
@click.option("--dry-run", is_flag=True, help="Only show what would be dropped.")
@workspace_options
@reports_errors
def prune_(keep_sessions: int | None, keep_days: float | None, dry_run: bool,
           invocation: CommandContext) -> None:
    """Drop old checkpoints of this workspace. Kept: the last sessions', recent ones, a running session's,
    and every checkpoint after the oldest one kept (a restore reads those)."""
    from vtcode.checkpoints import plan_prune, prune

    config = invocation.load_config().config.checkpoints
    store = _store(invocation)
    sessions = keep_sessions if keep_sessions is not None else config.keep_sessions
    days = keep_days if keep_days is not None else config.keep_days
    if dry_run:
        with store.locked():
            plan = plan_prune(store, keep_sessions=sessions, keep_days=days)
    else:
        from vtcode.checkpoints import pruned_event

        with invocation.audit_trail() as audit:  # recorded (durably) first: nothing dropped unrecorded
            plan = prune(store, keep_sessions=sessions, keep_days=days, record=lambda p: audit.record(
                pruned_event(p, store, keep_sessions=sessions, keep_days=days, via="cli")))
    verb = "would drop" if dry_run else "dropped"
    if not plan.dropped:
        say(f"{store.root}: nothing to prune ({len(plan.kept)} checkpoints kept)")
        return
    say(f"{store.root}: {verb} checkpoints {plan.dropped[0].id}-{plan.dropped[-1].id} "
        f"({len(plan.dropped)}), kept {len(plan.kept)}"
        + (f"; running sessions: {', '.join(plan.live)}" if plan.live else ""))


@click.command(name="undo")
@click.option("--yes", is_flag=True, help="Apply without asking (the plan is still printed).")
@click.option("--dry-run", is_flag=True, help="Only show what would change.")
@click.option("--overwrite", is_flag=True, help="Also overwrite edits made after the action outside it.")
@workspace_options
@reports_errors
def undo(yes: bool, dry_run: bool, overwrite: bool, invocation: CommandContext) -> None:
    """Undo the agent's last action: restore the checkpoint taken just before it."""
    from vtcode.checkpoints import Checkpoints
    from vtcode.errors import VtcodeError

    root = invocation.root()
    last = Checkpoints(_store(invocation)).last_agent_checkpoint()
    if last is None:
        raise VtcodeError(f"{root}: no agent action to undo (no checkpoints)")
    say(f"undo: {last.tool}: {last.summary} (checkpoint {last.id}, {last.ts})")
    _restore(invocation, last.id, yes, dry_run, overwrite)


def _restore(
    invocation: CommandContext, checkpoint_id: int, yes: bool, dry_run: bool, overwrite: bool
) -> None:
    from vtcode.checkpoints import Checkpoints
    from vtcode.errors import VtcodeError

    root = invocation.root()
    store = _store(invocation)
    shown = Checkpoints(store).restore(checkpoint_id, apply=False, overwrite=overwrite)
    plan = shown.plan
    if not plan.steps:
        say(f"{root}: already as at checkpoint {checkpoint_id}: nothing to restore")
        return
    say(f"restoring checkpoint {checkpoint_id} ({plan.checkpoint.ts}) would:")
    for line in plan.describe():
        say(line)
    if plan.kept and any(s.kept and "overwrite" in s.kept for s in plan.kept) and not overwrite:
        say("edits made after the checkpoint outside agent actions are kept; --overwrite replaces them")
    if dry_run or not plan.applied:
        return
    if not yes:
        if not sys.stdin.isatty():
            raise VtcodeError(
                "restore: not a terminal, so nobody can confirm: pass --yes to apply the plan above"
            )
        if not click.confirm("apply?", default=False, err=True):
            say("nothing restored")
            return
    runtime = invocation.open_runtime()  # the restore is audited
    reason = "error"
    try:
        done = Checkpoints(store, runtime.bus.emit, session=runtime.bus.session).restore(
            checkpoint_id, apply=True, overwrite=overwrite)
        reason = "normal"
    finally:
        runtime.bus.close(reason)
    if done.outcome is None or done.before is None:
        raise InvariantError("an applied restore came back without its outcome or its before-checkpoint")
    outcome = done.outcome
    say(f"restored {len(outcome.written)} file(s), deleted {len(outcome.deleted)}; "
        f"the state before is checkpoint {done.before.id} (`vtcode checkpoints restore {done.before.id}` "
        "brings it back)")
    for path, why in outcome.failed:
        say(f"  not restored: {path}: {why}", err=True)
    if outcome.failed:
        raise SystemExit(1)
