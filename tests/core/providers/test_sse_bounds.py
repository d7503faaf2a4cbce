"""Every part of a streamed reply counts against the reply cap, and one server-sent event is bounded:
tool-call names, ids and finish reasons as well as text and arguments (16,000 calls with 60 KB names
once reached 2.9 GB RSS), and `data:` lines of an event that never ends (1 GB once reached 1.95 GB)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from vtcode_hookspecs import ProviderError

from vtcode.providers.wire.sse import StreamAssembler, iter_sse_data


def _endless_data_lines() -> Iterator[str]:
    while True:
        yield "data: " + "x" * 1000


def test_one_event_of_endless_data_lines_is_stopped_at_the_cap() -> None:
    events = iter_sse_data(_endless_data_lines(), max_event=1 << 20)
    with pytest.raises(ProviderError, match="server-sent event passed"):
        next(events)


def test_events_under_the_cap_pass_whole() -> None:
    lines = ["data: a", "data: b", "", ": comment", "data: c", ""]
    assert list(iter_sse_data(lines, max_event=10)) == ["a\nb", "c"]


def _call(index: int, *, name: str = "", call_id: str = "") -> dict[str, object]:
    return {"choices": [{"index": 0, "delta": {"tool_calls": [
        {"index": index, "id": call_id, "function": {"name": name, "arguments": ""}}]}}]}


@pytest.mark.parametrize("part", ["name", "id", "count", "repeated-name", "finish"])
def test_every_part_of_a_reply_counts_against_the_cap(part: str) -> None:
    assembler = StreamAssembler(max_bytes=1 << 20)

    def event(index: int) -> dict[str, object]:
        if part == "name":
            return _call(index, name="n" * 60_000)
        if part == "id":
            return _call(index, name="f", call_id="i" * 60_000)
        if part == "count":
            return _call(index, name="f")
        if part == "repeated-name":
            return _call(0, name="n" * 60_000)
        return {"choices": [{"index": 0, "delta": {}, "finish_reason": "r" * 60_000}]}

    def feed_all() -> None:
        for index in range(100_000):
            list(assembler.feed(event(index)))

    with pytest.raises(ProviderError, match="passed"):
        feed_all()
    assert assembler.received <= (1 << 20) + 60_000 + 100
