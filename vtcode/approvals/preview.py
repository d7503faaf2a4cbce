"""The change a file tool would make, as a unified diff: shown in the approval prompt (terminal and TUI)
before it runs and in the TUI's tool panel after. The current file is read through the jail, so a path
outside the workspace shows as unreadable instead of leaking its content into the screen.

Nothing a write would do goes unshown: a file too big to diff still shows what replaces it (its size,
digest, line count and first lines); an edit shows how many places change, on which lines, in a diff of
the whole file (so its hunk headers are the file's real line numbers); a long diff is capped with the
count of what was left out."""

from __future__ import annotations

import difflib
import hashlib
from typing import Any

from vtcode.errors import VtcodeError
from vtcode.workspace.jail import Jail

_LIMIT = 8 << 20  # bytes of the current file read for a diff; past that, the new content is shown instead
_MIDDLE = 256 * 1024  # bytes of differing middle handed to difflib (slow past it); past it, the new content
SHOWN_LINES = 2000  # lines of a diff kept for the screen; the terminal prompt shows fewer, saying so
SUMMARY_OVER = 40  # a diff longer than this (a terminal prompt's worth) starts with its counts
CONTENT_LINES = 200  # lines of new content shown when there is no diff
_WHERE = 20  # line numbers listed for an edit's places


def edit_diff(jail: Jail, tool: str, args: dict[str, Any]) -> str:
    path = args.get("path")
    if tool not in ("write_file", "edit_file") or not isinstance(path, str):
        return ""
    if tool == "edit_file":
        return _edit(jail, path, args)
    new = str(args.get("content", ""))
    try:
        data = jail.read_bytes(path, limit=_LIMIT + 1)
    except FileNotFoundError:
        data = b""
    except (VtcodeError, OSError) as exc:
        return f"(cannot read {path} for a diff: {exc}; the new content:)\n{_content(new)}"
    if len(data) > _LIMIT:
        return f"({path} is over {_LIMIT} bytes: no diff; it is replaced whole by:)\n{_content(new)}"
    try:
        return capped_diff(_unified(data.decode("utf-8", errors="replace"), new, path))
    except _TooBig:
        return f"({path}: the change is too big to diff; it is replaced whole by:)\n{_content(new)}"


def _edit(jail: Jail, path: str, args: dict[str, Any]) -> str:
    old, new = str(args.get("old", "")), str(args.get("new", ""))
    expected = args.get("expected_replacements", 1)
    snippets = "".join(difflib.unified_diff(old.splitlines(True), new.splitlines(True), n=0))
    try:
        data = jail.read_bytes(path, limit=_LIMIT + 1)
    except FileNotFoundError:
        return f"({path} does not exist: the edit will fail)\n"
    except (VtcodeError, OSError) as exc:
        return (f"(cannot read {path}: {exc}; expected_replacements={expected}; the snippets, lines "
                f"unknown:)\n" + _drop_hunk_headers(snippets))
    if len(data) > _LIMIT:
        return (f"({path} is over {_LIMIT} bytes: expected_replacements={expected}; the snippets, lines "
                f"unknown:)\n" + _drop_hunk_headers(snippets))
    before = data.decode("utf-8", errors="replace")
    lines = _occurrence_lines(before, old)
    where = ", ".join(map(str, lines[:_WHERE]))
    if len(lines) > _WHERE:
        where += f", … {len(lines) - _WHERE} more"
    places = f"{len(lines)} place{'' if len(lines) == 1 else 's'}"
    head = f"(changes {places}" + (f", at line{'' if len(lines) == 1 else 's'} {where}" if lines else "")
    head += f"; expected_replacements={expected}"
    if len(lines) != expected:
        return head + ": the counts differ, so the edit will fail and change nothing)\n"
    try:
        return head + ")\n" + capped_diff(_unified(before, before.replace(old, new), path))
    except _TooBig:
        return head + "; too big to diff, the snippets:)\n" + _drop_hunk_headers(snippets)


