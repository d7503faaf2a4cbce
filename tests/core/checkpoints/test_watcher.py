"""The watcher-backed checkpoint (Linux inotify) records exactly the tree a whole scan records.

The invariant, over random sequences of file-system operations: after any of them, the tree (and the list
of files over the size cap) of a checkpoint taken by a store whose inotify watcher named what changed is
the tree a whole scan records — a second store that takes a whole scan at each of the same checkpoints,
with its index's stat data dropped first (`read-tree` of its last tree), so that it hashes every file
again and trusts no stat data. And every fallback (queue overflow, the watch limit, the root moved or
replaced, a new mount) makes the next checkpoint a whole scan that gives that same tree.
"""

from __future__ import annotations

import contextlib
import mmap
import os
import select as real_select
import shutil
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vtcode.checkpoints import CheckpointStore
from vtcode.checkpoints.watch import TreeWatcher, unwatchable

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="inotify is Linux-only")

CAP = 64  # a small size cap, so that files go over and under it


class Oracle:
    """Whole scans of the same workspace at the same moments, trusting no stat data: the truth."""

    def __init__(self, root: Path, home: Path) -> None:
        self.store = CheckpointStore(root, home=home, size_cap=CAP)
        self.tree: str | None = None

    def scan(self) -> tuple[str, list[str]]:
        with self.store.locked():
            if self.tree is not None:
                self.store.git("read-tree", self.tree)  # the same entries, no stat data: all hashed again
            tree, skipped = self.store.write_tree()
        self.tree = tree
        return tree, skipped


def watched(store: CheckpointStore) -> tuple[str, list[str]]:
    with store.locked():
        return store.write_tree()


@contextlib.contextmanager
def workspace(parent: str | None = None) -> Iterator[tuple[Path, CheckpointStore, Oracle, Path]]:
    with tempfile.TemporaryDirectory(prefix="vtcode-watch-", dir=parent) as tmp:
        base = Path(tmp)
        root = base / "ws"
        root.mkdir()
        (base / "outside").mkdir()
        store = CheckpointStore(root, home=base / "store", size_cap=CAP, watch=True)
        try:
            yield root, store, Oracle(root, base / "oracle"), base
        finally:
            store.close()


def assert_same(store: CheckpointStore, oracle: Oracle) -> str:
    """The watched checkpoint's tree and skipped files are the whole scan's; returns what it looked at."""
    ours = watched(store)
    truth = oracle.scan()
    why = store.watcher.fallbacks if store.watcher is not None else None
    assert ours == truth, f"watched ({store.last_scan}) != whole scan; fallbacks: {why}"
    if store.last_scan == "watched":
        WRITERS[store.last_writer] = WRITERS.get(store.last_writer, 0) + 1
    return store.last_scan


WRITERS: dict[str, int] = {}  # who made the watched checkpoints: "python" (memtree.py) or "git"


# -- the invariant over random operations ------------------------------------------------------------

DIRS = ["", "a", "b", "a/c", "d/e"]  # d/e does not exist at first: writes there make new directories
NAMES = ["x", "y", "z.log", "c"]
paths = st.builds(lambda d, n: f"{d}/{n}" if d else n, st.sampled_from(DIRS), st.sampled_from(NAMES))
ops = st.one_of(
    st.tuples(st.just("write"), paths, st.integers(0, 100)),
    st.tuples(st.just("append"), paths),
    st.tuples(st.just("truncate"), paths),
    st.tuples(st.just("chmod"), paths),
    st.tuples(st.just("rename"), paths, paths),
    st.tuples(st.just("mkdir"), paths),
    st.tuples(st.just("delete"), paths),
    st.tuples(st.just("symlink"), paths, st.sampled_from(["x", "../a", "/etc", "c"])),
    st.tuples(st.just("link"), paths, paths),
    st.tuples(st.just("outlink"), paths),
    st.tuples(st.just("outwrite")),
    st.tuples(st.just("dir_to_file"), paths),
    st.tuples(st.just("child"), paths),
    st.tuples(st.just("mmap"), paths),
    st.tuples(st.just("mmapwrite")),
    st.tuples(st.just("gitignore"), st.sampled_from(DIRS), st.sampled_from(["*.log", "y", "c/", "!z.log"])),
    st.tuples(st.just("checkpoint")),
)


