"""Pruning: old checkpoints go (their log lines, refs and objects), while the last sessions', recent ones,
a running session's and every checkpoint a kept one's restore reads stay exactly as they were."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path

from vtcode.checkpoints import Checkpoints, CheckpointStore, plan_prune, prune

VTCODE = str(Path(sys.executable).parent / "vtcode")
LATER = datetime.now(UTC) + timedelta(days=365)  # every checkpoint is older than keep_days from here


def sessions(workspace: Path, names: list[str]) -> tuple[CheckpointStore, dict[str, list[int]]]:
    """One checkpoint (with a file written just before it, so each has a blob of its own) per name."""
    store = CheckpointStore(workspace)
    ids: dict[str, list[int]] = {}
    for n, name in enumerate(names):
        (workspace / "f.txt").write_text(f"content {n} of {name}\n")
        checkpoint = store.take(tool="write_file", session=name)
        store.finish(checkpoint)
        ids.setdefault(name, []).append(checkpoint.id)
    return store, ids


def blob_of(store: CheckpointStore, tree: str) -> str:
    return store.git("rev-parse", f"{tree}:f.txt").decode().strip()


def has_object(store: CheckpointStore, sha: str) -> bool:
    done = subprocess.run(["git", "cat-file", "-e", sha], env=store._environment(), capture_output=True,
                          check=False)
    return done.returncode == 0


def test_prune_drops_old_sessions_and_their_objects_and_keeps_the_rest(workspace: Path) -> None:
    store, ids = sessions(workspace, ["s1", "s1", "s2", "s3", "s4"])
    old = store.get(ids["s1"][0])
    old_blob = blob_of(store, old.tree)
    plan = prune(store, keep_sessions=2, keep_days=30, now=LATER)
    assert [c.id for c in plan.dropped] == ids["s1"] + ids["s2"]
    assert [c.id for c in store.checkpoints()] == ids["s3"] + ids["s4"]
    assert not (store.git_dir / "refs" / "checkpoints" / f"{old.id}-taken").exists()
    assert not has_object(store, old_blob)  # the store shrank
    kept = store.get(ids["s3"][0])
    assert has_object(store, blob_of(store, kept.tree))
    # A kept checkpoint restores as before: its plan reads every later checkpoint, all still there.
    shown = Checkpoints(store).restore(kept.id, apply=False)
    assert [s.path for s in shown.plan.steps] == ["f.txt"]
    # and ids go on from the highest one
    assert store.take(tool="next").id == ids["s4"][-1] + 1


def test_recent_checkpoints_are_kept_whatever_the_session_count(workspace: Path) -> None:
    store, _ = sessions(workspace, ["a", "b", "c", "d"])
    assert prune(store, keep_sessions=1, keep_days=30).dropped == []  # all taken just now
    assert len(prune(store, keep_sessions=1, keep_days=30, now=LATER).dropped) == 3


def test_only_a_prefix_is_dropped(workspace: Path) -> None:
    """A session kept because it is among the last ones keeps every later checkpoint too, of any
    session: a restore of it reads them (their after-trees tell the agent's changes from a person's)."""
    store, ids = sessions(workspace, ["old", "keep", "other", "keep"])
    plan = plan_prune(store, keep_sessions=1, keep_days=0, now=LATER)
    assert [c.id for c in plan.dropped] == ids["old"]
    assert [c.id for c in plan.kept] == sorted(ids["keep"] + ids["other"])


def test_the_latest_checkpoint_is_always_kept(workspace: Path) -> None:
    store, ids = sessions(workspace, ["x", "y"])
    plan = prune(store, keep_sessions=1, keep_days=0, now=LATER)
    assert [c.id for c in store.checkpoints()] == ids["y"]
    assert plan.kept[-1].id == ids["y"][-1]


HOLDER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from vtcode.checkpoints import Checkpoints, CheckpointStore
    store = CheckpointStore(Path(sys.argv[1]))
    service = Checkpoints(store, session=sys.argv[2])  # a running session: its mark is held
    print("holding", flush=True)
    time.sleep(600)
""")


