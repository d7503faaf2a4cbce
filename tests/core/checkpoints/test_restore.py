"""Restore: shown before it is applied, keeps a person's later edits, never writes through a link."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from vtcode.checkpoints import Checkpoints, CheckpointStore
from vtcode.checkpoints.restore import USER_EDIT


def workspace(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    (root / "src").mkdir(parents=True)
    (root / "src" / "a.py").write_text("a = 1\n")
    (root / "src" / "b.py").write_text("b = 1\n")
    (root / "run.sh").write_text("#!/bin/sh\n")
    (root / "run.sh").chmod(0o755)
    return root


def agent_action(checkpoints: Checkpoints, change: object) -> int:
    """What the runner does around a tool call: a checkpoint before, the tree after."""
    checkpoint = checkpoints.before("edit_file")
    assert callable(change)
    change()
    checkpoints.after(checkpoint)
    return checkpoint.id


def test_restore_brings_back_changed_deleted_and_removes_created_files(tmp_path: Path) -> None:
    root = workspace(tmp_path)
    events: list[tuple[str, dict[str, object]]] = []
    checkpoints = Checkpoints(CheckpointStore(root), lambda t, p: events.append((t, p)))

    def act() -> None:
        (root / "src" / "a.py").write_text("a = 2\n")
        (root / "src" / "b.py").unlink()
        (root / "run.sh").chmod(0o644)
        (root / "src" / "new").mkdir()
        (root / "src" / "new" / "c.py").write_text("c\n")

    checkpoint = agent_action(checkpoints, act)
    shown = checkpoints.restore(checkpoint, apply=False)
    assert shown.outcome is None
    assert (root / "src" / "a.py").read_text() == "a = 2\n"  # showing changes nothing
    assert {s.path: s.op for s in shown.plan.applied} == {
        "src/a.py": "write", "src/b.py": "write", "run.sh": "write", "src/new/c.py": "delete"}
    done = checkpoints.restore(checkpoint, apply=True)
    assert done.outcome is not None and not done.outcome.failed
    assert (root / "src" / "a.py").read_text() == "a = 1\n"
    assert (root / "src" / "b.py").read_text() == "b = 1\n"
    assert os.access(root / "run.sh", os.X_OK)
    assert not (root / "src" / "new").exists()  # the directory the deletion emptied went too
    types = [t for t, _ in events]
    assert types.count("checkpoint.taken") == 2 and types[-1] == "checkpoint.restored"
    assert events[-1][1]["deleted"] == ["src/new/c.py"]


def test_a_persons_edits_after_the_checkpoint_are_kept_unless_overwrite(tmp_path: Path) -> None:
    root = workspace(tmp_path)
    checkpoints = Checkpoints(CheckpointStore(root))
    first = agent_action(checkpoints, lambda: (root / "src" / "a.py").write_text("agent\n"))
    (root / "src" / "b.py").write_text("the person's edit\n")  # between actions: not the agent's
    agent_action(checkpoints, lambda: (root / "src" / "a.py").write_text("agent again\n"))
    (root / "notes.md").write_text("person, after the last action\n")
    shown = checkpoints.restore(first, apply=False)
    kept = {s.path: s.kept for s in shown.plan.kept}
    assert kept == {"src/b.py": USER_EDIT, "notes.md": USER_EDIT}
    assert [s.path for s in shown.plan.applied] == ["src/a.py"]
    assert any("keep" in line and "src/b.py" in line for line in shown.plan.describe())
    checkpoints.restore(first, apply=True)
    assert (root / "src" / "a.py").read_text() == "a = 1\n"
    assert (root / "src" / "b.py").read_text() == "the person's edit\n"
    assert (root / "notes.md").exists()
    checkpoints.restore(first, apply=True, overwrite=True)
    assert (root / "src" / "b.py").read_text() == "b = 1\n"
    assert not (root / "notes.md").exists()


def test_a_restore_is_itself_undoable(tmp_path: Path) -> None:
    root = workspace(tmp_path)
    checkpoints = Checkpoints(CheckpointStore(root))
    first = agent_action(checkpoints, lambda: (root / "src" / "a.py").write_text("agent\n"))
    done = checkpoints.restore(first, apply=True)
    assert done.before is not None
    assert (root / "src" / "a.py").read_text() == "a = 1\n"
    checkpoints.restore(done.before.id, apply=True)
    assert (root / "src" / "a.py").read_text() == "agent\n"


def test_restore_never_writes_through_a_hard_link_out_of_the_workspace(tmp_path: Path) -> None:
    root = workspace(tmp_path)
    outside = tmp_path / "outside.txt"
    outside.write_text("outside\n")
    checkpoints = Checkpoints(CheckpointStore(root))

    def link() -> None:
        (root / "src" / "a.py").unlink()
        os.link(outside, root / "src" / "a.py")

    first = agent_action(checkpoints, link)
    checkpoints.restore(first, apply=True)
    assert (root / "src" / "a.py").read_text() == "a = 1\n"
    assert outside.read_text() == "outside\n"
    assert os.stat(root / "src" / "a.py").st_ino != os.stat(outside).st_ino


def test_restore_never_follows_a_symlink_out_of_the_workspace(tmp_path: Path) -> None:
    root = workspace(tmp_path)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "a.py").write_text("outside\n")
    (tmp_path / "secret.txt").write_text("secret\n")
    checkpoints = Checkpoints(CheckpointStore(root))

    def swap() -> None:
        for name in ("a.py", "b.py"):
            (root / "src" / name).unlink()
        (root / "src").rmdir()
        os.symlink(outside, root / "src")  # the directory becomes a link out
        (root / "run.sh").unlink()
        os.symlink(tmp_path / "secret.txt", root / "run.sh")  # a file becomes a link out

    first = agent_action(checkpoints, swap)
    done = checkpoints.restore(first, apply=True)
    assert done.outcome is not None
    assert (outside / "a.py").read_text() == "outside\n"
    assert sorted(p.name for p in outside.iterdir()) == ["a.py"]
    assert (tmp_path / "secret.txt").read_text() == "secret\n"
    assert not (root / "run.sh").is_symlink() and (root / "run.sh").read_text() == "#!/bin/sh\n"
    # The link at src was the agent's: it is removed (unlinked, not followed) and the files come back.
    assert not (root / "src").is_symlink()
    assert (root / "src" / "a.py").read_text() == "a = 1\n"


def test_a_symlink_in_a_checkpoint_comes_back_as_a_link_never_as_its_target(tmp_path: Path) -> None:
    root = workspace(tmp_path)
    (tmp_path / "secret.txt").write_text("secret\n")
    os.symlink(tmp_path / "secret.txt", root / "link")
    checkpoints = Checkpoints(CheckpointStore(root))
    first = agent_action(checkpoints, lambda: (root / "link").unlink())
    checkpoints.restore(first, apply=True)
    assert os.readlink(root / "link") == str(tmp_path / "secret.txt")
    assert (tmp_path / "secret.txt").read_text() == "secret\n"


def test_protected_paths_are_never_written_by_a_restore(tmp_path: Path) -> None:
    root = workspace(tmp_path)
    (root / "vtcode.toml").write_text("[agent]\nmax_turns = 5\n")
    checkpoints = Checkpoints(CheckpointStore(root))
    first = agent_action(checkpoints, lambda: (root / "vtcode.toml").write_text("[agent]\nmax_turns = 9\n"))
    done = checkpoints.restore(first, apply=True, overwrite=True)
    assert [s.path for s in done.plan.kept] == ["vtcode.toml"]
    assert (root / "vtcode.toml").read_text() == "[agent]\nmax_turns = 9\n"


def test_vtcodes_own_state_inside_the_workspace_is_never_written_by_a_restore(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The user data dir inside the workspace (a workspace at $HOME): a restore leaves it alone, even
    with --overwrite."""
    root = workspace(tmp_path)
    state = root / "state"
    state.mkdir()
    (state / "keep.txt").write_text("v1\n")
    checkpoints = Checkpoints(CheckpointStore(root))
    first = agent_action(checkpoints, lambda: (root / "src" / "a.py").write_text("agent\n"))
    (state / "keep.txt").write_text("v2\n")
    monkeypatch.setenv("VTCODE_CACHE_DIR", str(state))
    done = checkpoints.restore(first, apply=True, overwrite=True)
    assert (state / "keep.txt").read_text() == "v2\n"
    assert (root / "src" / "a.py").read_text() == "a = 1\n"
    assert any(s.path == "state/keep.txt" and "own" in (s.kept or "") for s in done.plan.kept)
