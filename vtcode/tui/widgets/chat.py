"""The conversation: the user's prompts, the model's streamed markdown, and one collapsible panel per tool
call (arguments, diff, output, exit status, duration). Model text is made inert before it is shown:
markup in it is never interpreted (Content/Text, not console markup)."""

from __future__ import annotations

import json
from typing import Any

from rich.syntax import Syntax
from rich.text import Text
from textual.widgets import Collapsible, Markdown, Static

from vtcode.approvals.askers import shown
from vtcode.tui.inbox import ToolEnded, ToolStarted

_OUTPUT_SHOWN = 4_000  # characters of a tool's output kept on screen; the model got the whole capped output


class UserMessage(Static):
    def __init__(self, text: str) -> None:
        super().__init__(Text("> " + text), classes="user")


class Notice(Static):
    """A line from vtcode itself (not the model): errors, outcomes, hints."""

    def __init__(self, text: str, kind: str = "info") -> None:
        super().__init__(Text(text), classes=f"notice {kind}")


class AssistantMessage(Markdown):
    """Streamed markdown. Fragments are buffered and appended in batches by the app's pump, so a fast
    stream costs one re-render per frame, not one per token."""

    def __init__(self) -> None:
        super().__init__("", classes="assistant")
        self.text = ""
        self._live = False  # Markdown's own mount resets its document: fragments wait until then

    def add(self, fragment: str) -> None:
        self.text += fragment
        if self._live:
            self.append(fragment).call_next(self)  # in order, on this widget's queue

    def on_mount(self) -> None:
        # This handler runs before Markdown's own (which resets the document): go live after both.
        self.call_next(self._go_live)

    async def _go_live(self) -> None:
        shown = self.text
        await self.update(shown)
        self._live = True
        if self.text != shown:
            self.append(self.text[len(shown) :]).call_next(self)


class ToolPanel(Collapsible):
    def __init__(self, started: ToolStarted) -> None:
        self.call_id = started.call_id
        self.tool = started.name
        self.state = "running"
        self._head = f"{started.name} {_brief(started.arguments)}"
        self.output = Static("", classes="tool-output")
        parts: list[Static] = [
            Static(Text(shown(json.dumps(started.arguments, indent=1))), classes="tool-args")
        ]
        if started.diff:
            parts.append(
                Static(Syntax(started.diff, "diff", theme="ansi_dark", word_wrap=True), classes="diff")
            )
        parts.append(self.output)
        super().__init__(*parts, title=f"… {self._head}", collapsed=not started.diff, classes="tool")

    def finish(self, ended: ToolEnded) -> None:
        if ended.refused:
            self.state, mark = "denied", "✗ denied"
            self.add_class("denied")
            self.collapsed = False
        elif ended.ok:
            self.state, mark = "ok", "✓"
        else:
            self.state, mark = "failed", "✗ failed"
            self.add_class("failed")
        self.title = f"{mark} {self._head}  ({ended.duration_s:.2f}s)"
        text = ended.refused or ended.output
        if len(text) > _OUTPUT_SHOWN:
            text = text[:_OUTPUT_SHOWN] + f"\n[… {len(text) - _OUTPUT_SHOWN} more characters]"
        self.output.update(Text(shown_block(text)))


def shown_block(text: str) -> str:
    """Like `shown`, but a tool's output keeps its line breaks and tabs."""
    return "\n".join(shown(line.replace("\t", "    ")) for line in text.splitlines())


def _brief(arguments: dict[str, Any]) -> str:
    for key in ("command", "path", "query", "pattern"):
        value = arguments.get(key)
        if value:
            text = value if isinstance(value, str) else " ".join(map(str, value))
            return shown(text if len(text) <= 60 else text[:57] + "…")
    return ""
