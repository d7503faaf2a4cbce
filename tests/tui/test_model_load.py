"""The TUI with LM Studio: the loaded model in the status bar (never "(server's first)"); none loaded ->
the offer (a list with size and context length), the person's pick loads it through /api/v1/models/load
with a progress screen, Esc loads nothing; notes about the model (no tool use) shown once. Driven through
Pilot here; tests/tui/test_model_load_pty.py drives the same through a real pty and key presses."""

from __future__ import annotations

from pathlib import Path

from helpers.lmstudio_stub import LMModel, LMStudioStub
from helpers.openai_stub import Reply
from helpers.tui import Driver, RunTui
from textual.widgets import Input, OptionList

from vtcode.tui.screens.load_model import LoadingScreen, LoadModelScreen
from vtcode.tui.widgets.chat import Notice


def lmstudio_overrides(base_url: str) -> tuple[str, ...]:
    return (
        'providers.chain=["lmstudio"]',
        f'providers.lmstudio.base_url="{base_url}"',
        "providers.retries=0",
    )


def notices(ui: Driver) -> list[str]:
    return [str(n.render()) for n in ui.app.query(Notice)]


def test_the_loaded_model_is_shown_and_used(workspace: Path, run_tui: RunTui) -> None:
    models = [LMModel("google/gemma-3-4b"), LMModel("qwen/qwen3-8b", loaded=32768)]
    with LMStudioStub(models, default=Reply(text="hello")) as lms:

        async def scenario(ui: Driver) -> None:
            await ui.loaded()
            assert ui.app.workbench is not None
            assert (ui.app.workbench.facts.model, ui.app.workbench.facts.model_state) == (
                "qwen/qwen3-8b",
                "ok",
            )
            assert not isinstance(ui.app.screen, LoadModelScreen)  # one is loaded: nothing to offer
            await ui.send("hi")
            await ui.idle()

        run_tui(scenario, overrides=lmstudio_overrides(lms.base_url))
        assert [c["model"] for c in lms.server.chat_requests] == ["qwen/qwen3-8b"]
        assert not lms.loads


def test_none_loaded_offers_a_list_and_loads_the_pick(workspace: Path, run_tui: RunTui) -> None:
    models = [
        LMModel("google/gemma-3-4b", tool_use=False, max_context_length=131072, size_bytes=3_034_755_901),
        LMModel("qwen/qwen3-8b", max_context_length=40960),
    ]
    with LMStudioStub(models, load_s=1.0, default=Reply(text="hello")) as lms:

        async def scenario(ui: Driver) -> None:
            await ui.until(lambda: isinstance(ui.app.screen, LoadModelScreen))
            options = ui.app.screen.query_one(OptionList)
            shown = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
            assert shown[0].startswith("google/gemma-3-4b") and "3.0 GB" in shown[0]
            assert (
                "up to 131,072 tokens" in shown[0]
                and "no tool use" in shown[0]
                and "loads with 32,768" in shown[0]
            )
            assert "up to 40,960" in shown[1] and "loads with 32,768" in shown[1]
            assert not lms.loads  # nothing before the pick
            await ui.press("down", "enter")
            await ui.until(lambda: isinstance(ui.app.screen, LoadingScreen))
            await ui.until(lambda: not isinstance(ui.app.screen, LoadingScreen), timeout=20)
            bench = ui.app.workbench
            assert bench is not None and (bench.facts.model, bench.facts.model_state) == (
                "qwen/qwen3-8b",
                "ok",
            )
            assert any(text.startswith("Loaded qwen/qwen3-8b in ") for text in notices(ui))
            await ui.send("hi")
            await ui.idle()

        run_tui(scenario, overrides=lmstudio_overrides(lms.base_url))
        assert lms.loads == [{"model": "qwen/qwen3-8b", "context_length": 32768}]
        assert [c["model"] for c in lms.server.chat_requests] == ["qwen/qwen3-8b"]


