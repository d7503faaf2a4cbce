"""Token counting by estimate: one token per 3 UTF-8 bytes, rounded up, plus a fixed cost per message.

No tokenizer is used: none is exact for every model a provider may serve, and loading one costs start-up
time. Real BPE tokenizers average about 4 bytes per token on English and code, and about one token per
3-byte CJK character, so 3 bytes per token over-counts ordinary text by roughly a third: the safety margin
that keeps an estimated request inside the real window. Provider-reported usage, when it arrives, is what
the token limit (`agent.max_tokens`) counts.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from vtcode_hookspecs import ChatMessage, ToolSpec

BYTES_PER_TOKEN = 3
MESSAGE_OVERHEAD = 8  # role markers, separators and the tool-call framing chat templates add


def estimate_tokens(text: str) -> int:
    return -(-len(text.encode("utf-8", errors="replace")) // BYTES_PER_TOKEN)


def message_tokens(message: ChatMessage) -> int:
    total = MESSAGE_OVERHEAD + estimate_tokens(message.content)
    for call in message.tool_calls:
        total += MESSAGE_OVERHEAD + estimate_tokens(call.id) + estimate_tokens(call.name)
        total += estimate_tokens(call.arguments)
    return total


def tools_tokens(tools: Sequence[ToolSpec]) -> int:
    return sum(estimate_tokens(json.dumps(spec.model_dump(mode="json"))) for spec in tools)


def request_tokens(messages: Sequence[ChatMessage], tools: Sequence[ToolSpec]) -> int:
    return sum(message_tokens(m) for m in messages) + tools_tokens(tools)


def request_bytes(messages: Sequence[ChatMessage], tools: Sequence[ToolSpec]) -> int:
    """Bytes of the request as JSON: what the turn costs on the wire (the measure reported per turn)."""
    body = {
        "messages": [m.model_dump(mode="json", exclude_defaults=True) for m in messages],
        "tools": [t.model_dump(mode="json") for t in tools],
    }
    return len(json.dumps(body, ensure_ascii=False).encode("utf-8"))
