"""Random trees of directories and symlinks: wherever the kernel's open(2) lands, the jail says the same.

The kernel is asked directly (O_PATH, then /proc/self/fd readlink), so this compares against the real
path walk, not a model of it.
"""

from __future__ import annotations

import errno
import os
import random
from pathlib import Path

import pytest

from vtcode.workspace import Jail

NAMES = ["a", "b", "c", "..", ".", "f"]
LINKS = 6


def _build(rng: random.Random, workspace: Path, outside: Path) -> None:
    dirs = [workspace, workspace / "a", workspace / "a" / "b", workspace / "c", outside]
    for d in dirs:
        d.mkdir(parents=True, exist_ok=True)
        (d / "f").write_text("x")
    # Every directory holds l0..l5, so most random spellings exist and the walk really follows links.
    targets = ["..", "a", "a/b", "../c", "f", str(outside), str(workspace / "a"), "l0", "l1/..", "l2/b",
               "missing", "../../..", "/", ".", "../l3", f"{workspace}/l4/../c"]
    for holder in dirs:
        for index in range(LINKS):
            (holder / f"l{index}").symlink_to(rng.choice(targets))


def _kernel(path: str) -> tuple[str | None, int | None]:
    try:
        fd = os.open(path, os.O_PATH)
    except OSError as exc:
        return None, exc.errno
    try:
        return os.readlink(f"/proc/self/fd/{fd}"), None
    finally:
        os.close(fd)


@pytest.mark.parametrize("seed", range(8))
def test_jail_agrees_with_the_kernel(seed: int, workspace: Path, outside: Path, jail: Jail) -> None:
    rng = random.Random(seed)  # noqa: S311 - reproducible trees, not secrets
    _build(rng, workspace, outside)
    components = [*NAMES, *(f"l{i}" for i in range(LINKS))]
    for _ in range(200):
        rel = "/".join(rng.choice(components) for _ in range(rng.randint(1, 5)))
        landed, error = _kernel(f"{workspace}/{rel}")  # a str: pathlib drops "." parts
        verdict = jail.check(rel)
        if landed is not None:
            inside = landed == str(workspace) or landed.startswith(f"{workspace}/")
            assert verdict.resolved == landed, (rel, verdict)
            assert verdict.allowed == inside, (rel, verdict)
        elif error == errno.ELOOP:
            assert not verdict.allowed and "symbolic links" in verdict.reason, (rel, verdict)
        elif error == errno.ENOTDIR:
            assert not verdict.allowed and "not a directory" in verdict.reason, (rel, verdict)
        else:
            assert error == errno.ENOENT
            # Missing: either a lexical target (a new file) or refused for `..` after the missing part.
            assert verdict.resolved is None or not os.path.lexists(verdict.resolved), (rel, verdict)
