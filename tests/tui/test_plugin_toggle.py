"""The plugins screen disables and enables a plugin in the user's own vtcode.toml: only `[plugins]
disabled` changes, a file it cannot edit safely is left alone, and the change applies at the next start."""

from __future__ import annotations

from pathlib import Path

from helpers.openai_stub import OpenAIStub
from helpers.tui import Driver, RunTui, stub_overrides
from textual.widgets import DataTable

from vtcode.config.disabled_plugins import user_config_file
from vtcode.plugins.signoff import Status
from vtcode.tui.screens.plugins import PluginsScreen

MINE = '# my settings\n[agent]\nmax_turns = 7  # keep me\n\n[plugins]\nthird_party = "approved"\n'


async def plugins_screen(ui: Driver, name: str) -> PluginsScreen:
    await ui.press("ctrl+p")
    screen = ui.app.screen
    assert isinstance(screen, PluginsScreen)
    table = screen.query_one(DataTable)
    names = [str(table.get_row_at(i)[0]) for i in range(table.row_count)]
    table.move_cursor(row=names.index(name))
    await ui.pilot.pause(0.05)
    return screen


def message(screen: PluginsScreen) -> str:
    return str(screen.query_one("#plugins-message").render())


def test_disable_then_enable_edits_only_that_key(workspace: Path, stub: OpenAIStub, run_tui: RunTui) -> None:
    mine = user_config_file()
    mine.parent.mkdir(parents=True, exist_ok=True)
    mine.write_text(MINE)

    async def disable(ui: Driver) -> None:
        await ui.loaded()
        screen = await plugins_screen(ui, "markdown_store")
        await ui.press("d")
        assert "disabled markdown_store" in message(screen) and "restarts" in message(screen)
        assert "disabled at next start" in str(screen.query_one(DataTable).get_row("markdown_store")[1])

    run_tui(disable, overrides=stub_overrides(stub.base_url))
    assert mine.read_text() == MINE.replace("[plugins]\n", '[plugins]\ndisabled = ["markdown_store"]\n')

    async def enable(ui: Driver) -> None:
        await ui.loaded()
        assert ui.app.workbench is not None
        records = {r.name: r for r in ui.app.workbench.runtime.plugins.records}
        assert records["markdown_store"].status is Status.DISABLED  # it took effect at this start
        screen = await plugins_screen(ui, "markdown_store")
        await ui.press("e")
        assert "enabled markdown_store" in message(screen) and "next start" in message(screen)

    run_tui(enable, overrides=stub_overrides(stub.base_url))
    assert mine.read_text() == MINE.replace("[plugins]\n", "[plugins]\ndisabled = []\n")


def test_a_file_it_cannot_edit_is_left_alone(workspace: Path, stub: OpenAIStub, run_tui: RunTui) -> None:
    async def scenario(ui: Driver) -> None:
        await ui.loaded()
        mine = user_config_file()  # broken after the session loaded: the edit must not make it worse
        mine.parent.mkdir(parents=True, exist_ok=True)
        mine.write_text("[plugins\n")
        screen = await plugins_screen(ui, "markdown_store")
        await ui.press("d")
        assert "not changed" in message(screen) and "malformed TOML" in message(screen)
        mine.write_text('plugins = { third_party = "approved" }\n')  # an inline table: no safe line edit
        await ui.press("d")
        assert "not changed" in message(screen) and "by hand" in message(screen)

    run_tui(scenario, overrides=stub_overrides(stub.base_url))
    assert user_config_file().read_text() == 'plugins = { third_party = "approved" }\n'
