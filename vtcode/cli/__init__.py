"""The `vtcode` command. `--version` answers before click, pydantic or any plugin is imported."""

from __future__ import annotations

import sys


def main() -> None:
    if sys.argv[1:] in (["--version"], ["-V"]):
        from vtcode import __version__

        sys.stdout.write(f"vtcode {__version__}\n")
        return
    from .app import run

    run()
