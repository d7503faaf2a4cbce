"""Who answers a prompt. Headless: the controlling terminal, read from /dev/tty so that stdin and stdout
stay the agent's; with no terminal, nobody can consent, so the answer is deny."""

from __future__ import annotations

import os
from typing import TextIO

from .broker import Answer, ApprovalPrompt, os_identity

_KEYS = {"y": Answer.ONCE, "s": Answer.SESSION, "a": Answer.ALWAYS, "n": Answer.DENY}
_LABELS = {
    Answer.ONCE: "[y] allow once",
    Answer.SESSION: "[s] allow for this session",
    Answer.ALWAYS: "[a] always allow (saved)",
    Answer.DENY: "[n] deny",
}


class NoTerminal:
    """Non-interactive runs: a prompt decision becomes a denial."""

    @property
    def who(self) -> dict[str, str]:
        return {**os_identity(), "source": "no terminal: prompt means deny"}

    def ask(self, prompt: ApprovalPrompt) -> Answer:
        return Answer.DENY


class TerminalAsker:
    """Ask on the controlling terminal. Anything but an offered key is a denial."""

    def __init__(self, tty_path: str = "/dev/tty") -> None:
        self._tty_path = tty_path

    @property
    def who(self) -> dict[str, str]:
        identity = os_identity()
        identity["tty"] = _tty_name(self._tty_path) or identity["tty"]
        return {**identity, "source": "terminal"}

    def ask(self, prompt: ApprovalPrompt) -> Answer:
        try:
            tty: TextIO = open(self._tty_path, "r+", encoding="utf-8", errors="replace")  # noqa: SIM115
        except OSError:
            return Answer.DENY
        with tty:
            tty.write(render(prompt))
            tty.flush()
            reply = tty.readline().strip().lower()
        return _KEYS.get(reply[:1], Answer.DENY) if reply else Answer.DENY


def render(prompt: ApprovalPrompt) -> str:
    action = prompt.action
    lines = ["", "vtcode: approval needed"]
    if action.kind == "command":
        lines.append(
            f"  command: {action.shell if action.shell is not None else ' '.join(action.argv or ())}"
        )
        lines += [f"    runs: {' '.join(argv)}" for argv in prompt.commands]
    if action.tool:
        lines.append(f"  tool:    {action.tool}")
    if action.path:
        lines.append(f"  path:    {action.path} ({'write' if action.write else 'read'})")
    lines.append(f"  why:     {prompt.decision.reason} (rule {prompt.decision.rule})")
    lines.append(f"  digest:  {prompt.digest}")
    lines.append("  " + "  ".join(_LABELS[o] for o in prompt.offers) + " > ")
    return "\n".join(lines)


def _tty_name(path: str) -> str:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOCTTY)
    except OSError:
        return ""
    try:
        return os.ttyname(fd)
    finally:
        os.close(fd)
