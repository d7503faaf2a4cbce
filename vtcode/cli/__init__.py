"""The `vtcode` command. `--version` answers before click, pydantic or any plugin is imported."""

from __future__ import annotations

import sys


def main() -> None:
    if sys.argv[1:] in (["--version"], ["-V"]):
        from vtcode import __version__

        sys.stdout.write(f"vtcode {__version__}\n")
        return
    # Before any secret is loaded or any command parsed: no core dumps, not ptrace-able, no injection
    # variables for children, private umask. `--version` above stays a cheap, side-effect-free answer.
    from vtcode.hardening import harden

    harden()
    from .app import run

    run()
