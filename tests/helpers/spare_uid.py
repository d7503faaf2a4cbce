"""Running the installed vtcode as a spare uid (65534): what most users are, an account without root
and without a cgroup of its own. Shared by the escape suite and the agent-death suite."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest

from helpers.venv import _closure

HELPERS = Path(__file__).resolve().parent

def python_for(uid: int) -> str:
    """An interpreter `uid` can run (the test's own may live under root's 0700 home)."""
    for candidate in (sys.executable, os.path.realpath(sys.executable), "/usr/bin/python3"):
        try:
            done = subprocess.run([candidate, "-I", "-c", "pass"], user=uid, group=uid, extra_groups=[],
                                  capture_output=True, check=False)
        except OSError:
            continue
        if done.returncode == 0:
            return candidate
    pytest.fail(f"no Python interpreter is usable by uid {uid}")


def copy_packages(target: Path) -> None:
    """vtcode, its contract and plugins, and every dependency, copied where the spare uid can read them."""
    target.mkdir(parents=True)
    tops: set[Path] = set()
    for name in _closure(["vtcode"]):
        dist = metadata.distribution(name)
        for file in dist.files or ():
            top = str(file).split("/")[0]
            if top.startswith("..") or top.endswith((".pth", ".dist-info")) or top == "__editable__":
                continue
            located = Path(str(dist.locate_file(top)))
            if located.exists():
                tops.add(located)
    import vtcode_hookspecs
    import vtcode_landlock

    import vtcode

    for module in (vtcode, vtcode_hookspecs, vtcode_landlock):  # editable installs live in the tree
        tops.add(Path(module.__file__ or "").parent)
    for top in tops:
        destination = target / top.name
        if top.is_dir():
            # merged: an editable install's `vtcode` (the source tree) and the wheel-only `vtcode/_policies`
            # in site-packages share a name; copying whichever came first alone lost the other (a set's order)
            shutil.copytree(top, destination, ignore=shutil.ignore_patterns("__pycache__"),
                            dirs_exist_ok=True)
        elif destination.exists():
            continue
        else:
            shutil.copy2(top, destination)
    for helper in ("sandbox_world.py", "agent_death.py"):  # the scripts the spare uid runs
        shutil.copy2(HELPERS / helper, target / helper)
