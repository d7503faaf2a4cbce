"""`vtcode --workspace DIR --config FILE -c KEY=VALUE` opens the TUI on that workspace with that config;
before a subcommand the same options are a clear usage error, not silently ignored."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers.openai_stub import OpenAIStub
from helpers.tui import Driver, stub_overrides

from vtcode.cli.app import cli
from vtcode.tui.app import VtcodeApp
from vtcode.workspace.trust import write_trust


def test_the_tui_takes_workspace_config_and_overrides(
    workspace: Path, stub: OpenAIStub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_trust(workspace)
    extra = tmp_path / "extra.toml"
    extra.write_text("[agent]\nmax_tokens = 12345\n")
    seen: dict[str, object] = {}

    def headless(app: VtcodeApp) -> None:  # App.run, replaced by a Pilot session of the same app
        async def main() -> None:
            async with app.run_test(size=(100, 30)) as pilot:
                ui = Driver(app, pilot)
                await ui.until(lambda: app.workbench is not None or app.load_problem is not None)
                assert app.load_problem is None, app.load_problem
                await ui.loaded()
                assert app.workbench is not None
                seen["root"] = app.root
                seen["limit"] = app.workbench.facts.token_limit
                seen["mode"] = app.workbench.facts.approval_mode
                seen["model"] = app.workbench.facts.model

        asyncio.run(main())

    monkeypatch.setattr(VtcodeApp, "run", headless)
    monkeypatch.chdir(tmp_path)
    overrides = [arg for item in stub_overrides(stub.base_url) for arg in ("-c", item)]
    args = ["--workspace", str(workspace), "--config", str(extra), "-c", 'approvals.mode="untrusted"']
    result = CliRunner().invoke(cli, [*args, *overrides], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert seen == {"root": workspace, "limit": 12345, "mode": "untrusted", "model": "stub-model"}


@pytest.mark.parametrize(
    "argv",
    [
        ["--workspace", ".", "plugins", "list"],
        ["-c", "agent.max_turns=3", "exec", "hi"],
        ["--config", "x.toml", "config", "show"],
    ],
)
def test_before_a_subcommand_they_are_a_clear_error(argv: list[str]) -> None:
    result = CliRunner().invoke(cli, argv)
    assert result.exit_code == 2
    assert "apply only to the TUI" in result.output and "vtcode plugins list --workspace DIR" in result.output


def test_a_missing_workspace_is_a_one_line_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["--workspace", str(tmp_path / "nope")])
    assert result.exit_code == 2 and "no such directory" in result.output
