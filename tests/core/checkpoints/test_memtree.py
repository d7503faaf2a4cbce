"""The in-process checkpoint (memtree.py) writes the very objects git does: over random trees with odd names
(spaces, unicode, names that sort around '/', '-' and '.', executables, symlinks, empty directories, which
git leaves out), the tree it makes from the paths that changed is the tree `git add -A && git write-tree`
makes of the same content in a repository of its own, and `git fsck` of its objects is clean."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vtcode.checkpoints.memtree import IgnoreRules, MemoryTree, Snapshot, object_sha, tree_data

_GIT = {"GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull, "LC_ALL": "C"}
CAP = 40

names = st.sampled_from(["a", "a-b", "a.b", "a b", "a0", "a_", "b", "é", "日本", "x.py", "a-", "a.", "-",
                         "sp ace", "Z", "tab\tname", "nl\nname", "a%", "!", "ab"])
leaf = st.one_of(
    st.tuples(st.just("file"), st.binary(max_size=CAP), st.booleans()),
    st.tuples(st.just("link"), st.sampled_from(["a", "../x", "/etc/passwd", "é/ü", "a b"])),
    st.tuples(st.just("fifo")),
)
trees = st.recursive(leaf, lambda kids: st.dictionaries(names, kids, max_size=5), max_leaves=25)
layouts = st.dictionaries(names, trees, min_size=1, max_size=6)


def build(root: Path, layout: dict[str, Any]) -> None:
    for name, node in layout.items():
        path = root / name
        if isinstance(node, dict):
            path.mkdir()
            build(path, node)  # an empty dictionary: an empty directory, which git leaves out
        elif node[0] == "file":
            path.write_bytes(node[1])
            path.chmod(0o755 if node[2] else 0o644)
        elif node[0] == "link":
            os.symlink(node[1], path)
        else:
            os.mkfifo(path)


def git_tree(root: Path, git_dir: Path) -> str:
    """What git records of the same content: a fresh index, every path added."""
    (git_dir / "oracle-index").unlink(missing_ok=True)
    env = {**os.environ, **_GIT, "GIT_DIR": str(git_dir), "GIT_WORK_TREE": str(root),
           "GIT_INDEX_FILE": str(git_dir / "oracle-index")}
    subprocess.run(["git", "add", "-A", "."], cwd=root, env=env, check=True, capture_output=True)
    return subprocess.run(["git", "write-tree"], cwd=root, env=env, check=True,
                          capture_output=True).stdout.decode().strip()


def snapshot(memory: MemoryTree, root: Path, git_dir: Path, changed: list[bytes]) -> tuple[str, list[str]]:
    env = {**os.environ, **_GIT, "GIT_DIR": str(git_dir), "GIT_WORK_TREE": str(root)}
    rules = IgnoreRules(env, root)
    try:
        objects = os.fsencode(git_dir / "objects")
        return Snapshot(memory, os.fsencode(root), objects, CAP, rules, ()).run(changed)
    finally:
        rules.close()


@settings(max_examples=int(os.environ.get("VTCODE_MEMTREE_EXAMPLES", "60")), deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(first=layouts, second=layouts, big=st.booleans())
def test_the_in_process_tree_is_the_tree_git_writes(first: dict[str, Any], second: dict[str, Any],
                                                    big: bool) -> None:
    with tempfile.TemporaryDirectory(prefix="vtcode-memtree-") as tmp:
        base = Path(tmp)
        root, git_dir = base / "ws", base / "store.git"
        root.mkdir()
        subprocess.run(["git", "init", "-q", "--bare", str(git_dir)], check=True, env={**os.environ, **_GIT})
        build(root, first)
        if big:
            (root / "a-big").write_bytes(b"x" * (CAP + 1))  # over the cap: left out, and said so
        empty = object_sha(b"tree", tree_data({})).hex()
        memory = MemoryTree(empty, {b"": {}})
        tree, skipped = snapshot(memory, root, git_dir, [os.fsencode(n) for n in os.listdir(root)])
        (root / "a-big").unlink(missing_ok=True)
        assert tree == git_tree(root, git_dir)
        assert skipped == (["a-big"] if big else [])

        # Then the second layout replaces some of the top-level entries (a file becomes a directory, a
        # directory a file or nothing), and only the changed names are given.
        changed = sorted(set(second) | set(list(first)[: len(first) // 2]))
        for name in changed:
            path = root / name
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            elif os.path.lexists(path):
                path.unlink()
        build(root, {k: v for k, v in second.items() if k in changed})
        tree, _ = snapshot(memory, root, git_dir, [os.fsencode(n) for n in changed])
        assert tree == git_tree(root, git_dir)
        assert memory.root_sha == tree
        fsck = subprocess.run(["git", "fsck", "--strict", "--no-dangling", tree], env={
            **os.environ, **_GIT, "GIT_DIR": str(git_dir)}, capture_output=True, check=False)
        assert fsck.returncode == 0, fsck.stderr.decode()
        # The trees kept in memory are what was written: the new tree, listed by git, parses to them.
        listing = subprocess.run(["git", "ls-tree", "-r", "-t", "-z", tree], env={
            **os.environ, **_GIT, "GIT_DIR": str(git_dir)}, capture_output=True, check=True).stdout
        assert MemoryTree.parse(tree, listing).dirs == memory.dirs
