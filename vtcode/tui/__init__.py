"""The Textual TUI (`vtcode` with no arguments). Textual is imported only by `run`, so that every other
command stays light (tests/core/cli/test_cli.py checks it)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path


def run(root: Path, *, config_files: Sequence[Path] = (), overrides: Sequence[str] = ()) -> None:
    from .app import VtcodeApp

    VtcodeApp(root, config_files=config_files, overrides=overrides).run()
