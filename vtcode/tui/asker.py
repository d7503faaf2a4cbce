"""The TUI's approver: the agent's thread asks, the UI thread shows the modal, the agent waits.

Nothing runs while the modal is open because the only thread that could run it is the one blocked here.
If the app goes away before an answer (quit, crash), the answer is deny: no answer is not consent.
"""

from __future__ import annotations

import concurrent.futures
from collections.abc import Callable

from vtcode.approvals import Answer, ApprovalPrompt
from vtcode.approvals.broker import os_identity

Show = Callable[[ApprovalPrompt, Callable[[Answer], None]], None]


class TuiAsker:
    def __init__(self, show: Show, schedule: Callable[[Callable[[], None]], None], alive: Callable[[], bool]):
        self._show = show  # runs on the UI thread: pushes the modal, calls back with the answer
        self._schedule = schedule  # thread-safe: hands a callable to the UI thread
        self._alive = alive

    @property
    def who(self) -> dict[str, str]:
        return {**os_identity(), "source": "tui"}

    def ask(self, prompt: ApprovalPrompt) -> Answer:
        answered: concurrent.futures.Future[Answer] = concurrent.futures.Future()

        def reply(answer: Answer) -> None:
            if not answered.done():
                answered.set_result(answer)

        try:
            self._schedule(lambda: self._show(prompt, reply))
        except RuntimeError:  # the app is not running any more
            return Answer.DENY
        while self._alive():
            try:
                answer = answered.result(timeout=0.1)
            except concurrent.futures.TimeoutError:
                continue
            return answer if answer in prompt.offers else Answer.DENY
        return Answer.DENY
