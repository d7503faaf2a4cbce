"""Plugins, audit trail (filtered), sessions (resume), quick open, untrusted banner + trust key, no model,
the light theme and 80x24."""

from __future__ import annotations

from pathlib import Path

from helpers.openai_stub import OpenAIStub, Reply, ToolCallReply, dead_url
from helpers.tui import Driver, RunTui, stub_overrides
from textual.widgets import DataTable, Input, OptionList

from vtcode.tui.screens.audit import AuditScreen
from vtcode.tui.screens.plugins import PluginsScreen
from vtcode.tui.screens.quick_open import FileScreen, QuickOpenScreen
from vtcode.tui.screens.sessions import SessionsScreen
from vtcode.tui.widgets.chat import Notice, ToolPanel, UserMessage
from vtcode.tui.widgets.status import StatusBar


def test_plugins_screen_lists_every_plugin(workspace: Path, stub: OpenAIStub, run_tui: RunTui) -> None:
    async def scenario(ui: Driver) -> None:
        await ui.loaded()
        await ui.press("ctrl+p")
        screen = ui.app.screen
        assert isinstance(screen, PluginsScreen)
        table = screen.query_one(DataTable)
        assert ui.app.workbench is not None
        assert table.row_count == len(ui.app.workbench.runtime.plugins.records)
        names = [str(table.get_row_at(i)[0]) for i in range(table.row_count)]
        assert "fs_tools" in names and "openai_compat" in names
        await ui.press("a")  # a built-in is signed off: nothing to approve, and it says so
        assert "nothing to approve" in str(screen.query_one("#plugins-message").render())
        await ui.press("escape")
        assert not isinstance(ui.app.screen, PluginsScreen)

    run_tui(scenario, overrides=stub_overrides(stub.base_url))


def test_audit_screen_filters_by_type(workspace: Path, stub: OpenAIStub, run_tui: RunTui) -> None:
    (workspace / "a.txt").write_text("a\n")
    stub.push(Reply(tool_calls=[ToolCallReply("read_file", {"path": "a.txt"})]), Reply(text="ok"))

    async def scenario(ui: Driver) -> None:
        await ui.loaded()
        await ui.send("read a")
        await ui.idle()
        await ui.press("ctrl+r")
        screen = ui.app.screen
        assert isinstance(screen, AuditScreen)
        table = screen.query_one(DataTable)
        assert table.row_count == len(screen.events) > 10
        assert screen.events[0].type == "session.started"
        await ui.press(*"tool.")
        types = [str(table.get_row_at(i)[2]) for i in range(table.row_count)]
        assert types == ["tool.started", "tool.finished"]
        screen.query_one(Input).value = "policy.decision"
        await ui.pilot.pause(0.1)
        assert table.row_count == 1

    run_tui(scenario, overrides=stub_overrides(stub.base_url))


def test_sessions_resume(workspace: Path, stub: OpenAIStub, run_tui: RunTui) -> None:
    stub.push(Reply(text="first answer"))

    async def scenario(ui: Driver) -> None:
        await ui.loaded()
        await ui.send("first question")
        await ui.idle()
        await ui.press("ctrl+s")
        screen = ui.app.screen
        assert isinstance(screen, SessionsScreen) and len(screen.sessions) == 1
        screen.query_one(OptionList).focus()
        await ui.press("enter")
        await ui.pilot.pause(0.2)
        assert isinstance(ui.app.query("#chat > *").first(), Notice)
        assert [str(u.render()) for u in ui.app.query(UserMessage)] == ["> first question"]

    run_tui(scenario, overrides=stub_overrides(stub.base_url))


