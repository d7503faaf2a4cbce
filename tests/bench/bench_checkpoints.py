"""Checkpoints: a snapshot of a 10,000- and a 100,000-file workspace where a few files changed, beside
`git stash create` on the same tree in the same run.

Targets (issue 21): < 30 ms median at 10,000 files, < 300 ms at 100,000. Both the checkpoint and the
baseline lstat every file; `git stash create` does not even look for untracked files, which a checkpoint
also records.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

from measure import figure, median_ms

from vtcode.checkpoints import CheckpointStore

ROUNDS = 15
_GIT_ENV = {"GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull, "GIT_AUTHOR_NAME": "b",
            "GIT_AUTHOR_EMAIL": "b@b.invalid", "GIT_COMMITTER_NAME": "b",
            "GIT_COMMITTER_EMAIL": "b@b.invalid"}


def make_tree(root: Path, count: int) -> list[Path]:
    """`count` small source files, 12 to a directory, directories three levels deep, committed."""
    files = []
    for i in range(count):
        d = i // 12
        directory = root / f"pkg{d // 100}" / f"mod{d // 10 % 10}" / f"sub{d % 10}"
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / f"file{i}.py"
        path.write_text(f"def f{i}():\n    return {i}\n")
        files.append(path)
    env = {**os.environ, **_GIT_ENV}
    subprocess.run(["git", "init", "-q"], cwd=root, check=True, env=env)
    subprocess.run(["git", "add", "-A"], cwd=root, check=True, env=env)
    subprocess.run(["git", "commit", "-qm", "base"], cwd=root, check=True, env=env)
    return files


def measure(count: int, target_ms: float) -> bool:
    with tempfile.TemporaryDirectory(prefix="vtcode-bench-ckpt-") as tmp:
        base = Path(tmp)
        root = base / "ws"
        root.mkdir()
        files = make_tree(root, count)
        store = CheckpointStore(root, home=base / "store")
        store.take(tool="first")  # the first snapshot hashes everything once; later ones reuse it
        state = {"n": 0}

        def edit_a_few() -> None:
            state["n"] += 1
            for k in range(3):
                path = files[(state["n"] * 7 + k * 131) % len(files)]
                path.write_text(path.read_text() + f"# edit {state['n']}\n")
            (root / f"new{state['n']}.py").write_text("x = 1\n")  # and an untracked file

        def checkpoint() -> None:
            edit_a_few()
            store.take(tool="bench")

        env = {**os.environ, **_GIT_ENV}

        def stash() -> None:
            edit_a_few()
            subprocess.run(["git", "stash", "create"], cwd=root, check=True, env=env,
                           stdout=subprocess.DEVNULL)

        ours = median_ms(checkpoint, ROUNDS, warmup=2)
        baseline = median_ms(stash, ROUNDS, warmup=2)
        unchanged = median_ms(lambda: store.take(tool="bench"), ROUNDS, warmup=1)
        status = subprocess.run(["git", "status", "--porcelain"], cwd=root, env=env, capture_output=True)
        assert status.returncode == 0
        print(f"- unchanged tree, {count} files: {unchanged:.1f} ms median")
        return figure(f"checkpoint, {count} files, 4 changed", ours, "git stash create", baseline,
                      f"< {target_ms:.0f} ms", ours < target_ms)


def run() -> bool:
    ok = measure(10_000, 30.0)
    ok = measure(100_000, 300.0) and ok
    return ok


if __name__ == "__main__":
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    raise SystemExit(0 if run() else 1)
