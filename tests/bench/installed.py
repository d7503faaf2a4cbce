"""The `vtcode` people run: start-up benchmarks measure a wheel install, never the editable source tree.

An editable install starts differently (an import hook in place of files under site-packages, RECORD
listing almost nothing, so the integrity and origin checks have little to do): its figures flatter.
When the benchmarks run from an editable install (`python tests/bench/run.py` in a dev venv), a wheel
of this tree is built and installed into a private venv whose dependencies are links to the ones here
(offline, as in the tests); under `tox -e bench` the environment already holds the wheel.
"""

from __future__ import annotations

import atexit
import functools
import json
import shutil
import sys
import tempfile
from importlib import metadata
from pathlib import Path


def editable() -> bool:
    text = metadata.distribution("vtcode").read_text("direct_url.json")
    return bool(text and json.loads(text).get("dir_info", {}).get("editable"))


@functools.cache
def wheel_vtcode() -> str:
    """The path of a `vtcode` script installed from a wheel."""
    if not editable():
        return str(Path(sys.executable).parent / "vtcode")
    from helpers.distributions import build_wheel
    from helpers.venv import REPO, Venv

    base = Path(tempfile.mkdtemp(prefix="vtcode-bench-wheel-"))
    atexit.register(shutil.rmtree, base, ignore_errors=True)
    env = Venv(base / "venv")
    env.install(build_wheel(REPO, base / "wheels"))
    return str(env.root / "bin" / "vtcode")


def wheel_python() -> str:
    """The interpreter of that install (for scripts that import vtcode as a user's would)."""
    return str(Path(wheel_vtcode()).parent / "python")
