"""Drive the real TUI headless (App.run_test + Pilot) over the real stack, with the model played by the
scripted OpenAI-compatible server on 127.0.0.1 (helpers/openai_stub.py)."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from textual.pilot import Pilot
from textual.widgets import Input

from vtcode.tui.app import VtcodeApp

Scenario = Callable[["Driver"], Awaitable[None]]


def stub_overrides(base_url: str) -> tuple[str, ...]:
    return (
        'providers.chain=["openai-compat"]',
        f'providers.openai-compat.base_url="{base_url}"',
        'providers.openai-compat.model="stub-model"',
        "providers.retries=0",
    )


class Driver:
    """The app under test and its pilot, with waits that poll instead of sleeping a guessed time."""

    def __init__(self, app: VtcodeApp, pilot: Pilot[None]) -> None:
        self.app = app
        self.pilot = pilot

    async def until(self, condition: Callable[[], bool], timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {condition}")
            await self.pilot.pause(0.05)

    async def loaded(self) -> None:
        def ready() -> bool:
            bench = self.app.workbench
            return bench is not None and bench.facts.model_state != "loading"

        await self.until(ready)

    async def send(self, text: str) -> None:
        prompt = self.app.query_one("#prompt", Input)
        prompt.value = text
        prompt.focus()
        await self.pilot.press("enter")

    async def idle(self) -> None:
        await self.until(lambda: not self.app.busy)
        await self.pilot.pause(0.1)

    async def press(self, *keys: str) -> None:
        await self.pilot.press(*keys)

    def chat(self) -> list[object]:
        return list(self.app.query("#chat > *"))


RunTui = Callable[..., None]
