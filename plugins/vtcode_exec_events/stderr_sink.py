"""Events on stderr, one line each: stdout is reserved for the agent's output.

`[events] stderr = "human" | "jsonl"` reaches the sink as `SinkSettings.options["format"]` (`vtcode exec
--events jsonl` is a configuration layer like `-c events.stderr="jsonl"`).
"""

from __future__ import annotations

import sys
from typing import TextIO

from vtcode_hookspecs import Event, SinkSettings

from vtcode.api import describe, neutral, neutral_json_line, terminal_gate

# Which events a person watching the terminal wants to see by default; the rest go to the audit log.
_SHOWN = (
    "plugin.blocked", "error", "policy.decision", "approval.", "sandbox.", "provider.failover",
    "llm.reasoning", "tool.refused",  # the agent's stated reasons and what it was refused (vtcode exec)
    "config.notice",  # a setting that was ignored (a workspace trying to loosen one, an untrusted workspace)
)


class StderrSink:
    name = "stderr"
    delivery = "inline"  # in order with the prompts a person answers on the same terminal

    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = stream
        self.format = "human"

    @property
    def stream(self) -> TextIO:
        return self._stream or sys.stderr

    def configure(self, settings: SinkSettings) -> None:
        chosen = settings.options.get("format", "human")
        if chosen not in ("human", "jsonl"):
            raise ValueError(f"format must be 'human' or 'jsonl', not {chosen!r}")
        self.format = chosen

    def emit(self, event: Event) -> None:
        # Payloads carry what the model, the repository and servers wrote: every line is neutralised on its
        # way to the terminal (JSON stays the same JSON), and waits while an approval prompt is up.
        if self.format == "jsonl":
            self._write(neutral_json_line(event.to_line()))
        elif self.format == "human" and event.type.startswith(_SHOWN):
            if event.type.startswith("plugin."):
                detail = event.payload.get("reason") or event.payload.get("status", "")
                self._write(neutral(f"vtcode: {event.type} {event.payload.get('name', '')}: {detail}"))
            else:
                self._write(neutral(f"vtcode: {event.type}: {describe(event.type, event.payload)}"))

    def _write(self, line: str) -> None:
        terminal_gate.write(self.stream, line + "\n")

    def flush(self) -> None:
        self.stream.flush()

    def close(self) -> None:
        self.flush()
