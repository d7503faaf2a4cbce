"""The Textual TUI (`vtcode` with no arguments). Textual is imported only by `run`, so that every other
command stays light (tests/core/cli/test_cli.py checks it)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path


def run(root: Path, *, config_files: Sequence[Path] = (), overrides: Sequence[str] = ()) -> int:
    """Run the TUI until it quits; its exit status (0, or 128 + the signal that ended it)."""
    from .app import VtcodeApp

    app = VtcodeApp(root, config_files=config_files, overrides=overrides)
    try:
        app.run()
    finally:
        app.close_session()  # on every way out, even one that skipped unmounting
    return app.return_code or 0
