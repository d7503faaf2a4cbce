"""The TUI's offer to load a model: the list, the person's pick (their consent), the load on a worker
thread with a progress screen, then the model in use and what to know about it. Nothing is loaded when
the person presses Esc, and nothing is ever loaded without this offer being answered."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .host import AppHost
    from .workbench import Workbench


def offer_load(app: AppHost, bench: Workbench, problem: str | None) -> None:
    from .screens.load_model import LoadingScreen, LoadModelScreen
    from .widgets.chat import Notice

    choices = bench.load_choices()
    reason = problem or f"{bench.facts.model} is not loaded on {bench.facts.provider}."

    def picked(model: str | None) -> None:
        if model is None:
            app.chat(Notice(f"Nothing was loaded. {reason}", "warn"))
            return
        info, window = next((m, w) for m, w in choices if m.id == model)
        screen = LoadingScreen(info, window)
        app.push_screen(screen)
        app.run_worker(lambda: _load(app, bench, model, screen), thread=True, group="load-model")

    app.push_screen(LoadModelScreen(bench.facts.provider, choices, reason), picked)


def _load(app: AppHost, bench: Workbench, model: str, screen: object) -> None:
    from vtcode_hookspecs import ProviderError

    from vtcode.errors import VtcodeError

    from .widgets.chat import Notice

    started = time.monotonic()
    try:
        notes = bench.load_model(model)
    except (ProviderError, VtcodeError) as exc:
        message = f"Loading {model} failed: {exc}"
        app.call_from_thread(_finish, app, screen, [Notice(message, "error")])
        return
    took = time.monotonic() - started
    notices = [Notice(f"Loaded {model} in {took:.1f}s: it answers from now on.", "info")]
    notices += [Notice(note, "warn") for note in notes]
    app.call_from_thread(_finish, app, screen, notices)


def _finish(app: AppHost, screen: object, notices: list[object]) -> None:
    from textual.screen import Screen
    from textual.widget import Widget

    if isinstance(screen, Screen) and screen.is_attached:
        screen.dismiss()
    for notice in notices:
        if isinstance(notice, Widget):
            app.chat(notice)
    app.refresh_status()
