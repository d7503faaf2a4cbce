"""`vtcode find QUERY`: fuzzy file search from the terminal (a plugin command: see vtcode_indexer's)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from vtcode.api import reports_errors, say, say_json


@click.command(name="find")
@click.argument("query")
@click.option("--json", "as_json", is_flag=True, help="One JSON object on stdout.")
@click.option("--limit", type=click.IntRange(1, 1000), default=20, show_default=True,
              help="At most this many files.")
@click.option("--hidden", is_flag=True, help="Include hidden files and directories.")
@click.option("--workspace", type=click.Path(path_type=Path), default=None,
              help="Workspace root (default: the current directory).")
@reports_errors
def find(query: str, as_json: bool, limit: int, hidden: bool, workspace: Path | None) -> None:
    """Fuzzy-find files in the workspace whose path matches QUERY, best match first; exit 1 when nothing
    matches."""
    from vtcode.api import resolve_root

    from .search import FileSearch

    if not query.strip():
        raise click.BadParameter("the query is empty", param_hint="QUERY")
    root = resolve_root(workspace)
    found = FileSearch(root, hidden=hidden).search(query, limit)
    if as_json:
        say_json(json.dumps({"query": query, "workspace": str(root),
                               "results": [{"path": m.path, "score": round(m.score, 2)} for m in found]}))
        raise SystemExit(0 if found else 1)
    for match in found:
        say(match.path)
    if not found:  # silence would read as "nothing ran"; exit 1 like grep, so scripts can tell
        hidden_note = "" if hidden else " (hidden files are skipped: --hidden)"
        say(f"vtcode: no file in {root} matches {query!r}{hidden_note}", err=True)
        raise SystemExit(1)
