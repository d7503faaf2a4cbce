"""Cold start of the CLI: `vtcode --version` and `vtcode plugins list` against `python -c pass`."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile

from installed import wheel_vtcode
from measure import command_ms, figure

REPEAT = 21


def run() -> bool:
    vtcode = wheel_vtcode()  # a wheel install, as users have (installed.py)
    with tempfile.TemporaryDirectory() as home:
        env = {
            **os.environ,
            "VTCODE_CONFIG_DIR": f"{home}/c",
            "VTCODE_CACHE_DIR": f"{home}/k",
            "VTCODE_DATA_DIR": f"{home}/d",
            "VTCODE_MANAGED_CONFIG": f"{home}/m.toml",
        }
        subprocess.run([vtcode, "plugins", "list"], env=env, check=True, capture_output=True)  # warm caches
        baseline = command_ms([sys.executable, "-c", "pass"], REPEAT, env)
        version = command_ms([vtcode, "--version"], REPEAT, env)
        listing = command_ms([vtcode, "plugins", "list"], REPEAT, env)
        imports = subprocess.run(
            [vtcode, "plugins", "list"],
            env={**env, "PYTHONPROFILEIMPORTTIME": "1"},
            capture_output=True,
            text=True,
            check=True,
        ).stderr
    heavy = [
        m
        for m in ("litellm", "textual", "httpx", "tree_sitter")
        if f" {m}\n" in imports or f" {m}." in imports
    ]
    ok = figure("vtcode --version", version, "python -c pass", baseline, "< 5x", version < 5 * baseline)
    ok &= figure("vtcode plugins list", listing, "python -c pass", baseline, "< 400 ms", listing < 400)
    print(f"- heavy modules imported by `plugins list`: {heavy or 'none'}")
    return ok and not heavy
