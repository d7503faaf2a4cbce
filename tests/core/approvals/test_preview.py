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
    expected = "".join(difflib.unified_diff(before.splitlines(True), after.splitlines(True), "a/p", "b/p"))
    assert _unified(before, after, "p") == expected
