"""Offer to load a model when the server has none loaded (LM Studio): the person picks one from a list
with its size, context length and tool use, or presses Esc and nothing is loaded. While it loads, a
progress screen: LM Studio's load endpoint answers only when the model is in memory, so the display is
the time so far against the size being read, not a percentage it does not report."""

from __future__ import annotations

import time

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import ModalScreen
from textual.widgets import OptionList, ProgressBar, Static
from textual.widgets.option_list import Option
from vtcode_hookspecs import ModelInfo

from vtcode.terminal import neutral, neutral_block


def describe(model: ModelInfo, window: int) -> str:
    size = f"{model.size_bytes / 1e9:.1f} GB" if model.size_bytes else "size ?"
    maximum = f"up to {model.max_context_length:,} tokens" if model.max_context_length else "window ?"
    tools = {True: "tool use", False: "no tool use", None: "tool use ?"}[model.tool_use]
    return f"{model.id}  ·  {size}  ·  {maximum}  ·  {tools}  ·  loads with {window:,}"


class LoadModelScreen(ModalScreen[str | None]):
    """Returns the id the person picked, or None (Esc): no consent, nothing is loaded."""

    BINDINGS = [Binding("escape", "dismiss(None)", "don't load")]

    def __init__(self, where: str, models: list[tuple[ModelInfo, int]], reason: str) -> None:
        super().__init__(classes="picker")
        self.where = where
        self.models = models
        self.reason = reason

    def compose(self) -> ComposeResult:
        yield Static(
            Text(
                f"Load a model on {neutral(self.where)}? Enter loads the one picked · Esc loads nothing",
                style="bold",
            ),
            classes="screen-title",
        )
        yield Static(Text(neutral_block(self.reason)), id="load-reason")  # the server's words
        yield OptionList(
            *(Option(Text(neutral(describe(model, window))), id=model.id) for model, window in self.models),
            id="load-list",
        )

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)


class LoadingScreen(ModalScreen[None]):
    """Shown while the load runs on a worker thread; the app dismisses it when the load ends."""

    BINDINGS = [Binding("escape", "noop", "", show=False)]  # a load cannot be taken back half-way

    def __init__(self, model: ModelInfo, window: int) -> None:
        super().__init__(classes="picker")
        self.model = model
        self.window = window
        self.started = time.monotonic()

    def compose(self) -> ComposeResult:
        size = f" ({self.model.size_bytes / 1e9:.1f} GB)" if self.model.size_bytes else ""
        yield Static(
            Text(f"Loading {neutral(self.model.id)}{size} with a {self.window:,}-token window", style="bold"),
            classes="screen-title",
        )
        yield ProgressBar(total=None, show_eta=False, id="load-progress")
        yield Static("", id="load-elapsed")

    def on_mount(self) -> None:
        self.set_interval(0.25, self.tick)
        self.tick()

    def tick(self) -> None:
        elapsed = time.monotonic() - self.started
        self.query_one("#load-elapsed", Static).update(
            f"loading… {elapsed:.0f}s (LM Studio reads the model into memory; it answers when done)"
        )

    def action_noop(self) -> None:
        pass
