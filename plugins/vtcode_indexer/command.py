"""`vtcode index` and `vtcode symbols PATH`: the index from scripts and the terminal.

Contributed through register_commands rather than the core's command table: the core never imports a
plugin, and a disabled or replaced indexer plugin takes its commands with it.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from vtcode.api import reports_errors, say, say_json


def _root(workspace: Path | None) -> Path:
    from vtcode.api import resolve_root

    return resolve_root(workspace)


@click.command(name="index")
@click.option("--json", "as_json", is_flag=True, help="One JSON object on stdout.")
@click.option("--workspace", type=click.Path(path_type=Path), default=None,
              help="Workspace root (default: the current directory).")
@reports_errors
def index(as_json: bool, workspace: Path | None) -> None:
    """Build or update the code index of the workspace; print counts and skipped files by reason."""
    from .queries import CodeIndex

    root = _root(workspace)
    report = CodeIndex(root).refresh()
    skipped = dict(sorted(report.skipped.items()))
    if as_json:
        say_json(json.dumps({"workspace": str(root), "files": report.files, "symbols": report.symbols,
                               "changed": report.changed, "removed": report.removed,
                               "rebuilt": report.rebuilt, "skipped": skipped}))
        return
    say(f"{report.files} files, {report.symbols} symbols ({report.changed} files re-indexed, "
               f"{report.removed} removed)")
    for reason, count in skipped.items():
        say(f"  skipped {count}: {reason}")


@click.command(name="symbols")
@click.argument("path")
@click.option("--json", "as_json", is_flag=True, help="One JSON object on stdout.")
@click.option("--workspace", type=click.Path(path_type=Path), default=None,
              help="Workspace root (default: the current directory).")
@reports_errors
def symbols(path: str, as_json: bool, workspace: Path | None) -> None:
    """The symbols of the file PATH (or of every file under the directory PATH) of the workspace."""
    from vtcode.api import Jail

    from .queries import CodeIndex, outline_text

    root = _root(workspace)
    resolved = Jail(root).resolve(path)  # PathDenied (one line) for anything outside the workspace
    if not resolved.exists():
        raise click.BadParameter(f"{path}: no such file in the workspace", param_hint="PATH")
    relative = "" if resolved == root else str(resolved.relative_to(root))
    found = CodeIndex(root).symbols(relative)
    if as_json:
        say_json(json.dumps({"path": relative or ".", "symbols": [s.model_dump() for s in found]}))
    elif resolved.is_dir():
        for s in found:
            say(f"{s.path}:{s.start_line}-{s.end_line} {s.kind} {s.name}")
    else:
        say(outline_text(found))
