"""The scrolling conversation container (Textual only: it is on screen before vtcode's core loads)."""

from __future__ import annotations

from textual.containers import VerticalScroll
from textual.widget import Widget


class ChatLog(VerticalScroll):
    """Keeps to the bottom while the user has not scrolled up."""

    def add(self, widget: Widget) -> None:
        follow = self.is_vertical_scroll_end or self.max_scroll_y == 0
        self.mount(widget)
        if follow:
            self.call_after_refresh(self.scroll_end, animate=False)