def test_a_running_sessions_checkpoints_are_never_pruned(workspace: Path, tmp_path: Path) -> None:
    """A session still running (here another process) may restore its checkpoints: they stay, however
    old; once the process is killed (SIGKILL, no clean-up), they can go."""
    store, ids = sessions(workspace, ["live", "s2", "s3"])
    script = tmp_path / "holder.py"
    script.write_text(HOLDER)
    holder = subprocess.Popen([sys.executable, str(script), str(workspace), "live"], stdout=subprocess.PIPE,
                              text=True, env=os.environ.copy())
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "holding"
        plan = prune(store, keep_sessions=1, keep_days=0, now=LATER)
        assert plan.dropped == []
        assert plan.live == ["live"]
        assert [c.id for c in store.checkpoints()] == ids["live"] + ids["s2"] + ids["s3"]
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait(10)
    plan = prune(store, keep_sessions=1, keep_days=0, now=LATER)
    assert [c.id for c in plan.dropped] == ids["live"] + ids["s2"]
    assert not list((store.dir / "live").glob("*.lock"))  # the dead session's mark is cleaned up


def test_this_processs_own_session_is_kept_until_closed(workspace: Path) -> None:
    store, ids = sessions(workspace, ["mine", "later"])
    service = Checkpoints(store, session="mine")
    assert prune(store, keep_sessions=1, keep_days=0, now=LATER).dropped == []
    service.close()
    assert [c.id for c in prune(store, keep_sessions=1, keep_days=0, now=LATER).dropped] == ids["mine"]


def test_a_sessions_mark_leaves_the_store_private(workspace: Path) -> None:
    """The mark may be the first thing made in a store: the store stays readable by its owner only."""
    store = CheckpointStore(workspace)
    service = Checkpoints(store, session="first")
    try:
        assert store.dir.stat().st_mode & 0o777 == 0o700
        assert (store.dir / "live").stat().st_mode & 0o777 == 0o700
    finally:
        service.close()


def test_the_prune_command(workspace: Path) -> None:
    store, ids = sessions(workspace, ["s1", "s2", "s3"])
    # Make the first two sessions' checkpoints old, as a later day would (the log's timestamps).
    text = store.log.read_text()
    for line in text.splitlines():
        if '"session":"s3"' not in line:
            text = text.replace(line, line.replace('"ts":"' + line.split('"ts":"')[1][:4],
                                                   '"ts":"2001', 1))
    store.log.write_text(text)
    dry = subprocess.run([VTCODE, "checkpoints", "prune", "--keep-sessions", "1", "--keep-days", "7",
                          "--dry-run", "--workspace", str(workspace)], capture_output=True, text=True,
                         timeout=60, check=False)
    assert dry.returncode == 0, dry.stderr
    assert f"would drop checkpoints {ids['s1'][0]}-{ids['s2'][-1]} (2), kept 1" in dry.stdout
    assert len(store.checkpoints()) == 3
    done = subprocess.run([VTCODE, "checkpoints", "prune", "--keep-sessions", "1", "--keep-days", "7",
                           "--workspace", str(workspace)], capture_output=True, text=True, timeout=60,
                          check=False)
    assert done.returncode == 0, done.stderr
    assert "dropped checkpoints" in done.stdout
    assert [c.id for c in store.checkpoints()] == ids["s3"]
    bad = subprocess.run([VTCODE, "checkpoints", "prune", "--keep-sessions", "0", "--workspace",
                          str(workspace)], capture_output=True, text=True, timeout=60, check=False)
    assert bad.returncode == 2
    assert "--keep-sessions" in bad.stderr


