"""Provider chain + OpenAI client overhead per streamed response, beside a raw httpx loop on the same stub.

The two are sampled alternately (one run of each, REPEAT times), so drift in the machine or the stub's
threads affects both medians alike."""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable

import httpx
from helpers.openai_stub import OpenAIStub, Reply, ToolCallReply
from measure import figure
from vtcode_hookspecs import ChatMessage, ChatRequest, ProviderSettings, ToolSpec
from vtcode_openai_compat.provider import OpenAICompatProvider

from vtcode.events import EventBus
from vtcode.providers import ChainEntry, ProviderChain

REPEAT = 40
TEXT = "word " * 200  # 250 text deltas of 4 characters
CALLS = [
    ToolCallReply("read_file", {"path": "src/app/main.py", "start_line": 1}),
    ToolCallReply("grep", {"q": "x"}),
]
OVERHEAD_TARGET_MS = 10.0  # chain + client + events per response, beyond a bare httpx SSE loop


def _request() -> ChatRequest:
    tool = ToolSpec(name="read_file", description="Read a file.", parameters={"type": "object"})
    return ChatRequest(model="stub-model", messages=[ChatMessage(role="user", content="go")], tools=[tool])


def _alternating(first: Callable[[], None], second: Callable[[], None]) -> tuple[float, float]:
    for _ in range(3):  # warm-up: connections, imports, caches
        first()
        second()
    samples: tuple[list[float], list[float]] = ([], [])
    for _ in range(REPEAT):
        for func, into in ((first, samples[0]), (second, samples[1])):
            start = time.perf_counter()
            func()
            into.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples[0]), statistics.median(samples[1])


def run() -> bool:
    request = _request()
    with OpenAIStub(default=Reply(text=TEXT, tool_calls=CALLS)) as stub:
        provider = OpenAICompatProvider().configure(ProviderSettings(name="bench", base_url=stub.base_url))
        chain = ProviderChain([ChainEntry("bench", provider, provider.settings)], EventBus(history_limit=64))
        body = {
            "model": "stub-model",
            "stream": True,
            "stream_options": {"include_usage": True},
            "messages": [{"role": "user", "content": "go"}],
            "tools": [{"type": "function", "function": request.tools[0].model_dump()}],
        }
        client = httpx.Client(trust_env=False)

        def through_chain() -> None:
            chunks = list(chain.chat(request))
            assert chunks[-1].finish_reason == "tool_calls"

        def raw_loop() -> None:
            with client.stream("POST", f"{stub.base_url}/chat/completions", json=body) as response:
                for line in response.iter_lines():
                    if line.startswith("data: ") and line != "data: [DONE]":
                        json.loads(line[6:])

        chain_ms, raw_ms = _alternating(through_chain, raw_loop)
        client.close()
        chain.close()
    overhead = chain_ms - raw_ms
    events = len(TEXT) // 4 + 10
    print(f"- one streamed response: ~{events} SSE events, 250 text deltas, 2 tool calls")
    met = figure(
        "chain + openai-compat client",
        chain_ms,
        "raw httpx SSE loop",
        raw_ms,
        f"overhead < {OVERHEAD_TARGET_MS:g} ms (was {overhead:.1f} ms)",
        overhead < OVERHEAD_TARGET_MS,
    )
    return met


if __name__ == "__main__":
    import sys

    sys.exit(0 if run() else 1)
