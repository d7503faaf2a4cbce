"""Who answers a prompt. Headless: the controlling terminal, read from /dev/tty so that stdin and stdout
stay the agent's; with no terminal, nobody can consent, so the answer is deny."""

from __future__ import annotations

import contextlib
import os
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vtcode.terminal import neutral, neutralised_count, terminal_gate

from .broker import Answer, ApprovalPrompt, os_identity

if TYPE_CHECKING:
    from vtcode.workspace.jail import Jail

_KEYS = {"y": Answer.ONCE, "s": Answer.SESSION, "w": Answer.WORKSPACE, "a": Answer.ALWAYS, "n": Answer.DENY}
_LABELS = {
    Answer.ONCE: "[y] allow once",
    Answer.SESSION: "[s] allow for this session",
    Answer.WORKSPACE: "[w] allow in this workspace (saved)",
    Answer.ALWAYS: "[a] always allow, every workspace (saved)",
    Answer.DENY: "[n] deny",
}
KEY_OF = {answer: key for key, answer in _KEYS.items()}


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
    """Ask on the controlling terminal; one key answers (no Enter). Anything but an offered key is a denial.

    Keys typed before the prompt was drawn are discarded first: a `y` typed ahead for another question
    must not answer this one. While the prompt is up, the terminal gate holds back every other writer.
    """

    def __init__(self, tty_path: str = "/dev/tty", *, jail: Jail | None = None) -> None:
        self._tty_path = tty_path
        self._jail = jail  # reads the file a write would change, for the diff

    @property
    def who(self) -> dict[str, str]:
        identity = os_identity()
        identity["tty"] = _tty_name(self._tty_path) or identity["tty"]
        return {**identity, "source": "terminal"}

    def ask(self, prompt: ApprovalPrompt) -> Answer:
        try:
            fd = os.open(self._tty_path, os.O_RDWR | os.O_NOCTTY | os.O_CLOEXEC)
        except OSError:
            return Answer.DENY
        try:
            for stream in (sys.stdout, sys.stderr):  # what came before is on screen before the prompt
                with contextlib.suppress(OSError, ValueError, AttributeError):
                    stream.flush()
            with terminal_gate.prompt(), terminal_gate.standard_streams():
                key = _ask_one_key(fd, render(prompt, preview(self._jail, prompt)))
        except OSError:
            return Answer.DENY
        finally:
            os.close(fd)
        answer = _KEYS.get(key.lower(), Answer.DENY) if len(key) == 1 else Answer.DENY
        return answer if answer in prompt.offers else Answer.DENY


def _ask_one_key(fd: int, text: str) -> str:
    """Draw the prompt whole, then read one key with echo and line editing off; the terminal's modes are
    restored however this ends (Ctrl-C still interrupts: signals stay on).

    A prompt taller than the terminal is shown a page at a time (`screen_pages`): the answers are offered
    on the last page only, so what runs cannot sit above the screen's top while a key allows it. A key
    counts as the answer only after QUIET_S without a key: letters typed while the prompt appeared are
    not an answer (`_read_answer`)."""
    import termios

    try:
        saved: list[Any] | None = termios.tcgetattr(fd)
    except termios.error:
        saved = None  # not a terminal (a test's file): read a line's first character
    try:
        if saved is not None:
            raw = termios.tcgetattr(fd)
            raw[3] &= ~(termios.ICANON | termios.ECHO)
            raw[6][termios.VMIN], raw[6][termios.VTIME] = 1, 0
            termios.tcsetattr(fd, termios.TCSANOW, raw)
            termios.tcflush(fd, termios.TCIFLUSH)  # typed ahead: not an answer to this question
        size = _terminal_size(fd) if saved is not None else None
        pages = screen_pages(text, *size) if size is not None else [text]
        _write_all(fd, _RESET.encode())
        for number, page in enumerate(pages[:-1], start=1):
            _write_all(fd, (page + f"\n-- page {number} of {len(pages)}: [space] next page  [n] deny -- ")
                       .encode("utf-8", errors="replace"))
            key = os.read(fd, 1).decode("ascii", errors="replace")
            _write_all(fd, b"\r\x1b[2K")
            if key not in (" ", "\r", "\n", "j"):
                _write_all(fd, b"(no answer)\n")
                return "n"
        _write_all(fd, pages[-1].encode("utf-8", errors="replace"))
        key = _read_answer(fd, timed=saved is not None)
        echoed = key if key.isprintable() and key.strip() else "(no answer)"
        _write_all(fd, f"{neutral(echoed)}\n".encode())
        return key
    finally:
        if saved is not None:
            termios.tcsetattr(fd, termios.TCSADRAIN, saved)


