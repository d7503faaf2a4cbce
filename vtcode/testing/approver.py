"""A person at the approval prompt, scripted: answers given in order, every prompt kept for asserts."""

from __future__ import annotations

from collections.abc import Iterable

from vtcode.approvals import Answer, ApprovalPrompt


class ScriptedApprover:
    """Answers prompts from a script ("allow-once", "allow-session", "deny"); once the script runs out,
    every answer is deny, as with nobody at the terminal. `prompts` records what was asked."""

    who = {"user": "test", "source": "vtcode.testing scripted approver"}

    def __init__(self, answers: Iterable[Answer | str] = ()) -> None:
        self._answers = [Answer(a) for a in answers]
        self.prompts: list[ApprovalPrompt] = []

    def ask(self, prompt: ApprovalPrompt) -> Answer:
        self.prompts.append(prompt)
        return self._answers.pop(0) if self._answers else Answer.DENY

    @property
    def remaining(self) -> int:
        return len(self._answers)
