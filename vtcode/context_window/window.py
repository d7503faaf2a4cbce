"""Fit a transcript into the model's window. The strategy, in order, until the request fits:

1. every tool result is cut head+tail to `tool_output_tokens` (an eighth of the input budget);
2. the oldest turns are dropped whole (an assistant message with its tool results, so no call is left
   without its result), never the system prompt, the task (first user message), the latest user message
   or the latest turn; one note after the task says how many were dropped and lists the calls they made;
3. tool results still present are cut harder (halving their allowance down to 64 tokens), then user
   messages the same way;
4. if the system prompt and tool specs alone do not fit, ContextOverflow: nothing is sent.

The stored session keeps everything; only the request is fitted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from vtcode_hookspecs import ChatMessage, ToolSpec

from .budget import ContextBudget
from .tokens import BYTES_PER_TOKEN, message_tokens, request_bytes, request_tokens, tools_tokens
from .truncate import head_tail

MIN_OUTPUT_TOKENS = 64
MAX_LISTED_CALLS = 20


class ContextOverflow(ValueError):
    """Even the smallest request (system prompt, tools, the task cut down) exceeds the window."""


@dataclass(frozen=True)
class Fitted:
    messages: list[ChatMessage]
    tokens: int  # estimated tokens of the request (messages + tool specs)
    bytes: int  # bytes of the request as JSON
    dropped: int  # messages left out
    truncated_bytes: int  # bytes cut from tool results and user messages


def fit_messages(messages: Sequence[ChatMessage], tools: Sequence[ToolSpec], budget: ContextBudget) -> Fitted:
    limit = budget.input_tokens
    if tools_tokens(tools) + sum(request_tokens([m], []) for m in messages if m.role == "system") > limit:
        raise ContextOverflow(
            f"the system prompt and tool specs alone exceed the model's window ({budget.window} tokens, "
            f"{budget.reserve} kept for the reply); raise agent.context_window or use a larger model"
        )
    fitted, cut = _cap_role(list(messages), "tool", budget.tool_output_tokens)
    groups = _groups(fitted)
    pinned = _pinned(groups)
    sizes = [sum(message_tokens(m) for m in g) for g in groups]
    fixed = tools_tokens(tools)
    dropped = 0
    turns = 0
    calls: list[str] = []
    while fixed + sum(sizes) + _note_tokens(turns, calls) > limit:
        victim = next((i for i, g in enumerate(groups) if g and i not in pinned), None)
        if victim is None:
            break
        dropped += len(groups[victim])
        turns += 1
        calls += [f"{c.name}({c.arguments[:60]})" for m in groups[victim] for c in m.tool_calls]
        groups[victim], sizes[victim] = [], 0
    fitted = _flatten(groups, _note(turns, calls))
    for role in ("tool", "user"):
        allowance = budget.tool_output_tokens
        while request_tokens(fitted, tools) > limit and allowance > MIN_OUTPUT_TOKENS:
            allowance = max(MIN_OUTPUT_TOKENS, allowance // 2)
            fitted, more = _cap_role(fitted, role, allowance)
            cut += more
    tokens = request_tokens(fitted, tools)
    if tokens > limit:
        raise ContextOverflow(
            f"the request needs about {tokens} tokens even cut down; the model's window allows {limit} "
            f"({budget.window} minus {budget.reserve} for the reply)"
        )
    return Fitted(fitted, tokens, request_bytes(fitted, tools), dropped, cut)


# -- internals ----------------------------------------------------------------------------------------


def _cap_role(messages: list[ChatMessage], role: str, tokens: int) -> tuple[list[ChatMessage], int]:
    out, cut = [], 0
    for message in messages:
        if message.role == role:
            text, removed = head_tail(message.content, tokens * BYTES_PER_TOKEN)
            if removed:
                message = message.model_copy(update={"content": text})
                cut += removed
        out.append(message)
    return out, cut


def _groups(messages: list[ChatMessage]) -> list[list[ChatMessage]]:
    """System messages, then one group per user message and per assistant message with its results."""
    groups: list[list[ChatMessage]] = []
    for message in messages:
        if message.role == "tool" and groups and groups[-1] and groups[-1][0].role == "assistant":
            groups[-1].append(message)
        else:
            groups.append([message])
    return groups


def _pinned(groups: list[list[ChatMessage]]) -> set[int]:
    pinned = {i for i, g in enumerate(groups) if g[0].role == "system"}
    users = [i for i, g in enumerate(groups) if g[0].role == "user"]
    if users:
        pinned |= {users[0], users[-1]}
    if groups:
        pinned.add(len(groups) - 1)
    return pinned


def _note(turns: int, calls: list[str]) -> ChatMessage | None:
    """The note standing in for dropped turns, or None when nothing was dropped."""
    if not turns:
        return None
    listed = "; ".join(calls[:MAX_LISTED_CALLS]) + (" ..." if len(calls) > MAX_LISTED_CALLS else "")
    text = (
        f"[vtcode: {turns} earlier turn(s) were left out to fit the model's context window"
        + (f"; they called: {listed}" if listed else "")
        + ". Call the tools again if you need their results.]"
    )
    return ChatMessage(role="user", content=text)


def _note_tokens(turns: int, calls: list[str]) -> int:
    note = _note(turns, calls)
    return 0 if note is None else message_tokens(note)


def _flatten(groups: list[list[ChatMessage]], note: ChatMessage | None) -> list[ChatMessage]:
    out: list[ChatMessage] = []
    pending = note
    for group in groups:
        out += group
        if pending is not None and group and group[0].role == "user":
            out.append(pending)  # right after the task, where the model reads what it is missing
            pending = None
    if pending is not None:
        out.append(pending)
    return out
