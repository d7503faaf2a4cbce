"""The CLI's one way to print. Every line a command prints may quote something the model, a server, the
repository or a log chose (a file name, a model id, a session title, a recorded command, an error a
server sent), so all of it goes through the neutraliser, piped or not: a listing piped into a file holds
the same visible escapes a person would see. `--json` output stays exact JSON (`say_json`)."""

from __future__ import annotations

from typing import Any

import click

from .neutral import neutral_block, neutral_json_line


def say(message: Any = "", *, err: bool = False, nl: bool = True) -> None:
    """click.echo, with every control, escape and invisible character shown as a visible escape (line
    breaks kept)."""
    click.echo(neutral_block("" if message is None else str(message)), err=err, nl=nl)


def say_json(line: str, *, err: bool = False) -> None:
    """One JSON document, still the same JSON, with nothing a terminal could act on left raw."""
    click.echo(neutral_json_line(line), err=err)
