"""The checkpoint store: what a snapshot holds, where it lives, and that the user's git state never moves."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from vtcode.checkpoints import CheckpointStore, workspace_key
from vtcode.paths import own_paths, user_data_dir
from vtcode.workspace.jail import Jail

VTCODE = str(Path(sys.executable).parent / "vtcode")
GIT_ENV = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "GIT_OPTIONAL_LOCKS": "0",
           "GIT_AUTHOR_NAME": "u", "GIT_AUTHOR_EMAIL": "u@x.invalid",
           "GIT_COMMITTER_NAME": "u", "GIT_COMMITTER_EMAIL": "u@x.invalid"}


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=root, env=GIT_ENV, check=True, capture_output=True,
                          text=True).stdout


def tree_files(store: CheckpointStore, tree: str) -> set[str]:
    return set(store.git("ls-tree", "-r", "-z", "--name-only", tree).decode().split("\0")) - {""}


def repository(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    git(root, "init", "-q")
    (root / ".gitignore").write_text("build/\n*.log\n")
    (root / "src").mkdir()
    (root / "src" / "main.py").write_text("print('hi')\n")
    (root / "README.md").write_text("readme\n")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "first")
    return root


def git_state(root: Path) -> dict[str, str]:
    """Everything under .git, by content and metadata, plus what git itself reports (GIT_OPTIONAL_LOCKS=0:
    this test's own `git status` must not refresh the index either)."""
    state = {}
    for path in sorted((root / ".git").rglob("*")):
        info = path.lstat()
        digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else ""
        state[str(path.relative_to(root))] = f"{digest} {info.st_mode} {info.st_mtime_ns} {info.st_size}"
    state["status"] = git(root, "status", "--porcelain", "-uall")
    state["stash"] = git(root, "stash", "list")
    state["refs"] = git(root, "for-each-ref")
    state["HEAD"] = git(root, "rev-parse", "HEAD")
    return state


def test_a_snapshot_holds_tracked_and_untracked_files_but_not_ignored_ones(tmp_path: Path) -> None:
    root = repository(tmp_path / "ws")
    (root / "notes.txt").write_text("untracked\n")
    (root / "build").mkdir()
    (root / "build" / "out.o").write_text("ignored\n")
    (root / "debug.log").write_text("ignored\n")
    store = CheckpointStore(root)
    checkpoint = store.take(tool="test")
    assert tree_files(store, checkpoint.tree) == {".gitignore", "src/main.py", "README.md", "notes.txt"}
    assert store.get(checkpoint.id).tree == checkpoint.tree


def test_a_workspace_that_is_no_repository_is_snapshotted_too(tmp_path: Path) -> None:
    root = tmp_path / "plain"
    (root / "a").mkdir(parents=True)
    (root / "a" / "x.txt").write_text("x")
    os.symlink("/etc/passwd", root / "link")
    store = CheckpointStore(root)
    tree = store.take().tree
    assert tree_files(store, tree) == {"a/x.txt", "link"}
    listing = store.git("ls-tree", "-r", tree).decode()
    assert "120000" in listing  # the link itself, never what it points at


def test_later_snapshots_record_changes_additions_and_deletions(tmp_path: Path) -> None:
    root = repository(tmp_path / "ws")
    store = CheckpointStore(root)
    first = store.take()
    (root / "src" / "main.py").write_text("print('changed')\n")
    (root / "README.md").unlink()
    (root / "src" / "new.py").write_text("new\n")
    second = store.take()
    changes = {c.path: (c.old is not None, c.new is not None) for c in store.diff(first.tree, second.tree)}
    assert changes == {"src/main.py": (True, True), "README.md": (True, False), "src/new.py": (False, True)}
    assert store.take().tree == second.tree  # nothing changed: the same tree


def test_the_users_repository_state_is_never_touched(tmp_path: Path) -> None:
    """Index (with staged and unstaged changes), refs, stash and HEAD: byte for byte, mtimes included,
    across snapshots and a restore."""
    from vtcode.checkpoints import Checkpoints

    root = repository(tmp_path / "ws")
    (root / "README.md").write_text("stashed\n")
    git(root, "stash")
    (root / "src" / "main.py").write_text("staged\n")
    git(root, "add", "src/main.py")
    (root / "src" / "main.py").write_text("staged then edited\n")
    (root / "untracked.txt").write_text("u\n")
    before = git_state(root)
    checkpoints = Checkpoints(CheckpointStore(root))
    first = checkpoints.before("edit")
    (root / "src" / "main.py").write_text("agent\n")
    checkpoints.after(first)
    checkpoints.restore(first.id, apply=True)
    assert (root / "src" / "main.py").read_text() == "staged then edited\n"
    assert git_state(root) == before


def test_files_over_the_size_cap_are_left_out_and_listed(tmp_path: Path) -> None:
    root = repository(tmp_path / "ws")
    (root / "big.bin").write_bytes(b"\0" * 2048)
    (root / "small.bin").write_bytes(b"\0\1" * 100)
    store = CheckpointStore(root, size_cap=1024)
    checkpoint = store.take()
    assert checkpoint.skipped == ["big.bin"]
    assert "big.bin" not in tree_files(store, checkpoint.tree)
    assert "small.bin" in tree_files(store, checkpoint.tree)
    # A file that grows past the cap later leaves the snapshot, and is listed each time.
    (root / "README.md").write_bytes(b"x" * 4096)
    later = store.take()
    assert later.skipped == ["README.md", "big.bin"]
    assert "README.md" not in tree_files(store, later.tree)


def test_the_store_is_outside_the_workspace_keyed_by_its_identity(tmp_path: Path) -> None:
    root = repository(tmp_path / "ws")
    store = CheckpointStore(root)
    store.take()
    assert store.dir.is_relative_to(user_data_dir())
    assert not store.dir.resolve().is_relative_to(root.resolve())
    assert not any(p.name == "checkpoints.jsonl" for p in root.rglob("*"))
    # A new directory at the same path is another workspace: it does not see the old one's checkpoints.
    key = workspace_key(root)
    os.rename(root, tmp_path / "moved")
    repository(root)
    assert workspace_key(root) != key
    assert CheckpointStore(root).checkpoints() == []


def test_the_store_is_vtcodes_own_state_the_agent_cannot_write(tmp_path: Path) -> None:
    root = repository(tmp_path / "ws")
    store = CheckpointStore(root)
    store.take()
    found = own_paths(root)
    assert any(str(store.dir.resolve()).startswith(p.rstrip("/") + "/") for p in found)
    verdict = Jail(Path("/")).check(str(store.log), write=True)
    assert not verdict.allowed


@pytest.mark.skipif(sys.platform != "linux", reason="the Linux sandbox (landlock)")
def test_a_sandboxed_command_cannot_write_the_checkpoint_store(tmp_path: Path) -> None:
    root = repository(tmp_path / "ws")
    store = CheckpointStore(root)
    store.take()
    log_before = store.log.read_bytes()
    index_before = (store.git_dir / "index").read_bytes()
    script = (f"echo forged >> '{store.log}'; rm -f '{store.git_dir}/index'; "
              f"mkdir -p '{store.git_dir}/refs/x'; echo ok > inside.txt")
    argv = [VTCODE, "sandbox", "run", "--workspace", str(root), "--", "/bin/sh", "-c", script]
    result = subprocess.run(argv, capture_output=True, text=True, timeout=120, cwd=root)
    assert (root / "inside.txt").read_text() == "ok\n", result.stderr
    assert store.log.read_bytes() == log_before
    assert (store.git_dir / "index").read_bytes() == index_before
    assert not (store.git_dir / "refs" / "x").exists()


def test_workspace_git_config_and_attributes_cannot_run_anything(tmp_path: Path) -> None:
    """A hostile repository: an fsmonitor hook in .git/config and a filter in .gitattributes. The store's
    git reads neither the repository's config nor the user's, so nothing runs."""
    root = repository(tmp_path / "ws")
    marker = tmp_path / "ran"
    git(root, "config", "core.fsmonitor", f"touch {marker}; false")
    git(root, "config", "filter.evil.clean", f"touch {marker}; cat")
    (root / ".gitattributes").write_text("* filter=evil\n")
    (root / "x.txt").write_text("x\n")
    store = CheckpointStore(root)
    store.take()
    (root / "x.txt").write_text("y\n")
    store.take()
    assert not marker.exists()


def test_ids_stay_unique_when_two_processes_interleave_their_actions(tmp_path: Path) -> None:
    """A's action is still running when B takes its checkpoint; A's `after` line then ends the log."""
    root = repository(tmp_path / "ws")
    first, second = CheckpointStore(root), CheckpointStore(root)
    a = first.take(tool="a")
    b = second.take(tool="b")
    first.finish(a)
    c = second.take(tool="c")
    assert [a.id, b.id, c.id] == [1, 2, 3]
    assert [cp.tool for cp in first.checkpoints()] == ["a", "b", "c"]


def test_a_lock_left_by_a_killed_git_does_not_block_later_checkpoints(tmp_path: Path) -> None:
    root = repository(tmp_path / "ws")
    store = CheckpointStore(root)
    store.take()
    (store.git_dir / "index.lock").write_text("")  # git was SIGKILLed while it held the index
    (root / "README.md").write_text("changed\n")
    later = store.take()
    assert "README.md" in tree_files(store, later.tree)
    assert store.git("cat-file", "-p", f"{later.tree}:README.md") == b"changed\n"


def test_warming_records_nothing_and_makes_the_next_checkpoint_complete(tmp_path: Path) -> None:
    root = repository(tmp_path / "ws")
    store = CheckpointStore(root)
    store.warm()
    assert store.checkpoints() == []
    (root / "new.txt").write_text("n\n")
    assert tree_files(store, store.take().tree) == {".gitignore", "src/main.py", "README.md", "new.txt"}


def test_two_sessions_creating_the_store_at_once_both_succeed(tmp_path: Path) -> None:
    import threading

    root = repository(tmp_path / "ws")
    errors: list[BaseException] = []

    def start() -> None:
        try:
            CheckpointStore(root).take(tool="race")
        except BaseException as exc:  # collected: the assertion below names it
            errors.append(exc)

    threads = [threading.Thread(target=start) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert sorted(c.id for c in CheckpointStore(root).checkpoints()) == [1, 2, 3, 4]


def test_a_new_file_is_seen_even_when_its_directorys_mtime_is_put_back(tmp_path: Path) -> None:
    """The scan skips reading a directory whose stat data did not change (git's untracked cache). A
    command that adds a file and then resets the directory's times cannot hide the file from the next
    checkpoint: setting times changes the ctime, which the store's git compares too."""
    root = repository(tmp_path / "ws")
    store = CheckpointStore(root)
    store.take()
    store.take()  # the untracked cache now holds src/
    assert b"UNTR" in (store.git_dir / "index").read_bytes()  # the cache is there, and used
    src = root / "src"
    before = src.stat()
    (src / "hidden.py").write_text("x\n")
    os.utime(src, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert src.stat().st_mtime_ns == before.st_mtime_ns
    assert "src/hidden.py" in tree_files(store, store.take().tree)


def test_new_directories_and_their_files_are_found_whole(tmp_path: Path) -> None:
    """An untracked directory is reported whole by the scan and then listed file by file; ignored files
    and nested repositories in it stay out."""
    root = repository(tmp_path / "ws")
    store = CheckpointStore(root)
    store.take()
    (root / "pkg" / "sub").mkdir(parents=True)
    (root / "pkg" / "sub" / "a.py").write_text("a\n")
    (root / "pkg" / "run.log").write_text("ignored\n")
    (root / ":(glob)x").mkdir()  # a name git would read as pathspec magic
    (root / ":(glob)x" / "b.py").write_text("b\n")
    nested = root / "pkg" / "nested"
    nested.mkdir()
    git(nested, "init", "-q")
    (nested / "inner.py").write_text("inner\n")
    files = tree_files(store, store.take().tree)
    assert {"pkg/sub/a.py", ":(glob)x/b.py"} <= files
    assert not {f for f in files if f.endswith(".log") or f.startswith("pkg/nested")}
