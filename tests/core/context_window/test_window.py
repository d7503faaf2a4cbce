"""Context management: a request never exceeds the model's window, whatever the transcript holds; large
outputs keep their head and tail; old turns go whole, the task and the latest turn stay."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from vtcode_hookspecs import ChatMessage, ToolCall, ToolSpec

from vtcode.context_window import ContextOverflow, context_budget, fit_messages, head_tail, request_tokens
from vtcode.context_window.budget import DEFAULT_WINDOW
from vtcode.context_window.tokens import estimate_tokens

SPEC = ToolSpec(name="read_file", description="Read a file.", parameters={"type": "object"})


def transcript(outputs: list[str], task: str = "the task") -> list[ChatMessage]:
    messages = [ChatMessage(role="system", content="system prompt"), ChatMessage(role="user", content=task)]
    for i, output in enumerate(outputs):
        messages.append(
            ChatMessage(
                role="assistant",
                tool_calls=[ToolCall(id=f"c{i}", name="read_file", arguments=f'{{"path": "f{i}"}}')],
            )
        )
        messages.append(ChatMessage(role="tool", content=output, tool_call_id=f"c{i}"))
    return messages


def test_head_tail_keeps_both_ends_and_says_how_much_was_cut() -> None:
    text = "START " + "x" * 10_000 + " END"
    cut, removed = head_tail(text, 500)
    assert cut.startswith("START") and cut.endswith("END") and len(cut.encode()) <= 500
    assert removed == len(text) - len(cut.encode()) + len(cut.split("\n")[1]) + 2
    assert f"{removed} bytes cut" in cut


@given(st.text(min_size=0, max_size=3_000), st.integers(min_value=120, max_value=4_000))
def test_head_tail_never_exceeds_its_limit_and_stays_valid_utf8(text: str, limit: int) -> None:
    cut, removed = head_tail(text, limit)
    assert len(cut.encode()) <= max(limit, len(text.encode()) if not removed else limit)
    assert (removed == 0) == (cut == text)


def test_budget_takes_the_smaller_window_and_reserves_the_reply() -> None:
    assert context_budget(None, 32_768, 4_096).window == 32_768
    assert context_budget(8_000, 32_768, 4_096).source == "config"
    assert context_budget(64_000, 32_768, 4_096).window == 32_768  # config cannot widen the model
    fallback = context_budget(None, None, 4_096)
    assert fallback.window == DEFAULT_WINDOW and fallback.reserve == DEFAULT_WINDOW // 4


def test_a_10_mb_tool_output_fits_a_small_window() -> None:
    budget = context_budget(4_096, None, 1_024)
    fitted = fit_messages(transcript(["y" * 10_000_000]), [SPEC], budget)
    assert fitted.tokens <= budget.input_tokens and fitted.truncated_bytes > 9_900_000
    assert "bytes cut from the middle" in fitted.messages[-1].content
    assert fitted.bytes < 4_096 * 3


def test_old_turns_are_dropped_whole_and_noted_after_the_task() -> None:
    budget = context_budget(4_096, None, 1_024)
    fitted = fit_messages(transcript(["z" * 2_000 for _ in range(20)]), [SPEC], budget)
    roles = [m.role for m in fitted.messages]
    assert roles[:3] == ["system", "user", "user"] and fitted.dropped > 0
    assert "earlier turn(s) were left out" in fitted.messages[2].content
    assert "read_file" in fitted.messages[2].content
    assert fitted.messages[-1].tool_call_id == "c19"  # the latest turn stays


def test_nothing_fits_is_an_error_not_an_oversized_request() -> None:
    huge = ToolSpec(name="x", description="d" * 40_000, parameters={})
    with pytest.raises(ContextOverflow, match="tool specs alone exceed"):
        fit_messages(transcript([]), [huge], context_budget(2_048, None, 512))


@settings(max_examples=60, deadline=None)
@given(
    outputs=st.lists(st.text(max_size=20_000), max_size=12),
    task=st.text(min_size=1, max_size=30_000),
    window=st.integers(min_value=1_024, max_value=16_384),
)
def test_a_request_never_exceeds_the_window(outputs: list[str], task: str, window: int) -> None:
    budget = context_budget(window, None, 4_096)
    messages = transcript(outputs, task)
    fitted = fit_messages(messages, [SPEC], budget)
    assert fitted.tokens == request_tokens(fitted.messages, [SPEC]) <= budget.input_tokens
    assert fitted.messages[0] == messages[0] and fitted.messages[1].role == "user"
    calls = {c.id for m in fitted.messages for c in m.tool_calls}
    assert all(m.tool_call_id in calls for m in fitted.messages if m.role == "tool")  # no orphan result


def test_estimate_is_conservative_for_ascii_and_cjk() -> None:
    assert estimate_tokens("abcd" * 300) >= 300  # ~4 bytes per token in real tokenizers
    assert estimate_tokens("漢字" * 100) >= 200  # ~1 token per CJK character
