"""How a session ended: the stop reason, a one-line detail, the final answer, and the exit status.

    finished     0    the model gave its final answer
    failed       1    the provider, the context or a tool stack failure stopped the session
    denied       4    the model stopped after its last action was refused (policy, a person, the audit log)
    limit        5    a limit stopped it (turns, tool calls per turn, wall time, tokens, repeated calls)
    interrupted  130  Ctrl-C (SIGINT): the current action was stopped and the session ended

2 stays what it is for every vtcode command: bad usage or configuration, nothing ran.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class StopReason(StrEnum):
    FINISHED = "finished"
    FAILED = "failed"
    DENIED = "denied"
    LIMIT = "limit"
    INTERRUPTED = "interrupted"


EXIT_STATUS: dict[StopReason, int] = {
    StopReason.FINISHED: 0,
    StopReason.FAILED: 1,
    StopReason.DENIED: 4,
    StopReason.LIMIT: 5,
    StopReason.INTERRUPTED: 130,
}


@dataclass(frozen=True)
class Outcome:
    reason: StopReason
    detail: str  # one line: which limit, what failed, what was refused
    answer: str  # the model's final answer ("" when it gave none)
    session_id: str
    turns: int
    tool_calls: int
    tokens: int  # input + output tokens of this run (provider usage, else the estimate)

    @property
    def exit_status(self) -> int:
        return EXIT_STATUS[self.reason]