QUIET_S = 0.6  # no key for this long before a key counts as the answer (typing runs at 5-10 keys a second)


def _read_answer(fd: int, *, timed: bool) -> str:
    """One key, pressed after a quiet moment: a key within QUIET_S of the prompt being drawn or of the
    key before it (someone still typing something else) is dropped, and the prompt says so once."""
    import time

    last = time.monotonic()
    told = False
    while True:
        key = os.read(fd, 1).decode("ascii", errors="replace")
        now = time.monotonic()
        quiet, last = now - last >= QUIET_S, now
        if quiet or not timed or key == "":
            return key
        if not told:
            told = True
            _write_all(fd, b"\r\x1b[2K(a key typed while the prompt appeared is not an answer: stop typing, "
                           b"read it, then answer) > ")


def _terminal_size(fd: int) -> tuple[int, int] | None:
    try:
        columns, lines = os.get_terminal_size(fd)
    except OSError:
        return None
    return (lines, columns) if lines > 0 and columns > 0 else None


def _cells(text: str) -> int:
    """Cells a terminal may use for `text`, never fewer: ASCII takes one, anything else is counted as
    two (wide and East Asian ambiguous characters take two on some terminals). Counting too many only
    makes a page shorter; too few would let the prompt's top scroll off."""
    return len(text) if text.isascii() else sum(1 if ch.isascii() else 2 for ch in text)


def screen_pages(text: str, rows: int, columns: int) -> list[str]:
    """`text` cut into pages that each fit the terminal with one row to spare (for the next-page line):
    lines are wrapped by their width in cells (`_cells`, never fewer than the terminal uses), so no
    page is taller than the screen. One page when it fits."""
    width = max(columns - 1, 8)  # never write into the last column (terminals differ on its wrap)
    screen_rows: list[str] = []
    for line in text.split("\n"):
        if _cells(line) <= width:
            screen_rows.append(line)
            continue
        row: list[str] = []
        used = 0
        for ch in line:
            cells = _cells(ch)
            if used + cells > width:
                screen_rows.append("".join(row))
                row, used = [], 0
            row.append(ch)
            used += cells
        screen_rows.append("".join(row))
    per_page = max(rows - 1, 1)
    if len(screen_rows) <= per_page:
        return ["\n".join(screen_rows)]
    return ["\n".join(screen_rows[i : i + per_page]) for i in range(0, len(screen_rows), per_page)]


def _write_all(fd: int, data: bytes) -> None:
    while data:
        data = data[os.write(fd, data) :]


# End any string a terminal may still be collecting (OSC, DCS: they would swallow the prompt) and reset
# colours and hidden text, on a fresh line: vtcode's own sequences, never the model's.
_RESET = "\x1b\\\x1b[0m\r\n"
PREVIEW_LINES = 40
PREVIEW_LINE_CHARS = 160


def preview(jail: Jail | None, prompt: ApprovalPrompt) -> list[str]:
    """A write's diff (or new content), capped, as prompt lines; [] for anything else."""
    action = prompt.action
    if jail is None or action.kind != "tool" or not action.write or not action.tool:
        return []
    from .preview import edit_diff

    diff = edit_diff(jail, action.tool, dict(action.args))
    if not diff:
        content = action.args.get("content")
        if not isinstance(content, str):
            return []
        diff = "".join(f"+{line}\n" for line in content.splitlines())
    lines = diff.splitlines()
    shown_lines = []
    for line in lines[:PREVIEW_LINES]:
        safe = neutral(line)
        cut = len(safe) - PREVIEW_LINE_CHARS
        shown_lines.append(safe[:PREVIEW_LINE_CHARS] + (f" [+{cut} chars]" if cut > 0 else ""))
    if len(lines) > PREVIEW_LINES:
        shown_lines.append(f"[... {len(lines) - PREVIEW_LINES} more lines not shown; the digest covers them]")
    return shown_lines