def test_a_prune_is_an_audit_event_written_before_anything_is_dropped(
        workspace: Path, isolated_user_dirs: Path) -> None:
    """What is dropped can no longer be restored, so `checkpoint.pruned` (which checkpoints, how many kept,
    the rule, who ran it) is in the audit trail, durably, before the store changes; an audit dir that
    cannot take it leaves every checkpoint in place."""
    import json

    store, ids = sessions(workspace, ["s1", "s2", "s3"])
    blocked = isolated_user_dirs / "not-a-dir"
    blocked.write_text("a file where the audit dir should be")
    (isolated_user_dirs / "config").mkdir(exist_ok=True)
    (isolated_user_dirs / "config" / "vtcode.toml").write_text(f'[audit]\ndir = "{blocked}"\n')
    argv = [VTCODE, "checkpoints", "prune", "--keep-sessions", "1", "--keep-days", "0",
            "--workspace", str(workspace)]
    refused = subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False)
    assert refused.returncode != 0 and "Traceback" not in refused.stderr, refused.stderr
    assert len(store.checkpoints()) == 3  # nothing dropped without its record
    (isolated_user_dirs / "config" / "vtcode.toml").unlink()
    done = subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert [c.id for c in store.checkpoints()] == ids["s3"]
    audit = isolated_user_dirs / "data" / "audit"
    events = [json.loads(line) for log in audit.glob("*.jsonl") for line in log.read_text().splitlines()]
    [pruned] = [e["payload"] for e in events if e["type"] == "checkpoint.pruned"]
    assert (pruned["first"], pruned["last"], pruned["dropped"], pruned["kept"]) == (
        ids["s1"][0], ids["s2"][-1], 2, 1)
    assert pruned["via"] == "cli" and pruned["keep_sessions"] == 1 and pruned["store"] == str(store.dir)
    for log in audit.glob("*.jsonl"):
        verified = subprocess.run([VTCODE, "audit", "verify", str(log)], capture_output=True, text=True,
                                  timeout=60, check=False)
        assert verified.returncode == 0, verified.stdout + verified.stderr


def test_a_prune_at_session_start_is_recorded_first(workspace: Path) -> None:
    """The session-start prune hands its plan to `record` before dropping; a record that fails drops
    nothing."""
    store, ids = sessions(workspace, ["s1", "s2", "s3"])
    seen = []

    def refuse(plan: object) -> None:
        seen.append(plan)
        raise OSError("the audit log is full")

    with contextlib.suppress(OSError):
        prune(store, keep_sessions=1, keep_days=0, record=refuse)
    assert len(seen) == 1 and len(store.checkpoints()) == 3
    plan = prune(store, keep_sessions=1, keep_days=0, record=seen.append)
    assert seen[-1] is plan and [c.id for c in store.checkpoints()] == ids["s3"]


def test_a_session_start_prune_is_in_the_sessions_audit_trail(workspace: Path) -> None:
    """The prune a session runs when it opens records its `checkpoint.pruned` in that session's trail."""
    import time

    from vtcode.agent.stack import open_checkpoints
    from vtcode.runtime import open_runtime

    store, ids = sessions(workspace, ["s1", "s2", "s3"])
    runtime = open_runtime(workspace, overrides=("checkpoints.keep_sessions=1", "checkpoints.keep_days=0"),
                           attach_sinks=False)
    try:
        assert open_checkpoints(runtime, workspace) is not None
        deadline = time.monotonic() + 60
        def pruned() -> list[dict[str, object]]:
            return [dict(e.payload) for e in runtime.bus.history if e.type == "checkpoint.pruned"]

        while time.monotonic() < deadline and not pruned():
            time.sleep(0.05)
        [event] = pruned()
        assert event["via"] == "session start"
        assert (event["first"], event["last"]) == (ids["s1"][0], ids["s2"][-1])
        assert [c.id for c in store.checkpoints()] == ids["s3"]
    finally:
        runtime.bus.close("normal")
