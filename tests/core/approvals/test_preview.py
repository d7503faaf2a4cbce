"""The diff an approval shows: the file's real line numbers even when the common start and end are set
aside for speed, checked against difflib's own diff of the whole files."""

from __future__ import annotations

import difflib

from hypothesis import given
from hypothesis import strategies as st

from vtcode.approvals.preview import _unified

LINES = st.lists(st.sampled_from(["a\n", "b\n", "c\n", "d\n", "e"]), max_size=40)


@given(LINES, LINES, LINES)
def test_the_shortened_diff_is_difflibs_diff_of_the_whole_files(head: list[str], a: list[str],
                                                                 b: list[str]) -> None:
    before, after = "".join(head + a), "".join(head + b)
    if before.endswith("e") or after.endswith("e"):  # a last line without "\n": keep the case simple
        return
    # Where several alignments are equally short, difflib over the whole files may pick another one than
    # difflib over the shortened middle: both are right. What must hold: applying the shown diff to the
    # old file gives the new one.
    assert _apply(before, _unified(before, after, "p")) == after
    if not head and not set(a) & set(b):  # nothing to align two ways: exactly difflib's own diff
        old, new = before.splitlines(True), after.splitlines(True)
        assert _unified(before, after, "p") == "".join(difflib.unified_diff(old, new, "a/p", "b/p"))


def _apply(text: str, diff: str) -> str:
    """A unified diff applied to `text` (hunk headers' old-file line numbers are trusted)."""
    import re

    lines = text.splitlines(True)
    out: list[str] = []
    at = 0
    body = diff.splitlines(True)[2:]
    i = 0
    while i < len(body):
        header = re.match(r"@@ -(\d+)(?:,(\d+))? \+\d+(?:,\d+)? @@", body[i])
        assert header, body[i]
        start = int(header.group(1)) - (0 if header.group(2) == "0" else 1)
        out += lines[at:start]
        at = start
        i += 1
        while i < len(body) and not body[i].startswith("@@"):
            line = body[i]
            if line.startswith((" ", "-")):
                assert lines[at] == line[1:], (lines[at], line)
                at += 1
            if line.startswith((" ", "+")):
                out.append(line[1:])
            i += 1
    return "".join(out + lines[at:])