def test_quick_open_finds_and_shows_a_file(workspace: Path, stub: OpenAIStub, run_tui: RunTui) -> None:
    (workspace / "src").mkdir()
    (workspace / "src" / "parser.py").write_text("def parse():\n    pass\n")
    (workspace / "README.md").write_text("hi\n")

    async def scenario(ui: Driver) -> None:
        await ui.loaded()
        await ui.press("ctrl+o")
        assert isinstance(ui.app.screen, QuickOpenScreen)
        await ui.press(*"prs")
        results = ui.app.screen.query_one(OptionList)
        await ui.until(lambda: results.option_count > 0)
        assert results.get_option_at_index(0).id == "src/parser.py"
        await ui.press("enter")
        await ui.until(lambda: isinstance(ui.app.screen, FileScreen))

    run_tui(scenario, overrides=stub_overrides(stub.base_url))


def test_untrusted_banner_and_trust_key(workspace: Path, stub: OpenAIStub, run_tui: RunTui) -> None:
    async def scenario(ui: Driver) -> None:
        await ui.loaded()
        banner = ui.app.query_one("#banner")
        assert banner.display and "Untrusted workspace" in str(banner.render())
        assert "untrusted" in str(ui.app.query_one(StatusBar).render())
        await ui.press("ctrl+t")
        await ui.loaded()
        assert ui.app.workbench is not None and ui.app.workbench.facts.trusted
        assert not banner.display
        assert (workspace / ".vt-workspace-trust").exists()

    run_tui(scenario, overrides=stub_overrides(stub.base_url), trusted=False)


def test_no_model_reachable_says_so_and_the_rest_works(workspace: Path, run_tui: RunTui) -> None:
    (workspace / "f.txt").write_text("x\n")

    async def scenario(ui: Driver) -> None:
        await ui.loaded()
        assert ui.app.workbench is not None and ui.app.workbench.facts.model_state == "unreachable"
        await ui.pilot.pause(0.1)
        notice = str(ui.app.query(Notice).first().render())
        assert "No model reachable" in notice and "providers" in notice
        await ui.send("hello?")
        await ui.idle()
        assert "no model reachable" in str(ui.app.query(Notice).last().render())
        await ui.send("!ls")
        await ui.idle()
        assert ui.app.query(ToolPanel).last().state == "ok"
        await ui.press("ctrl+p")
        assert isinstance(ui.app.screen, PluginsScreen)

    run_tui(scenario, overrides=stub_overrides(dead_url()))


def test_light_theme_and_80x24(workspace: Path, stub: OpenAIStub, run_tui: RunTui) -> None:
    stub.push(Reply(text="word " * 400))

    async def scenario(ui: Driver) -> None:
        await ui.loaded()
        await ui.send("talk")
        await ui.idle()
        await ui.pilot.resize_terminal(80, 24)
        await ui.pilot.pause(0.2)
        for selector in ("#prompt", "#status"):
            region = ui.app.query_one(selector).region
            assert region.width == 80 and region.y >= 0 and region.bottom <= 23, (selector, region)
        await ui.press("ctrl+l")
        assert ui.app.theme == "textual-light"

    run_tui(scenario, overrides=stub_overrides(stub.base_url))


def test_f1_and_question_mark_open_the_help(workspace: Path, stub: OpenAIStub, run_tui: RunTui) -> None:
    from textual.binding import Binding

    from vtcode.tui.app import VtcodeApp
    from vtcode.tui.screens.help import HelpScreen, key_label

    async def scenario(ui: Driver) -> None:
        await ui.loaded()
        for key in ("f1", "question_mark"):
            await ui.press(key)
            screen = ui.app.screen
            assert isinstance(screen, HelpScreen), key
            listed = " ".join(keys for keys, _ in screen.rows())
            for binding in VtcodeApp.BINDINGS:  # every key of the main screen is explained
                assert isinstance(binding, Binding)
                assert key_label(binding.key) in listed, binding.key
            await ui.press(key)  # the same key closes it
            assert not isinstance(ui.app.screen, HelpScreen)
        await ui.send("what is 2?")  # `?` in text being typed is a question mark
        assert not isinstance(ui.app.screen, HelpScreen)
        assert any(isinstance(w, UserMessage) and "what is 2?" in str(w.render()) for w in ui.chat())

    run_tui(scenario, overrides=stub_overrides(stub.base_url))