class Player:
    """Applies one operation to the workspace; an operation that does not apply (no such file, a file
    where a directory is needed) changes nothing, as it would for a person."""

    def __init__(self, root: Path, outside: Path) -> None:
        self.root, self.outside = root, outside
        self.maps: list[tuple[Any, mmap.mmap]] = []
        self.round = 0

    def close(self) -> None:
        for handle, mapping in self.maps:
            mapping.close()
            handle.close()

    def play(self, op: tuple[Any, ...]) -> None:
        self.round += 1
        kind, args = op[0], op[1:]
        with contextlib.suppress(OSError, ValueError):
            getattr(self, f"op_{kind}")(*args)

    def p(self, rel: str) -> Path:
        return self.root / rel

    def op_write(self, rel: str, size: int) -> None:
        self.p(rel).parent.mkdir(parents=True, exist_ok=True)
        self.p(rel).write_bytes(bytes([65 + self.round % 26]) * size)

    def op_append(self, rel: str) -> None:
        with open(self.p(rel), "ab") as handle:
            handle.write(b"+")

    def op_truncate(self, rel: str) -> None:
        os.truncate(self.p(rel), 0)

    def op_chmod(self, rel: str) -> None:
        mode = os.lstat(self.p(rel)).st_mode
        if not os.path.islink(self.p(rel)):
            os.chmod(self.p(rel), 0o644 if mode & 0o100 else 0o755)

    def op_rename(self, src: str, dst: str) -> None:
        self.p(dst).parent.mkdir(parents=True, exist_ok=True)
        os.rename(self.p(src), self.p(dst))

    def op_mkdir(self, rel: str) -> None:
        self.p(rel).mkdir(parents=True)

    def op_delete(self, rel: str) -> None:
        if self.p(rel).is_dir() and not self.p(rel).is_symlink():
            shutil.rmtree(self.p(rel))
        else:
            os.unlink(self.p(rel))

    def op_symlink(self, rel: str, target: str) -> None:
        os.symlink(target, self.p(rel))

    def op_link(self, src: str, dst: str) -> None:
        os.link(self.p(src), self.p(dst), follow_symlinks=False)

    def op_outlink(self, rel: str) -> None:
        os.link(self.p(rel), self.outside / f"l{self.round}", follow_symlinks=False)

    def op_outwrite(self) -> None:
        """Writes through hard links that live outside the workspace (no event in any watched directory)."""
        for link in self.outside.iterdir():
            if link.is_file() and not link.is_symlink():
                with open(link, "ab") as handle:
                    handle.write(b"o")

    def op_dir_to_file(self, rel: str) -> None:
        shutil.rmtree(self.p(rel))
        self.p(rel).write_bytes(b"was a directory")

    def op_child(self, rel: str) -> None:
        """Another process changes the tree: a new file, an edit, a directory."""
        subprocess.run(["sh", "-c", 'mkdir -p "$1.d" && echo c >> "$1" && echo "$2" > "$1.d/new"', "sh",
                        str(self.p(rel)), str(self.round)], check=False, stderr=subprocess.DEVNULL)

    def op_mmap(self, rel: str) -> None:
        """A shared writable mapping, written and kept open (such writes raise no inotify event)."""
        if os.path.islink(self.p(rel)) or os.path.getsize(self.p(rel)) == 0:
            return
        handle = open(self.p(rel), "r+b")  # noqa: SIM115 - held open across operations on purpose
        mapping = mmap.mmap(handle.fileno(), 0)
        mapping[0:1] = b"m"
        self.maps.append((handle, mapping))

    def op_mmapwrite(self) -> None:
        for handle, mapping in self.maps:
            if os.fstat(handle.fileno()).st_size < len(mapping):
                continue  # truncated since: touching the mapping past the end is SIGBUS
            with contextlib.suppress(ValueError, OSError):
                mapping[len(mapping) - 1 :] = bytes([48 + self.round % 10])

    def op_gitignore(self, rel: str, pattern: str) -> None:
        self.p(rel).mkdir(parents=True, exist_ok=True)
        (self.p(rel) / ".gitignore").write_text(pattern + "\n")

    def op_checkpoint(self) -> None:
        raise NotImplementedError  # handled by the test


