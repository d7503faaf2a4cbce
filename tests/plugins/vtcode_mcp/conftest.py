"""A real session stack (runtime, gate, policy, approvals, sandbox, events) with MCP servers configured in
the user's vtcode.toml, against real servers."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from helpers.mcp_servers import Approver, HttpServer, Session

from vtcode.approvals import Asker, NoTerminal
from vtcode.workspace.trust import write_trust


@pytest.fixture
def user_config(isolated_user_dirs: Path) -> Any:
    def write(text: str) -> Path:
        path = isolated_user_dirs / "config" / "vtcode.toml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        return path

    return write


@pytest.fixture
def session(workspace: Path) -> Iterator[Any]:
    opened: list[Session] = []

    def start(asker: Asker | None = None, *, trusted: bool = True, overrides: Sequence[str] = ()) -> Session:
        if trusted:
            write_trust(workspace)
        s = Session(workspace, asker or NoTerminal(), overrides)
        opened.append(s)
        return s

    yield start
    for s in opened:
        s.close()


@pytest.fixture
def http_server(tmp_path: Path) -> Iterator[HttpServer]:
    server = HttpServer(tmp_path / "calls.jsonl")
    yield server
    server.stop()


@pytest.fixture
def approver() -> Approver:
    return Approver()
