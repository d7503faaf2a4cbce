"""`vtcode sessions`: list saved sessions."""

from __future__ import annotations

import json

import click

from vtcode.api import say, say_json

from .store import MarkdownStore


@click.group(name="sessions", help="Saved agent sessions (markdown store).")
def sessions() -> None:
    pass


@sessions.command(name="list")
@click.option("--json", "as_json", is_flag=True, help="One JSON object on stdout.")
def list_sessions(as_json: bool) -> None:
    """The saved sessions, newest first: id, last update, workspace and title."""
    found = MarkdownStore().list()
    if as_json:
        say_json(json.dumps({"sessions": [s.model_dump(mode="json") for s in found]}))
        return
    for summary in found:
        say(f"{summary.id}  {summary.updated:%Y-%m-%d %H:%M}  {summary.workspace}  {summary.title}")
