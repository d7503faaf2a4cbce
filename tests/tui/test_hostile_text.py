"""The TUI shows server and model text as visible escapes, never raw, and never as markup: the "load a
model" screen (its reason and each model's line come from the server), and markdown, which decodes HTML
entities (`&#x202e;`, `&zwnj;`, `&rlm;`, `&ZeroWidthSpace;`, `&#8232;`) into the very characters the
neutraliser escaped in the model's text."""

from __future__ import annotations

from pathlib import Path

import regex
from helpers.lmstudio_stub import LMModel, LMStudioStub
from helpers.openai_stub import OpenAIStub, Reply
from helpers.tui import Driver, RunTui, stub_overrides
from textual.widgets import OptionList, Static

from vtcode.tui.markdown import neutral_markdown
from vtcode.tui.screens.load_model import LoadModelScreen
from vtcode.tui.widgets.chat import AssistantMessage

HIDDEN = regex.compile(r"[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}]")
ENTITIES = ("a &#x202e;b &#x200b; &zwnj; &rlm; &ZeroWidthSpace; &#8232; &#x1b; &#xfe0f; &#x180b; "
            "[link](http://x/&#x202e; \"t&#x202e;\") `code &#x202e;`\n\n```py&#x202e;\nx\n```\n")


def _hidden(text: str) -> list[str]:
    return [ch for ch in text if ch != "\n" and HIDDEN.match(ch)]


def test_markdown_entities_are_neutralised_after_decoding() -> None:
    def walk(tokens: list) -> list[str]:  # type: ignore[type-arg]
        out: list[str] = []
        for token in tokens:
            out += [token.content, token.info, *(str(v) for v in token.attrs.values())]
            out += walk(token.children or [])
        return out

    texts = walk(neutral_markdown().parse(ENTITIES))
    assert not _hidden("".join(texts)), texts
    assert "\\u202e" in "".join(texts)  # shown, as an escape


def test_a_streamed_answer_with_entities_renders_no_hidden_character(
    workspace: Path, run_tui: RunTui
) -> None:
    with OpenAIStub(default=Reply(text=ENTITIES)) as stub:

        async def scenario(ui: Driver) -> None:
            await ui.loaded()
            await ui.send("hi")
            await ui.idle()
            answer = ui.app.query(AssistantMessage).last()
            await ui.pilot.pause(0.3)
            blocks = [block for block in answer.query("*") if isinstance(block, Static)]
            rendered = "".join(str(block.render()) for block in blocks)
            rendered += "".join(str(getattr(block, "_content", "")) for block in answer.query("*"))
            assert "\\u202e" in rendered, rendered
            assert not _hidden(rendered), rendered

        run_tui(scenario, overrides=stub_overrides(stub.base_url))


def test_the_load_model_screen_shows_server_text_as_escapes(workspace: Path, run_tui: RunTui) -> None:
    hostile = "evil/m\x1b]0;PWNED\x07\u202e[bold red]x[/]\u200b"
    models = [LMModel(hostile, max_context_length=40960)]
    with LMStudioStub(models, load_s=0.1, default=Reply(text="hello")) as lms:

        async def scenario(ui: Driver) -> None:
            await ui.until(lambda: isinstance(ui.app.screen, LoadModelScreen))
            options = ui.app.screen.query_one(OptionList)
            prompt = str(options.get_option_at_index(0).prompt)
            assert "\\x1b]0;PWNED\\x07\\u202e[bold red]x[/]\\u200b" in prompt, prompt  # literal, not markup
            reason = str(ui.app.screen.query_one("#load-reason", Static).render())
            assert not _hidden(prompt) and not _hidden(reason), (prompt, reason)
            await ui.press("escape")

        run_tui(scenario, overrides=(
            'providers.chain=["lmstudio"]', f'providers.lmstudio.base_url="{lms.base_url}"',
            "providers.retries=0"))
