"""Which model a session uses: config first, else the server's loaded model (told which when several
are), an error with the fix when none is, the first listed when the server does not say; notes for a
model without tool use, one not loaded, and one loaded with a window too small for the agent."""

from __future__ import annotations

from pathlib import Path

import pytest
from vtcode_hookspecs import ModelInfo, ProviderError

from vtcode.providers.choice import LOAD_WINDOW, NoModelLoaded, choose_model, load_window


def m(id: str, **fields: object) -> ModelInfo:
    return ModelInfo(id=id, **fields)  # type: ignore[arg-type]


def test_configured_model_wins_even_over_a_loaded_one() -> None:
    choice = choose_model("lmstudio", "b", [m("a", loaded=True), m("b", loaded=False)])
    assert (choice.model, choice.how, choice.needs_load) == ("b", "configured", True)
    assert any("b is not loaded" in note for note in choice.notes)


def test_the_loaded_model_is_used_and_one_loaded_needs_no_note() -> None:
    choice = choose_model("lmstudio", None, [m("a", loaded=False), m("b", loaded=True, tool_use=True)])
    assert (choice.model, choice.how, choice.notes) == ("b", "loaded", ())


def test_several_loaded_says_which_was_picked_and_how_to_choose() -> None:
    listed = [m("a", loaded=True, tool_use=True), m("b", loaded=True, tool_use=True), m("c", loaded=False)]
    choice = choose_model("lmstudio", None, listed)
    assert choice.model == "a"
    (note,) = choice.notes
    assert (
        "2 models are loaded (a, b); using a" in note
        and "--model" in note
        and "[providers.lmstudio] model" in note
    )


def test_none_loaded_is_one_line_with_the_fix_and_what_could_be_loaded() -> None:
    listed = [m(f"model-{i}", loaded=False) for i in range(5)]
    with pytest.raises(NoModelLoaded) as info:
        choose_model("lmstudio", None, listed)
    message = str(info.value)
    assert "\n" not in message and info.value.kind == "not_found"
    assert "no model is loaded (5 downloaded: model-0, model-1, model-2, …)" in message
    assert "`lms load model-0`" in message and "allow_load = true" in message
    assert info.value.available == listed


def test_a_server_that_does_not_say_what_is_loaded_gets_its_first_listed() -> None:
    choice = choose_model("openai-compat", None, [m("x"), m("y")])
    assert (choice.model, choice.how, choice.notes) == ("x", "listed", ())


def test_nothing_listed_and_nothing_configured_is_an_error() -> None:
    with pytest.raises(ProviderError, match=r"no model configured and the server lists none"):
        choose_model("lmstudio", None, [])


@pytest.mark.parametrize("how", ["configured", "loaded", "listed"])
def test_a_model_without_tool_use_is_warned_about_with_what_to_do(how: str) -> None:
    model = m("gemma", loaded=None if how == "listed" else True, tool_use=False)
    choice = choose_model("lmstudio", "gemma" if how == "configured" else None, [model])
    warnings = [n for n in choice.notes if "does not advertise tool use" in n]
    assert len(warnings) == 1 and "`vtcode models`" in warnings[0] and "--model" in warnings[0]


def test_unknown_tool_use_is_not_warned_about() -> None:
    assert choose_model("lmstudio", None, [m("x", loaded=True, tool_use=None)]).notes == ()


def test_a_small_loaded_window_says_how_to_reload() -> None:
    choice = choose_model("lmstudio", None, [m("q", loaded=True, tool_use=True, context_length=4096)])
    (note,) = choice.notes
    assert "4,096-token window" in note and f"--context-length {LOAD_WINDOW}" in note


def test_load_window_is_config_or_default_never_above_the_maximum() -> None:
    assert load_window(m("a", max_context_length=131072), None) == LOAD_WINDOW
    assert load_window(m("a", max_context_length=8192), None) == 8192
    assert load_window(m("a", max_context_length=131072), 65536) == 65536
    assert load_window(m("a"), 20000) == 20000


def test_a_model_loaded_on_request_is_used_with_its_new_window(tmp_path: Path) -> None:
    """After a load, the chain uses the loaded model and the window it was loaded with, not a window
    remembered from an earlier, smaller load."""
    from helpers.lmstudio_stub import LMModel, LMStudioStub
    from vtcode_hookspecs import ProviderSettings
    from vtcode_lmstudio.provider import LMStudioProvider

    from vtcode.agent.connect import load_chosen
    from vtcode.providers.chain import ChainEntry
    from vtcode.providers.windows import WindowCache

    windows = WindowCache(tmp_path / "w.json")
    with LMStudioStub([LMModel("q/q", max_context_length=65536)]) as lms:
        settings = ProviderSettings(name="lmstudio", base_url=lms.base_url)
        entry = ChainEntry("lmstudio", LMStudioProvider(settings), settings, windows=windows)
        windows.put(entry._window_key("q/q"), 4096)  # from a load at LM Studio's default
        with pytest.raises(NoModelLoaded) as info:
            entry.choose()
        said: list[str] = []
        choice = load_chosen(entry, info.value.available[0], None, said.append)
        assert lms.loads == [{"model": "q/q", "context_length": LOAD_WINDOW}]
    assert (choice.model, choice.notes) == ("q/q", ())
    assert entry.settings.model == "q/q" and entry.context_length("q/q") == LOAD_WINDOW
    assert said[0].startswith("loading q/q on lmstudio (4.7 GB, 32,768-token window)") and said[1].startswith(
        "loaded q/q in "
    )
