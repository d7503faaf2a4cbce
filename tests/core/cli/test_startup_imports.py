"""What `vtcode exec` leaves unimported: the start to the first model request is a requirement (issue 23:
< 500 ms with two MCP servers, tests/bench/bench_mcp.py), and a module imported at start is paid by every
run. These modules are imported where they are first used; this test keeps them there (not timed)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from helpers.openai_stub import dead_url

# Paid only by runs that use them: a search (regex), a command in the allowlist network mode or an MCP
# server's network grant (the egress proxy), an MCP server (the SDK), the TUI (textual), the code index
# (tree-sitter), the litellm provider (litellm).
LAZY = ("regex", "vtcode.egress.proxy", "mcp", "textual", "tree_sitter", "litellm")

PROBE = """
import atexit, json, runpy, sys
LAZY = {lazy!r}
atexit.register(lambda: print("IMPORTED=" + json.dumps([m for m in LAZY if m in sys.modules])))
sys.argv = {argv!r}
runpy.run_module("vtcode", run_name="__main__")
"""


def test_exec_imports_none_of_the_lazy_modules_before_its_first_request(workspace: Path) -> None:
    """A provider that refuses the connection (no retries): the run ends at its first request, so what it
    imported is what the start to the first request costs."""
    argv = ["vtcode", "exec", "--provider", "openai-compat", "--base-url", dead_url(), "--model", "m",
            "-c", "providers.retries=0", "--workspace", str(workspace), "say hi"]
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    done = subprocess.run([sys.executable, "-c", PROBE.format(lazy=LAZY, argv=argv)], capture_output=True,
                          text=True, timeout=120, cwd=workspace, env=env)
    assert "connect" in done.stderr.lower(), done.stderr  # it did try the model
    [line] = [x for x in done.stdout.splitlines() if x.startswith("IMPORTED=")]
    assert json.loads(line.removeprefix("IMPORTED=")) == [], done.stdout


def test_the_lazy_modules_are_still_there_when_used() -> None:
    """The other side: a search still finds, and the proxy still loads (the imports moved, not went)."""
    code = ("import vtcode.egress as e, sys\nassert 'vtcode.egress.proxy' not in sys.modules\n"
            "print(e.EgressProxy.__name__, 'vtcode.egress.proxy' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.split() == ["EgressProxy", "True"], done.stderr
