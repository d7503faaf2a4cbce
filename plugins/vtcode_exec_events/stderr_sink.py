"""Events on stderr, one line each: stdout is reserved for the agent's output."""

from __future__ import annotations

import json
import os
import sys
from typing import TextIO

from vtcode_hookspecs import Event

# Which events a person watching the terminal wants to see by default; the rest go to the audit log.
_SHOWN = ("plugin.blocked", "error", "policy.decision", "approval.", "sandbox.", "provider.failover")


class StderrSink:
    name = "stderr"

    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = stream
        self.format = os.environ.get("VTCODE_EVENTS", "human")

    @property
    def stream(self) -> TextIO:
        return self._stream or sys.stderr

    def emit(self, event: Event) -> None:
        if self.format == "jsonl":
            self.stream.write(event.model_dump_json(by_alias=True) + "\n")
        elif self.format == "human" and event.type.startswith(_SHOWN):
            detail = event.payload.get("reason") or event.payload.get("message") or json.dumps(event.payload)
            name = event.payload.get("name", "")
            self.stream.write(f"vtcode: {event.type} {name}: {detail}\n".replace("  ", " "))

    def flush(self) -> None:
        self.stream.flush()

    def close(self) -> None:
        self.flush()
