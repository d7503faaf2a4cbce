"""Sessions as readable markdown files that round-trip exactly, plus a `vtcode sessions` command."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from vtcode_hookspecs import SessionStore, hookimpl

from .store import MarkdownStore


@hookimpl
def register_storage(register: Callable[[SessionStore], None]) -> None:
    register(MarkdownStore())


@hookimpl
def register_commands(register: Callable[[Any], None]) -> None:
    from .command import sessions  # click is imported only when the CLI asks for plugin commands

    register(sessions)