def _occurrence_lines(text: str, old: str) -> list[int]:
    """The line (1-based) each non-overlapping occurrence of `old` starts on, as str.replace finds them."""
    found: list[int] = []
    if not old:
        return found
    line, counted, at = 1, 0, text.find(old)
    while at != -1:
        line += text.count("\n", counted, at)
        counted = at
        found.append(line)
        at = text.find(old, at + len(old))
    return found


def _drop_hunk_headers(diff: str) -> str:
    # A diff of snippets has "@@ -1,n +1,m @@" headers that are not the file's lines: leave them out.
    keep = ("---", "+++", "@@")
    return "".join(line + "\n" for line in diff.splitlines() if not line.startswith(keep))


def _content(new: str) -> str:
    data = new.encode("utf-8", errors="surrogatepass")
    lines = new.splitlines()
    shown = "".join(f"+{line}\n" for line in lines[:CONTENT_LINES])
    rest = len(lines) - CONTENT_LINES
    more = f"[... {rest} more lines not shown; the digest covers them]\n" if rest > 0 else ""
    digest = hashlib.sha256(data).hexdigest()
    return f"[new content: {len(data)} bytes, {len(lines)} lines, sha256:{digest}]\n{shown}{more}"


def capped_diff(diff: str) -> str:
    """`diff` cut to SHOWN_LINES lines. A diff longer than a prompt shows starts with how many lines it
    adds and removes in all, so a line added after a thousand removed ones is not a surprise."""
    lines = diff.splitlines(keepends=True)
    if len(lines) <= SUMMARY_OVER:
        return diff
    added = sum(1 for line in lines if line.startswith("+") and not line.startswith("+++"))
    removed = sum(1 for line in lines if line.startswith("-") and not line.startswith("---"))
    summary = f"(this change adds {added} lines and removes {removed}, in {len(lines)} diff lines)\n"
    if len(lines) <= SHOWN_LINES:
        return summary + diff
    note = f"[... {len(lines) - SHOWN_LINES} more diff lines not shown: +{added} -{removed} lines in all]\n"
    return summary + "".join(lines[:SHOWN_LINES]) + note


def _unified(old: str, new: str, path: str) -> str:
    """A unified diff with the file's real line numbers. The lines both sides share at the start and end
    are set aside first (a 5 MB file with one line appended diffs in milliseconds), keeping 3 of context."""
    a, b = old.splitlines(keepends=True), new.splitlines(keepends=True)
    head = 0
    while head < len(a) and head < len(b) and a[head] == b[head]:
        head += 1
    tail = 0
    while tail < len(a) - head and tail < len(b) - head and a[-1 - tail] == b[-1 - tail]:
        tail += 1
    skip, keep_tail = max(0, head - 3), max(0, tail - 3)
    a_mid, b_mid = a[skip : len(a) - keep_tail], b[skip : len(b) - keep_tail]
    if sum(map(len, a_mid)) + sum(map(len, b_mid)) > _MIDDLE:
        raise _TooBig
    out = []
    for line in difflib.unified_diff(a_mid, b_mid, f"a/{path}", f"b/{path}"):
        if line.startswith("@@") and skip:
            line = _shift(line, skip)
        out.append(line if line.endswith("\n") else line + "\n")
    return "".join(out)


class _TooBig(Exception):
    """The differing middle of two files is too big to diff on the way to a prompt."""


def _shift(header: str, by: int) -> str:
    # "@@ -3,7 +3,8 @@" -> the same hunk `by` lines further down.
    minus, plus = header.split(" ")[1:3]

    def moved(part: str) -> str:
        start, _, count = part[1:].partition(",")
        return f"{part[0]}{int(start) + by}" + (f",{count}" if count else "")

    return f"@@ {moved(minus)} {moved(plus)} @@\n"
