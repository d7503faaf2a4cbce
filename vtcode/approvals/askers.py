"""Who answers a prompt. Headless: the controlling terminal, read from /dev/tty so that stdin and stdout
stay the agent's; with no terminal, nobody can consent, so the answer is deny."""

from __future__ import annotations

import os
import unicodedata
from pathlib import Path

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
        # Nobody was asked, so the record names no person and no terminal (the process's user is in
        # session.started): "deny by root (/dev/pts/0)" read as if someone at that terminal had refused.
        identity = os_identity()
        return {"uid": identity["uid"], "pid": identity["pid"], "source": "no terminal: prompt means deny"}

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
            # Unbuffered bytes: a text-mode "r+" open of a terminal fails (it is not seekable), which
            # would turn every prompt into a silent denial.
            fd = os.open(self._tty_path, os.O_RDWR | os.O_NOCTTY | os.O_CLOEXEC)
        except OSError:
            return Answer.DENY
        with open(fd, "r+b", buffering=0) as tty:
            try:
                tty.write(render(prompt).encode("utf-8", errors="replace"))
                reply = tty.readline(256).decode("utf-8", errors="replace").strip().lower()
            except OSError:
                return Answer.DENY
        # The whole reply must be one offered key: "sure" is not "s", and "a" where "always" was not
        # offered is not consent to anything.
        answer = _KEYS.get(reply, Answer.DENY)
        return answer if answer in prompt.offers else Answer.DENY


def render(prompt: ApprovalPrompt) -> str:
    action = prompt.action
    lines = ["", "vtcode: approval needed"]
    if action.kind == "command":
        command = action.shell if action.shell is not None else " ".join(action.argv or ())
        lines.append(f"  command: {shown(command)}")
        lines += [f"    runs: {shown(' '.join(argv))}" for argv in prompt.commands]
    if action.tool:
        lines.append(f"  tool:    {shown(action.tool)}")
    if action.path:
        lines.append(f"  path:    {shown(action.path)} ({'write' if action.write else 'read'})")
    lines.append(f"  why:     {shown(prompt.decision.reason)} (rule {shown(str(prompt.decision.rule))})")
    lines.append(f"  digest:  {prompt.digest}")
    lines.append("  " + "  ".join(_LABELS[o] for o in prompt.offers) + " > ")
    return "\n".join(lines)


def shown(text: str) -> str:
    """Text from the model, made inert for a terminal: control and format characters are escaped.

    A raw ESC, CR or newline in a command could move the cursor and repaint the prompt, and a bidi
    override could reorder it, so that the person approves `ls` while `rm -rf ~` runs.
    """
    return "".join(
        ch if ch == " " or unicodedata.category(ch)[0] not in "CZ" else ascii(ch)[1:-1] for ch in text
    )


def _tty_name(path: str) -> str:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOCTTY)
    except OSError:
        return ""
    try:
        name = os.ttyname(fd)
    finally:
        os.close(fd)
    # /dev/tty is an alias for "my terminal" and names nobody: the audit record wants the real device.
    return (_controlling_tty() or name) if name == "/dev/tty" else name


def _controlling_tty() -> str:
    """The controlling terminal's device path, from tty_nr in /proc/self/stat (Linux), or ""."""
    try:
        stat = Path("/proc/self/stat").read_text()
        tty_nr = int(stat[stat.rindex(")") + 2 :].split()[4])
    except (OSError, ValueError, IndexError):
        return ""
    for fd in (0, 1, 2):
        if os.isatty(fd) and os.fstat(fd).st_rdev == tty_nr:
            return os.ttyname(fd)
    major, minor = os.major(tty_nr), os.minor(tty_nr)
    if 136 <= major <= 143:  # Unix98 pseudo-terminals: /dev/pts/N
        return f"/dev/pts/{(major - 136) * 256 + minor}"
    return f"tty {major}:{minor}" if tty_nr else ""