@settings(max_examples=int(os.environ.get("VTCODE_WATCH_EXAMPLES", "60")), deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(ops, min_size=1, max_size=25))
def test_a_watched_checkpoint_is_the_tree_a_whole_scan_records(sequence: list[tuple[Any, ...]]) -> None:
    play_against_a_whole_scan(sequence)


def play_against_a_whole_scan(sequence: list[tuple[Any, ...]]) -> None:
    """Play the operations, checking after each checkpoint that the watched tree is the whole scan's."""
    with workspace() as (root, store, oracle, base):
        for rel in ("a/x", "a/y", "b/x", "x", "z.log", "a/c/x"):
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_text(f"start {rel}\n")
        assert assert_same(store, oracle) == "whole"  # the first snapshot of a session scans
        player = Player(root, base / "outside")
        try:
            for op in sequence:
                if op[0] == "checkpoint":
                    assert_same(store, oracle)
                    continue
                if op[0] == "mmap" and store.watcher is not None:
                    # The watcher's known gap, out of the invariant on purpose (docs/checkpoints.md): an
                    # open made before a just-made directory's watch is in place is not seen, so a later
                    # write through that mapping raises nothing at all. Mappings here are made once the
                    # watcher has caught up, as a mapping of a file that has existed for a moment is.
                    store.watcher.settled()
                player.play(op)
            assert_same(store, oracle)
            player.op_mmapwrite()  # written again through a mapping, after the last checkpoint
            assert_same(store, oracle)
        finally:
            player.close()
        assert_same(store, oracle)  # and once the mappings are closed
        store.git("fsck", "--strict", "--no-dangling")  # the objects written in process are sound


def test_the_random_sequences_go_through_the_in_process_path() -> None:
    """The invariant above holds for checkpoints made in process, not only for git's: most of its watched
    checkpoints were. Run alone (`-k`), it plays edits of its own first, so it never depends on order."""
    if not WRITERS:
        edits: list[tuple[Any, ...]] = [
            ("write", "a/x", 10), ("checkpoint",), ("append", "b/x"), ("checkpoint",),
            ("rename", "a/y", "b/y"), ("checkpoint",), ("chmod", "x"), ("checkpoint",),
            ("delete", "a/c/x"), ("checkpoint",), ("write", "new", 3), ("checkpoint",)]
        play_against_a_whole_scan(edits)
    print("watched checkpoints by writer:", WRITERS)
    assert WRITERS.get("python", 0) > WRITERS.get("git", 0), WRITERS


def test_two_sessions_on_one_workspace_record_the_whole_scans_tree() -> None:
    """A second session's store shares the first's index: after the first made a checkpoint in process
    (its index not written), the second's next checkpoint is a whole scan over the first's tree, so a
    file the first recorded before a rule ignored it stays recorded, as it would in one session."""
    with workspace() as (root, store, oracle, base):
        (root / "a").mkdir()
        (root / "a" / "x").write_text("x")
        other = CheckpointStore(root, home=base / "store", size_cap=CAP, watch=True)
        try:
            assert assert_same(store, oracle) == "whole"
            assert assert_same(other, oracle) == "whole"
            (root / "a" / "new.tmp").write_text("recorded before it is ignored")
            assert assert_same(store, oracle) == "watched"
            assert store.last_writer == "python", store.unsure
            (root / "a" / ".gitignore").write_text("*.tmp\n")
            assert assert_same(other, oracle) == "whole"  # the index lacked the first's tree
            tree = watched(other)[0]
            assert "a/new.tmp" in other.git("ls-tree", "-r", "--name-only", tree).decode().split()
            (root / "a" / "x").write_text("changed")
            assert assert_same(store, oracle) == "watched"
        finally:
            other.close()