def command_text(argv: Sequence[str]) -> str:
    """argv as a shell would need it typed: `["rm", "a b"]` and `["rm", "a", "b"]` never look alike."""
    return neutral(shlex.join(argv))


def render(prompt: ApprovalPrompt, change: Sequence[str] = ()) -> str:
    action = prompt.action
    lines = ["vtcode: approval needed"]
    if action.kind == "command":
        if action.shell is not None:
            lines.append(f"  command: {shown(action.shell)}")
        else:
            lines.append(f"  argv:    {command_text(action.argv or ())}")
        lines += [f"    runs: {command_text(argv)}" for argv in prompt.commands]
        if action.path:
            lines.append(f"  in:      {shown(action.path)}{_leads(prompt, action.path)}")
        lines += [f"  {label + ':':<8} {value}" for label, value in session_lines(action.args)]
    if action.tool:
        lines.append(f"  tool:    {shown(action.tool)}")
    if action.kind != "command" and action.path:
        lines.append(f"  path:    {shown(action.path)} ({'write' if action.write else 'read'})"
                     f"{_leads(prompt, action.path)}")
    for extra, written in action.extra_paths:
        lines.append(f"  path:    {shown(extra)} ({'write' if written else 'read'}){_leads(prompt, extra)}")
    if change:
        lines.append("  change:")
        lines += [f"    {line}" for line in change]
    lines.append(f"  why:     {shown(prompt.decision.reason)} (rule {shown(str(prompt.decision.rule))})")
    hidden = _hidden(prompt)
    if hidden:
        lines.append(f"  note:    {hidden} control or invisible characters are shown as \\x.. escapes")
    lines.append(f"  digest:  {prompt.digest}")
    for scope, rule in prompt.saves:
        lines.append(f"  [{KEY_OF[scope]}] saves: {shown(rule)}")
    lines.append("  " + "  ".join(_LABELS[o] for o in prompt.offers) + " > ")
    return "\n".join(lines)


def _leads(prompt: ApprovalPrompt, path: str) -> str:
    """Where a path that goes through a link really leads: the file that changes is that one."""
    for spelled, resolved in prompt.links:
        if spelled == path:
            return f"\n           -> a link: leads to {shown(resolved)}, the file this acts on"
    return ""


def _hidden(prompt: ApprovalPrompt) -> int:
    action = prompt.action
    texts = [action.shell or "", *(action.argv or ()), action.path or "", *(p for p, _ in action.extra_paths)]
    # A file's content is shown as lines (a diff): its line breaks and tabs are not escapes.
    texts += [v.replace("\r\n", "\n").replace("\n", "").replace("\t", "") for k, v in action.args.items()
              if isinstance(v, str) and v not in texts and k != "command"]
    return sum(neutralised_count(t) for t in texts)


def session_lines(args: dict[str, Any]) -> list[tuple[str, str]]:
    """What a shell session carries into this send (its directory, the variables earlier sends set), as
    (label, neutralised text): a send's meaning depends on it, and the send's own text does not show it."""
    from .carried import carried

    state = carried(args)
    if state is None:
        return []
    where, variables = state
    found = [("shell in", shown(where or "unknown") + " (where the session's shell is now)")]
    found += [("carries", shown(_carried(name, value))) for name, value in variables.items()]
    if not variables:
        found.append(("carries", "no variables set by earlier sends"))
    return found


def _carried(name: str, value: str) -> str:
    if name.endswith("()"):
        return f"function {name}"
    if name.endswith(" …"):
        return f"{name} {value}"
    return f"{name}={value}"


def shown(text: str) -> str:
    """Text from the model, made inert for a terminal (see vtcode/terminal/neutral.py)."""
    return neutral(text)


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
