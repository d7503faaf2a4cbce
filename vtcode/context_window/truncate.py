"""Head+tail truncation: a long output keeps its start (what ran, the first errors) and its end (the summary,
the exit status), with a note of how much was cut, so the model knows it did not see everything."""

from __future__ import annotations

NOTE = "\n[... vtcode: {cut} bytes cut from the middle to fit the context window ...]\n"


def head_tail(text: str, max_bytes: int) -> tuple[str, int]:
    """The text cut to at most `max_bytes` UTF-8 bytes (note included) and how many bytes were cut."""
    data = text.encode("utf-8", errors="replace")
    if len(data) <= max_bytes:
        return text, 0
    room = max(0, max_bytes - len(NOTE.format(cut=len(data)).encode()))
    head = room - room // 2
    tail = room // 2
    cut = len(data) - head - tail
    kept_head = data[:head].decode("utf-8", errors="ignore")
    kept_tail = data[len(data) - tail :].decode("utf-8", errors="ignore") if tail else ""
    return kept_head + NOTE.format(cut=cut) + kept_tail, cut
