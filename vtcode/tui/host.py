"""What the TUI's parts ask of the app, declared once: the pump (pump.py), the actions behind the key
bindings (actions.py) and the model offer (model_load.py) take the app as a `PumpHost` or an `AppHost`
instead of importing `VtcodeApp`, so app.py imports them and none imports it back (issue 20: no import
circle, type-only ones included; tests/core/test_code_structure.py checks vtcode/tui module by module).

Textual's own methods (push_screen, run_worker, call_from_thread, notify, query_one) are declared loosely:
their overloads belong to textual, and `VtcodeApp` is a textual App.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from textual.screen import Screen
    from textual.widget import Widget
    from vtcode_hookspecs import Event

    from .inbox import Inbox
    from .workbench import Workbench


class PumpHost(Protocol):
    """What the pump needs: the inbox it drains, the chat it writes to, the status it refreshes."""

    @property
    def inbox(self) -> Inbox: ...

    workbench: Workbench | None  # (trusting the workspace drops it, to load again)

    @property
    def screen(self) -> Screen[Any]: ...

    def chat(self, widget: Widget) -> None: ...

    def finished(self) -> None: ...

    def refresh_status(self) -> None: ...


class EventPump(Protocol):
    """The pump as the actions see it: the events so far, drained on demand, and a new turn."""

    @property
    def events(self) -> list[Event]: ...

    def drain(self) -> None: ...

    def new_turn(self) -> None: ...


class AppHost(PumpHost, Protocol):
    """What the key bindings' actions and the model offer need: the workspace and its configuration, the
    session's state, and textual's screen and worker calls."""

    @property
    def root(self) -> Path: ...

    @property
    def config_files(self) -> Sequence[Path]: ...

    @property
    def overrides(self) -> Sequence[str]: ...

    @property
    def busy(self) -> str: ...

    @property
    def load_problem(self) -> str | None: ...

    @property
    def pump(self) -> EventPump: ...

    def load(self) -> Any: ...  # (a textual worker: loads the plugins and the workbench)

    def push_screen(self, *args: Any, **kwargs: Any) -> Any: ...

    def run_worker(self, *args: Any, **kwargs: Any) -> Any: ...

    def call_from_thread(self, *args: Any, **kwargs: Any) -> Any: ...

    def notify(self, *args: Any, **kwargs: Any) -> Any: ...

    def query_one(self, *args: Any, **kwargs: Any) -> Any: ...
