"""Drains the inbox on the UI thread (20 times a second, and before an approval is shown): streamed text
in one batch per message, tool panels opened, fed a running command's output and closed, events to the
audit screen and status bar."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .inbox import Finished, Item, Seen, Text, ToolEnded, ToolOutput, ToolStarted

if TYPE_CHECKING:
    from vtcode_hookspecs import Event

    from .host import PumpHost
    from .widgets.chat import AssistantMessage, ToolPanel


class Pump:
    def __init__(self, app: PumpHost) -> None:
        self.app = app
        self.events: list[Event] = []
        self.panels: dict[str, ToolPanel] = {}
        self.message: AssistantMessage | None = None

    def new_turn(self) -> None:
        self.message = None

    def drain(self) -> None:
        items = self.app.inbox.drain()
        if items:
            self._handle(items)

    def _handle(self, items: list[Item]) -> None:
        # Imported on the first item, after the first frame: the widgets need vtcode's core.
        from .widgets.chat import Notice, ToolPanel

        pending = ""
        for item in items:
            if isinstance(item, Text):
                pending += item.text
                continue
            self._flush(pending)
            pending = ""
            if isinstance(item, ToolStarted):
                self.message = None  # text after a tool call is a new message, below its panel
                opened = ToolPanel(item)
                self.panels[item.call_id] = opened
                self.app.chat(opened)
            elif isinstance(item, ToolOutput):
                if (panel := self.panels.get(item.call_id)) is not None:
                    panel.live(*item.live.take())
            elif isinstance(item, ToolEnded):
                if (panel := self.panels.get(item.call_id)) is not None:
                    panel.finish(item)
            elif isinstance(item, Finished):
                self.message = None
                self.app.chat(Notice(item.summary, "error" if item.failed else "done"))
                self.app.finished()
            elif isinstance(item, Seen):
                self._seen(item.event)
        self._flush(pending)

    def _flush(self, text: str) -> None:
        from .widgets.chat import AssistantMessage

        if not text:
            return
        if self.message is None:
            self.message = AssistantMessage()
            self.app.chat(self.message)
        self.message.add(text)

    def _seen(self, event: Event) -> None:
        from .screens.audit import AuditScreen

        self.events.append(event)
        screen = self.app.screen
        if isinstance(screen, AuditScreen):
            screen.add(event)
        if event.type == "instructions.loaded":
            from vtcode.events.describe import describe

            from .widgets.chat import Notice

            self.app.chat(Notice(f"instructions: {describe(event.type, event.payload)}", "info"))
        if event.type == "hook.ran" and (event.payload.get("user_message") or event.payload.get("error")):
            from vtcode.events.describe import describe

            from .widgets.chat import Notice

            self.app.chat(Notice(f"hook: {describe(event.type, event.payload)}", "warn"))
        if event.type == "config.notice":
            from .widgets.chat import Notice

            self.app.chat(Notice(f"config: {event.payload.get('message', '')}", "warn"))
        bench = self.app.workbench
        if bench is None:
            return
        if event.type == "provider.failover":
            bench.facts.model_state = "failover"
            bench.facts.provider = str(event.payload.get("fallback", bench.facts.provider))
            self.app.refresh_status()
        elif event.type == "llm.response" and bench.facts.model_state == "unreachable":
            bench.facts.model_state = "ok"
            self.app.refresh_status()
