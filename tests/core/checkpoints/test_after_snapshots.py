"""The snapshot after a file tool looks only at what the tool wrote (recorded by its CallContext as the
jail resolved it); after a command, or another plugin's tool, the whole tree is scanned. The invariant:
when nobody else changed anything, the partial after-tree is exactly the tree a whole scan would record;
when a person did, their edit is never counted as the agent's."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import pytest

from vtcode.checkpoints import Checkpoint, Checkpoints, CheckpointStore
from vtcode.config.models import PluginsConfig
from vtcode.events import EventBus
from vtcode.plugins import load_plugins
from vtcode.testing import ScriptedApprover, tool_runner
from vtcode.tools.runner import ToolRunner
from vtcode.workspace.trust import write_trust


class Recorded(Checkpoints):
    """The real service, noting which paths the runner said the action wrote (None: scan everything)."""

    def __init__(self, store: CheckpointStore, bus: EventBus) -> None:
        super().__init__(store, bus.emit)
        self.told: list[list[Path] | None] = []

    def after(self, checkpoint: Checkpoint, *, background: bool = False,
              written: Sequence[Path] | None = None) -> None:
        self.told.append(None if written is None else list(written))
        super().after(checkpoint, background=background, written=written)


def setup(workspace: Path) -> tuple[ToolRunner, Recorded, EventBus]:
    (workspace / ".gitignore").write_text("build/\n")
    (workspace / "src").mkdir()
    (workspace / "src" / "app.py").write_text("v1\n")
    (workspace / "src" / "real.txt").write_text("real\n")
    os.symlink("real.txt", workspace / "src" / "link.txt")
    (workspace / "other.txt").write_text("other\n")
    write_trust(workspace)
    bus = EventBus()
    host = load_plugins(PluginsConfig(), bus)
    runner = tool_runner(host, workspace, approver=ScriptedApprover(["allow-once"] * 20))
    checkpoints = Recorded(CheckpointStore(workspace), bus)
    runner.checkpoints = checkpoints
    return runner, checkpoints, bus


def last_after_tree(store: CheckpointStore) -> str:
    return [r for r in store.records() if r.kind == "after"][-1].tree


def whole_scan(store: CheckpointStore) -> str:
    with store.locked():
        return store.write_tree()[0]


@pytest.mark.parametrize(("tool", "args", "wrote"), [
    ("edit_file", {"path": "src/app.py", "old": "v1", "new": "v2"}, "src/app.py"),
    ("write_file", {"path": "src/app.py", "content": "replaced\n"}, "src/app.py"),
    ("write_file", {"path": "new/deep/file.py", "content": "in new directories\n"}, "new/deep/file.py"),
    ("write_file", {"path": "src/link.txt", "content": "through the link\n"}, "src/real.txt"),
    ("write_file", {"path": "build/out.txt", "content": "ignored\n"}, "build/out.txt"),  # in no snapshot
])
def test_a_file_tools_after_tree_equals_a_whole_scan(workspace: Path, tool: str, args: dict[str, str],
                                                     wrote: str) -> None:
    runner, checkpoints, _ = setup(workspace)
    done = runner.call(tool, args, "c1").result
    assert done.ok, done.output
    assert checkpoints.told == [[workspace / wrote]]  # looked at alone, as the jail resolved it
    after = last_after_tree(checkpoints.store)
    before = checkpoints.store.checkpoints()[-1].tree
    assert after != before or (tool == "write_file" and args["path"].startswith("build/"))
    assert after == whole_scan(checkpoints.store)


def test_a_persons_edit_during_a_file_tool_is_not_the_agents(workspace: Path) -> None:
    """The person saves other.txt after the checkpoint before the tool and before the tool's after-
    snapshot: the after-snapshot does not see it, the next whole scan does, and undoing the tool's
    action keeps the person's edit."""
    _, checkpoints, _ = setup(workspace)
    store = checkpoints.store
    checkpoint = checkpoints.before("write_file", "c1")
    (workspace / "other.txt").write_text("the person's\n")  # meanwhile, in an editor
    (workspace / "src" / "app.py").write_text("the agent's\n")  # the tool's write
    checkpoints.after(checkpoint, written=[workspace / "src" / "app.py"])
    changed = {c.path for c in store.diff(checkpoint.tree, last_after_tree(store))}
    assert changed == {"src/app.py"}
    plan = checkpoints.restore(checkpoint.id, apply=True).plan
    assert "other.txt" in {kept.path for kept in plan.kept}
    assert (workspace / "other.txt").read_text() == "the person's\n"
    assert (workspace / "src" / "app.py").read_text() == "v1\n"


def test_a_command_is_followed_by_a_whole_scan(workspace: Path) -> None:
    runner, checkpoints, _ = setup(workspace)
    done = runner.call("run_command", {"command": "touch made-by-command.txt"}, "c1").result
    assert done.ok, done.output
    after = last_after_tree(checkpoints.store)
    names = checkpoints.store.git("ls-tree", "-r", "--name-only", after).decode().split()
    assert "made-by-command.txt" in names
    assert checkpoints.told == [None]


def test_a_written_path_outside_the_workspace_falls_back_to_a_whole_scan(workspace: Path, tmp_path: Path
                                                                         ) -> None:
    _, checkpoints, _ = setup(workspace)
    checkpoint = checkpoints.before("write_file", "c1")
    (workspace / "unnamed.txt").write_text("written but not named\n")
    checkpoints.after(checkpoint, written=[tmp_path / "elsewhere.txt"])
    names = checkpoints.store.git("ls-tree", "-r", "--name-only", last_after_tree(checkpoints.store))
    assert b"unnamed.txt" in names.split()