def test_escape_loads_nothing_and_the_next_prompt_offers_again(workspace: Path, run_tui: RunTui) -> None:
    with LMStudioStub([LMModel("qwen/qwen3-8b")]) as lms:

        async def scenario(ui: Driver) -> None:
            await ui.until(lambda: isinstance(ui.app.screen, LoadModelScreen))
            await ui.press("escape")
            await ui.until(lambda: any("Nothing was loaded" in t for t in notices(ui)))
            declined = next(t for t in notices(ui) if "Nothing was loaded" in t)
            assert "no model is loaded" in declined and "`lms load qwen/qwen3-8b`" in declined
            assert ui.app.workbench is not None and ui.app.workbench.facts.model == "(none loaded)"
            await ui.send("explain main.py")
            await ui.until(lambda: isinstance(ui.app.screen, LoadModelScreen))  # asked again, not sent
            await ui.press("escape")
            await ui.pilot.pause(0.2)
            assert ui.app.query_one("#prompt", Input).value == "explain main.py"  # the prompt is kept

        run_tui(scenario, overrides=lmstudio_overrides(lms.base_url))
        assert not lms.loads and "/api/v1/models/load" not in lms.paths("POST")
        assert not lms.server.chat_requests


def test_several_loaded_says_which_is_used_and_how_to_choose(workspace: Path, run_tui: RunTui) -> None:
    models = [LMModel("first/model", loaded=32768), LMModel("second/model", loaded=32768)]
    with LMStudioStub(models) as lms:

        async def scenario(ui: Driver) -> None:
            await ui.loaded()
            await ui.until(lambda: any("2 models are loaded" in t for t in notices(ui)))
            said = next(t for t in notices(ui) if "2 models are loaded" in t)
            assert "using first/model" in said and "--model" in said
            assert ui.app.workbench is not None and ui.app.workbench.facts.model == "first/model"

        run_tui(scenario, overrides=lmstudio_overrides(lms.base_url))


def test_a_model_without_tool_use_is_warned_about_once(workspace: Path, run_tui: RunTui) -> None:
    with LMStudioStub(
        [LMModel("google/gemma-3-4b", loaded=32768, tool_use=False)], default=Reply(text="x")
    ) as lms:

        async def scenario(ui: Driver) -> None:
            await ui.loaded()
            await ui.send("hi")
            await ui.idle()
            await ui.send("again")
            await ui.idle()
            warned = [t for t in notices(ui) if "does not advertise tool use" in t]
            assert len(warned) == 1 and "google/gemma-3-4b" in warned[0]

        run_tui(scenario, overrides=lmstudio_overrides(lms.base_url))


def test_a_failed_load_is_one_notice_and_the_ui_stays_up(workspace: Path, run_tui: RunTui) -> None:
    with LMStudioStub([LMModel("big/model", max_context_length=8192)]) as lms:
        lms.server.routes[("POST", "/api/v1/models/load")] = lambda _: (
            500,
            {"error": {"message": "Failed to load model: insufficient memory"}},
        )

        async def scenario(ui: Driver) -> None:
            await ui.until(lambda: isinstance(ui.app.screen, LoadModelScreen))
            await ui.press("enter")
            await ui.until(lambda: any("Loading big/model failed" in t for t in notices(ui)))
            failed = next(t for t in notices(ui) if "Loading big/model failed" in t)
            assert "insufficient memory" in failed and "\n" not in failed
            assert not isinstance(ui.app.screen, LoadingScreen)

        run_tui(scenario, overrides=lmstudio_overrides(lms.base_url))


def test_an_lm_studio_without_the_load_api_gets_the_one_line_fix_not_an_offer(
    workspace: Path, run_tui: RunTui
) -> None:
    with LMStudioStub([LMModel("qwen/qwen3-8b")], api="v0") as lms:

        async def scenario(ui: Driver) -> None:
            await ui.loaded()
            await ui.until(lambda: any("No model reachable" in t for t in notices(ui)))
            assert not isinstance(ui.app.screen, LoadModelScreen)
            assert any("`lms load qwen/qwen3-8b`" in t for t in notices(ui))

        run_tui(scenario, overrides=lmstudio_overrides(lms.base_url))
        assert not lms.paths("POST")