def test_a_few_changed_paths_are_checkpointed_without_git() -> None:
    """Edits, a new file and directory, a symlink, an executable bit, a deletion, a file over the cap:
    made in process (the store's index is not written: no git ran), and the whole scan's tree."""
    with workspace() as (root, store, oracle, _base):
        for i in range(30):
            (root / f"d{i % 3}").mkdir(exist_ok=True)
            (root / f"d{i % 3}" / f"f{i}").write_text(str(i))
        assert assert_same(store, oracle) == "whole"
        index = store._index_id()
        (root / "d1" / "f4").write_text("changed")
        (root / "d9 é" / "deep").mkdir(parents=True)
        (root / "d9 é" / "deep" / "new").write_text("new")
        os.symlink("../d1/f4", root / "d2" / "link")
        (root / "d2" / "f5").chmod(0o755)
        (root / "d0" / "f3").unlink()
        (root / "d0" / "big").write_bytes(b"b" * (CAP + 1))
        (root / "d1-x").write_text("sorts before d1/")
        assert assert_same(store, oracle) == "watched"
        assert store.last_writer == "python", store.unsure
        shutil.rmtree(root / "d9 é")
        (root / "d0" / "big").write_text("small")
        assert assert_same(store, oracle) == "watched"
        assert store.last_writer == "python", store.unsure
        assert store._index_id() == index
        # A .gitignore changed: git decides (the store's index first made the last in-process tree).
        (root / "d1" / ".gitignore").write_text("f4\nnew*\n")
        (root / "d1" / "new1").write_text("ignored")
        assert assert_same(store, oracle) == "watched"
        assert store.last_writer == "git"
        (root / "d1" / "new2").write_text("ignored too, by the rule git read")
        (root / "d1" / "f4").write_text("tracked: recorded though ignored now")
        assert assert_same(store, oracle) == "watched"
        assert store.last_writer == "python", store.unsure
        fsck = store.git("fsck", "--strict", "--no-dangling")
        assert b"error" not in fsck


def test_writes_through_a_hard_link_outside_the_workspace_are_seen() -> None:
    """A link made outside the tree after the watches were set raises no event in any watched directory;
    the file's own inode watch sees the write, and names every link the inode has in the tree."""
    with workspace() as (root, store, oracle, base):
        (root / "d").mkdir()
        (root / "d" / "f").write_text("one")
        assert assert_same(store, oracle) == "whole"
        os.link(root / "d" / "f", root / "twin")  # a second name inside the tree
        os.link(root / "d" / "f", base / "outside" / "link")
        assert assert_same(store, oracle) == "watched"
        (base / "outside" / "link").write_text("written from outside")
        assert assert_same(store, oracle) == "watched"
        assert (root / "twin").read_text() == "written from outside"


def test_writes_through_a_shared_mapping_are_seen() -> None:
    """mmap writes raise no inotify event and may leave the mtime as it was (on tmpfs they never move it;
    on ext4 only a mapping's first write to a clean page does): a file open at a checkpoint (or at the
    one before) is hashed again whatever its stat data says. Run on tmpfs (/dev/shm) when there is one,
    where git's stat check alone would miss every write but the first."""
    shm = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None
    with workspace(shm) as (root, store, oracle, _base):
        (root / "data").write_bytes(b"0" * 32)  # under the size cap (CAP)
        assert assert_same(store, oracle) == "whole"
        with open(root / "data", "r+b") as handle, mmap.mmap(handle.fileno(), 0) as mapping:
            mapping[0:1] = b"1"
            # A later tick than the file's mtime for the index, so git's racy-file check does not
            # rehash the file by chance: only the watcher's rule does.
            time.sleep(0.05)
            assert assert_same(store, oracle) == "watched"
            mapping[1:2] = b"2"  # no event, and no new mtime
            assert assert_same(store, oracle) == "watched"
            time.sleep(0.05)
            mapping[2:3] = b"3"
        assert assert_same(store, oracle) == "watched"  # closed since: hashed once more
        assert assert_same(store, oracle) == "none"


def test_changes_are_named_not_scanned(tmp_path: Path) -> None:
    """The point of the watcher: after the first whole scan, a checkpoint looks only at what changed,
    and one with nothing changed runs no git at all."""
    with workspace() as (root, store, oracle, _base):
        for i in range(30):
            (root / f"d{i % 3}").mkdir(exist_ok=True)
            (root / f"d{i % 3}" / f"f{i}").write_text(str(i))
        assert assert_same(store, oracle) == "whole"
        assert store.watcher is not None and store.watcher.active
        assert assert_same(store, oracle) == "none"
        (root / "d1" / "f4").write_text("changed")
        (root / "d9" / "deep").mkdir(parents=True)
        (root / "d9" / "deep" / "new").write_text("new")
        (root / "d2" / "f5").write_text("changed too")
        assert assert_same(store, oracle) == "watched"


