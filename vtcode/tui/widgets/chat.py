"""The conversation: the user's prompts, the model's streamed markdown, and one collapsible panel per tool
call (arguments, diff, output, exit status, duration). Model text is made inert before it is shown:
markup in it is never interpreted (Content/Text, not console markup)."""

from __future__ import annotations

import json
from typing import Any, cast

from rich.syntax import Syntax
from rich.text import Text
from textual.content import Content
from textual.widgets import Collapsible, Markdown, Static

from vtcode.approvals.askers import shown
from vtcode.terminal import neutral_block
from vtcode.tui.inbox import ToolEnded, ToolStarted
from vtcode.tui.markdown import neutral_markdown

_OUTPUT_SHOWN = 4_000  # characters of a tool's output kept on screen; the model got the whole capped output
_LIVE_LINES = 12  # lines of a running command's output shown while it runs
_LIVE_TOOLS = frozenset({"run_command"})  # their panels open while they run, to show the output live


class UserMessage(Static):
    def __init__(self, text: str) -> None:
        super().__init__(Text("> " + neutral_block(text)), classes="user")


class Notice(Static):
    """A line from vtcode itself (not the model): errors, outcomes, hints."""

    def __init__(self, text: str, kind: str = "info") -> None:
        super().__init__(Text(neutral_block(text)), classes=f"notice {kind}")  # errors quote servers


class AssistantMessage(Markdown):
    """Streamed markdown. Fragments are buffered and appended in batches by the app's pump, so a fast
    stream costs one re-render per frame, not one per token."""

    def __init__(self) -> None:
        super().__init__("", classes="assistant", parser_factory=neutral_markdown)
        self.text = ""
        self._live = False  # Markdown's own mount resets its document: fragments wait until then

    def add(self, fragment: str) -> None:
        # Model text: escapes, bidi and zero-width characters become visible escapes before markdown
        # sees them (a lone CR too; a CRLF split across fragments shows its CR).
        fragment = neutral_block(fragment)
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
    """One tool call. A command's panel is open while it runs and shows its output live (the last lines);
    a file edit's shows its diff once: the tool's own copy of it is left out of the output below."""

    def __init__(self, started: ToolStarted) -> None:
        self.call_id = started.call_id
        self.tool = started.name
        self.state = "running"
        self.has_diff = bool(started.diff)
        self.live_bytes = 0
        self._head = f"{shown(started.name)} {_brief(started.arguments)}"
        self.output = Static("", classes="tool-output")
        parts: list[Static] = [
            Static(Text(arguments_text(started.arguments)), classes="tool-args")
        ]
        self.diff = Static(_diff_view(started.diff), classes="diff")
        if started.diff:
            parts.append(self.diff)
        parts.append(self.output)
        opened = self.has_diff or started.name in _LIVE_TOOLS
        # A title given as a str is Textual markup: the model's command (`[/]`, `[black on black]`,
        # `[@click=...]`) would be read as styles and actions, or crash the app. Content is literal.
        super().__init__(*parts, title=_literal(f"… {self._head}"), collapsed=not opened, classes="tool")

    def live(self, tail: str, total: int) -> None:
        """The running command's output so far: its last lines (the whole of it is in the result)."""
        if self.state != "running":
            return
        self.live_bytes = total
        lines = tail.splitlines()[-_LIVE_LINES:]
        self.output.update(Text(shown_block("\n".join(lines))))
        self.title = _literal(f"… {self._head}  (running, {total:,} bytes)")

    def finish(self, ended: ToolEnded) -> None:
        if ended.refused:
            self.state, mark = "denied", "✗ denied"
            self.add_class("denied")
            self.collapsed = False
        elif ended.interrupted:
            self.state, mark = "interrupted", "■ interrupted"
            self.add_class("failed")
        elif ended.ok:
            self.state, mark = "ok", "✓"
        else:
            self.state, mark = "failed", "✗ failed"
            self.add_class("failed")
        status = f"exit {ended.exit_code}, " if ended.exit_code is not None else ""
        self.title = _literal(f"{mark} {self._head}  ({status}{ended.duration_s:.2f}s)")
        text = ended.refused or ended.output
        if self.has_diff and ended.ok and not ended.refused:
            # The tool's own diff is what it did (with the file's line numbers): it replaces the one
            # computed before it ran, and is left out of the output below.
            text, applied = _split_diff(text)
            if applied:
                self.diff.update(_diff_view(applied))
            text = text or "applied: the change is the diff above"
        if len(text) > _OUTPUT_SHOWN:
            text = text[:_OUTPUT_SHOWN] + f"\n[… {len(text) - _OUTPUT_SHOWN} more characters]"
        self.output.update(Text(shown_block(text)))


def _literal(text: str) -> str:
    """A title shown as it is. Collapsible parses a str title as Textual markup; a Content is literal.
    Its annotation says str, but the title goes to CollapsibleTitle.label, which takes any ContentText."""
    return cast(str, Content(text))


def _split_diff(output: str) -> tuple[str, str]:
    """A file tool's result as (its summary, its unified diff)."""
    lines = output.splitlines(keepends=True)
    for number, line in enumerate(lines):
        if line.startswith("--- ") and number + 1 < len(lines) and lines[number + 1].startswith("+++ "):
            return "".join(lines[:number]).strip(), "".join(lines[number:])
    return output.strip(), ""


def _diff_view(diff: str) -> Syntax:
    return Syntax(neutral_block(diff), "diff", theme="ansi_dark", word_wrap=True)


def shown_block(text: str) -> str:
    """Like `shown`, but a tool's output keeps its line breaks and tabs."""
    return neutral_block(text)


def _brief(arguments: dict[str, Any]) -> str:
    for key in ("command", "path", "query", "pattern"):
        value = arguments.get(key)
        if value:
            text = value if isinstance(value, str) else " ".join(map(str, value))
            return shown(text if len(text) <= 60 else text[:57] + "…")
    return ""


ARG_LINES = 40  # lines of one multi-line argument shown in a panel (a file's content); the rest is counted


def arguments_text(arguments: dict[str, Any]) -> str:
    """A tool call's arguments as a person reads them: `key: value`, a multi-line string (a file's new
    content, a script) as its lines, indented, instead of one JSON string full of `\\n`."""
    lines: list[str] = []
    for key, value in arguments.items():
        if isinstance(value, str) and "\n" in value.rstrip("\n"):
            body = value.splitlines()
            lines.append(f"{shown(str(key))}:")
            lines += ["  " + shown(line.replace("\t", "    ")) for line in body[:ARG_LINES]]
            if len(body) > ARG_LINES:
                lines.append(f"  … {len(body) - ARG_LINES} more lines")
        else:
            text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
            lines.append(f"{shown(str(key))}: {shown(text)}")
    return "\n".join(lines)
