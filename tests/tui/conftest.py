"""Fixtures for the TUI tests: an isolated audit dir, the stub model server, and `run_tui(scenario)`."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers.openai_stub import OpenAIStub
from helpers.tui import Driver, RunTui, Scenario

from vtcode.tui.app import VtcodeApp
from vtcode.workspace.trust import write_trust


@pytest.fixture
def audit_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("VTCODE_AUDIT_DIR", str(tmp_path / "audit"))
    return tmp_path / "audit"


@pytest.fixture
def stub(audit_dir: Path) -> Iterator[OpenAIStub]:
    with OpenAIStub() as server:
        yield server


@pytest.fixture
def run_tui(workspace: Path, audit_dir: Path) -> RunTui:
    def run(
        scenario: Scenario,
        *,
        overrides: tuple[str, ...] = (),
        size: tuple[int, int] = (110, 36),
        trusted: bool = True,
    ) -> None:
        if trusted:
            write_trust(workspace)

        async def main() -> None:
            app = VtcodeApp(workspace, overrides=overrides)
            async with app.run_test(size=size) as pilot:
                await scenario(Driver(app, pilot))

        asyncio.run(main())

    return run