def test_a_process_of_another_user_is_seen(tmp_path: Path) -> None:
    """inotify reports a change whoever makes it: a command run as another user (when this test runs as
    root; otherwise another process of the same user)."""
    with workspace() as (root, store, oracle, base):
        (root / "shared").mkdir()
        os.chmod(root / "shared", 0o777)  # noqa: S103 - another user writes there
        os.chmod(root, 0o755)  # noqa: S103 - and must reach it
        os.chmod(base, 0o755)  # noqa: S103
        assert assert_same(store, oracle) == "whole"
        kwargs: dict[str, Any] = {}
        if os.geteuid() == 0:
            kwargs = {"user": 65534, "group": 65534}
        subprocess.run(["sh", "-c", 'mkdir "$1/made" && echo x > "$1/made/by"', "sh", str(root / "shared")],
                       check=True, **kwargs)
        assert assert_same(store, oracle) == "watched"
        assert (root / "shared" / "made" / "by").exists()


# -- fallbacks ---------------------------------------------------------------------------------------------


def test_a_queue_overflow_falls_back_to_a_whole_scan_and_rebuilds_the_watches() -> None:
    """Overflow for real: with no thread draining the queue, more events than fs.inotify.max_queued_events
    are raised; directories made meanwhile (their creation event lost) are watched again afterwards."""
    limit = int(Path("/proc/sys/fs/inotify/max_queued_events").read_text())
    with workspace() as (root, store, oracle, _base):
        store.watcher = TreeWatcher(root, exclude=(), background=False)
        assert assert_same(store, oracle) == "whole"
        # Each new file raises three events in the (watched) root (create, open, close-write).
        for i in range(limit // 3 + 200):
            (root / f"f{i}").write_bytes(b"x")
        (root / "lost").mkdir()  # after the overflow: this creation event is lost
        (root / "lost" / "f7").write_bytes(b"made during the overflow")
        # From the restart on, a thread drains the queue (git's own reads of 5,000 new files would
        # overflow it again otherwise).
        store.watcher.background = True
        assert assert_same(store, oracle) == "whole"
        assert any("overflowed" in why for why in store.watcher.fallbacks)
        assert assert_same(store, oracle) == "none"
        (root / "lost" / "f7").write_bytes(b"changed after the overflow")
        assert assert_same(store, oracle) == "watched"


def test_the_watch_cap_falls_back_to_whole_scans() -> None:
    """A per-store cap on watches (`[checkpoints] max_watches`): beyond it the watcher gives up, releases
    its watches, and every checkpoint scans the whole tree, with the same trees."""
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        root = base / "ws"
        for i in range(10):
            (root / f"d{i}").mkdir(parents=True)
            (root / f"d{i}" / "f").write_text(str(i))
        store = CheckpointStore(root, home=base / "store", size_cap=CAP, watch=True, max_watches=8)
        oracle = Oracle(root, base / "oracle")
        try:
            assert assert_same(store, oracle) == "whole"
            assert store.watcher is not None and not store.watcher.active
            assert any("no inotify watch left" in why for why in store.watcher.fallbacks)
            (root / "d3" / "f").write_text("changed")
            assert assert_same(store, oracle) == "whole"
        finally:
            store.close()


def test_running_out_of_watches_later_falls_back_too() -> None:
    """The cap reached by directories made after the start (a `mkdir -p` of a deep tree in a command)."""
    with workspace() as (root, store, oracle, _base):
        store._max_watches = 20
        (root / "f").write_text("1")
        assert assert_same(store, oracle) == "whole"
        deep = root.joinpath(*[f"n{i}" for i in range(30)])
        deep.mkdir(parents=True)
        (deep / "leaf").write_text("deep")
        assert assert_same(store, oracle) == "whole"
        assert store.watcher is not None
        assert any("no inotify watch left" in why for why in store.watcher.fallbacks)
        (deep / "leaf").write_text("deeper")
        assert assert_same(store, oracle) == "whole"


ENOSPC_CHILD = textwrap.dedent("""
    import os, sys
    from pathlib import Path
    sys.path[:0] = [sys.argv[2]]
    from test_watcher import assert_same, CAP, Oracle
    from vtcode.checkpoints import CheckpointStore
    Path("/proc/sys/user/max_inotify_watches").write_text("25")
    base = Path(sys.argv[1])
    root = base / "ws"
    for i in range(40):
        (root / f"d{i}").mkdir(parents=True)
        (root / f"d{i}" / "f").write_text(str(i))
    store = CheckpointStore(root, home=base / "store", size_cap=CAP, watch=True)
    oracle = Oracle(root, base / "oracle")
    assert assert_same(store, oracle) == "whole"
    reasons = store.watcher.fallbacks
    assert any("no inotify watch left" in why for why in reasons), reasons
    (root / "d3" / "f").write_text("changed")
    assert assert_same(store, oracle) == "whole"
    print("ENOSPC-FALLBACK-OK", flush=True)
""")


def test_the_kernels_watch_limit_falls_back_to_whole_scans(tmp_path: Path) -> None:
    """A real ENOSPC from inotify_add_watch: in a user namespace of its own, the child lowers
    user.max_inotify_watches (a per-namespace limit, so the machine's own is untouched) below what the
    workspace needs."""
    if shutil.which("unshare") is None:
        pytest.fail("unshare (util-linux) is needed for this test")
    probe = subprocess.run(["unshare", "-U", "-r", "true"], capture_output=True, check=False)
    if probe.returncode != 0:
        pytest.skip(f"unprivileged user namespaces are off here: {probe.stderr.decode().strip()}")
    script = tmp_path / "child.py"
    script.write_text(ENOSPC_CHILD)
    done = subprocess.run(["unshare", "-U", "-r", sys.executable, str(script), str(tmp_path),
                           str(Path(__file__).parent)], capture_output=True, text=True, check=False,
                          timeout=120)
    assert "ENOSPC-FALLBACK-OK" in done.stdout, done.stderr[-3000:]


MOUNT_CHILD = textwrap.dedent("""
    import subprocess, sys
    from pathlib import Path
    sys.path[:0] = [sys.argv[2]]
    from test_watcher import assert_same, CAP, Oracle
    from vtcode.checkpoints import CheckpointStore
    base = Path(sys.argv[1])
    root = base / "ws"
    (root / "m").mkdir(parents=True)
    (root / "m" / "under").write_text("hidden by the mount")
    store = CheckpointStore(root, home=base / "store", size_cap=CAP, watch=True)
    oracle = Oracle(root, base / "oracle")
    assert assert_same(store, oracle) == "whole"
    assert assert_same(store, oracle) == "none"
    subprocess.run(["mount", "-t", "tmpfs", "tmpfs", str(root / "m")], check=True)
    (root / "m" / "on-the-mount").write_text("new")
    assert assert_same(store, oracle) == "whole", store.watcher.fallbacks
    assert any("mount" in why for why in store.watcher.fallbacks)
    (root / "m" / "on-the-mount").write_text("changed on the mount")
    assert assert_same(store, oracle) == "watched"
    subprocess.run(["umount", str(root / "m")], check=True)
    assert assert_same(store, oracle) == "whole"
    print("MOUNT-FALLBACK-OK", flush=True)
""")


def test_a_mount_appearing_in_the_workspace_falls_back_to_a_whole_scan(tmp_path: Path) -> None:
    """A file system mounted over a watched directory raises no inotify event; the watcher sees the mount
    table change and scans the whole tree, then watches the mounted tree too. (In a user and mount
    namespace of the test's own, so the machine's mounts are untouched.)"""
    probe = subprocess.run(["unshare", "-U", "-r", "-m", "true"], capture_output=True, check=False)
    if probe.returncode != 0:
        pytest.skip(f"unprivileged user namespaces are off here: {probe.stderr.decode().strip()}")
    script = tmp_path / "child.py"
    script.write_text(MOUNT_CHILD)
    done = subprocess.run(["unshare", "-U", "-r", "-m", sys.executable, str(script), str(tmp_path),
                           str(Path(__file__).parent)], capture_output=True, text=True, check=False,
                          timeout=120)
    assert "MOUNT-FALLBACK-OK" in done.stdout, done.stderr[-3000:]


def test_a_moved_or_replaced_root_falls_back_to_a_whole_scan() -> None:
    """The root renamed away and another directory put at its path (no event reaches the old watches when
    it is a directory above the root that moves): the next checkpoint scans what is at the path now."""
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        holder = base / "holder"
        root = holder / "ws"
        root.mkdir(parents=True)
        (root / "f").write_text("first")
        store = CheckpointStore(root, home=base / "store", size_cap=CAP, watch=True)
        oracle = Oracle(root, base / "oracle")
        try:
            assert assert_same(store, oracle) == "whole"
            holder.rename(base / "elsewhere")  # a directory above the root moves
            root.mkdir(parents=True)
            (root / "g").write_text("another tree at the same path")
            assert assert_same(store, oracle) == "whole"
            assert store.watcher is not None
            assert any("root" in why for why in store.watcher.fallbacks)
            (root / "g").write_text("changed")
            assert assert_same(store, oracle) == "watched"
            shutil.rmtree(root)  # the root itself deleted and made again
            root.mkdir()
            (root / "h").write_text("third")
            assert assert_same(store, oracle) == "whole"
        finally:
            store.close()


def test_a_network_or_fuse_file_system_is_not_watched() -> None:
    """Where another machine or a user-space server can change files unseen, checkpoints scan."""
    assert unwatchable("/proc/self") is not None
    assert "proc" in (unwatchable("/proc/self") or "")
    assert unwatchable(tempfile.gettempdir()) is None  # this machine's temp dir is a local file system


def test_ignored_files_are_left_out_as_the_scan_leaves_them() -> None:
    with workspace() as (root, store, oracle, _base):
        (root / "build").mkdir()
        (root / "keep.txt").write_text("k")
        assert assert_same(store, oracle) == "whole"
        (root / ".gitignore").write_text("build/\n*.tmp\n")
        (root / "build" / "out.o").write_text("o")
        (root / "x.tmp").write_text("t")
        assert assert_same(store, oracle) == "whole"  # the root's .gitignore changed: everything
        (root / "sub").mkdir()
        (root / "sub" / "a.tmp").write_text("t")
        (root / "sub" / "b.txt").write_text("b")
        (root / "build" / "more.o").write_text("o")
        assert assert_same(store, oracle) == "watched"
        (root / "sub" / ".gitignore").write_text("b.txt\n!a.tmp\n")
        assert assert_same(store, oracle) == "watched"
        tree = watched(store)[0]
        names = set(store.git("ls-tree", "-r", "--name-only", tree).decode().split())
        # sub/b.txt was recorded before it was ignored: like git, a recorded file stays until deleted.
        assert names == {".gitignore", "keep.txt", "sub/.gitignore", "sub/a.tmp", "sub/b.txt"}


def test_closing_never_frees_the_numbers_its_thread_still_selects_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The background thread selects on the inotify instance and its wake pipe by number. When it has
    not run yet at close (a loaded machine), those numbers stay open, its own, until it ends: freed under
    its select, they would be the agent's next files (the audit log) when the select runs."""
    from vtcode.checkpoints import watch as watch_module

    go, entered = threading.Event(), threading.Event()

    class LateSelect:
        """The module's `select`, except that the watcher's thread is held back before its select."""

        poll, POLLPRI, POLLERR = real_select.poll, real_select.POLLPRI, real_select.POLLERR

        @staticmethod
        def select(*args: Any) -> Any:
            if threading.current_thread().name == "vtcode-checkpoint-watch":
                entered.set()
                go.wait(10)
            return real_select.select(*args)

    monkeypatch.setattr(watch_module, "select", LateSelect)
    monkeypatch.setattr(watch_module, "STOP_JOIN_S", 0.1)
    (tmp_path / "a.txt").write_text("a")
    watcher = TreeWatcher(tmp_path)
    try:
        assert watcher.collect() is None  # the first collect walks and starts the thread
        assert entered.wait(5)
        inotify, wake = watcher._inotify, watcher._wake
        assert inotify is not None and wake is not None
        numbers = (inotify.fd, *wake)
        thread = watcher._thread
        assert thread is not None
        watcher.close()  # the thread is still held: close gives up waiting for it
        assert thread.is_alive()
        for number in numbers:
            os.fstat(number)  # still open: still the thread's
    finally:
        go.set()
    thread.join(5)
    assert not thread.is_alive()
    for number in numbers:  # the thread closed them on its way out
        with pytest.raises(OSError, match="Bad file descriptor"):
            os.fstat(number)
