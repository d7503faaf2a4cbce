"""Fuzzy file open, through the file_search plugin's `search_files` tool when it is signed off (the core
never imports a plugin). The chosen file is shown read-only, read through the workspace jail."""

from __future__ import annotations

from collections.abc import Callable

from rich.syntax import Syntax
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from vtcode.errors import InvariantError
from vtcode.terminal import neutral, neutral_block

Search = Callable[[str], list[str]]


class QuickOpenScreen(ModalScreen[str | None]):
    BINDINGS = [Binding("escape", "dismiss(None)", "close"), Binding("down", "focus_list", show=False)]

    def __init__(self, search: Search | None) -> None:
        super().__init__(classes="picker")
        self._search = search

    def compose(self) -> ComposeResult:
        hint = (
            "type to find a file; Enter opens it"
            if self._search
            else ("quick open needs the file_search plugin (disabled or blocked: see ctrl+p)")
        )
        yield Input(placeholder=hint, id="open-query", disabled=self._search is None)
        yield OptionList(id="open-results")

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.value.strip():
            self._lookup(event.value.strip())

    def on_input_submitted(self) -> None:
        results = self.query_one(OptionList)
        if results.option_count:
            self.dismiss(str(results.get_option_at_index(results.highlighted or 0).id))

    def action_focus_list(self) -> None:
        self.query_one(OptionList).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    @work(thread=True, exclusive=True, group="quick-open")
    def _lookup(self, query: str) -> None:
        if self._search is None:
            raise InvariantError("quick open searched without a search function")
        paths = self._search(query)
        self.app.call_from_thread(self._show, paths)

    def _show(self, paths: list[str]) -> None:
        results = self.query_one(OptionList)
        results.clear_options()
        results.add_options([Option(Text(neutral(path)), id=path) for path in paths])  # repository names
        if paths:
            results.highlighted = 0


class FileScreen(Screen[None]):
    BINDINGS = [Binding("escape,q", "app.pop_screen", "back")]

    def __init__(self, path: str, text: str) -> None:
        super().__init__()
        self.path = path
        self.text = text

    def compose(self) -> ComposeResult:
        yield Static(Text(neutral(self.path)), classes="screen-title")
        with VerticalScroll():
            text = neutral_block(self.text)  # the repository's bytes: escapes in it would act on the terminal
            yield Static(Syntax(text, Syntax.guess_lexer(self.path, text), line_numbers=True))
