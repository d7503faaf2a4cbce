"""The openai-compat plugin against a real HTTP server: what it sends, and how deltas become chunks."""

from __future__ import annotations

import json

import pytest
from helpers.openai_stub import OpenAIStub, Reply, ToolCallReply
from vtcode_hookspecs import ChatMessage, ChatRequest, ProviderSettings, ToolCall, ToolSpec
from vtcode_openai_compat.provider import OpenAICompatProvider

READ = ToolSpec(
    name="read_file",
    description="Read a file.",
    parameters={"type": "object", "properties": {"path": {"type": "string"}}, "required": ["path"]},
)


def provider(stub: OpenAIStub, **settings: object) -> OpenAICompatProvider:
    return OpenAICompatProvider().configure(
        ProviderSettings(name="openai-compat", base_url=stub.base_url, **settings)
    )  # type: ignore[arg-type]


def request(*messages: ChatMessage, tools: list[ToolSpec] | None = None) -> ChatRequest:
    return ChatRequest(model="stub-model", messages=list(messages), tools=tools or [], max_tokens=256)


def test_sends_exact_openai_json_with_tools_and_history() -> None:
    history = [
        ChatMessage(role="system", content="be brief"),
        ChatMessage(role="user", content="read a.py"),
        ChatMessage(
            role="assistant", tool_calls=[ToolCall(id="c1", name="read_file", arguments='{"path":"a.py"}')]
        ),
        ChatMessage(role="tool", tool_call_id="c1", content="print(1)"),
    ]
    with OpenAIStub([Reply(text="ok")]) as stub:
        list(provider(stub, headers={"X-Team": "core"}).chat(request(*history, tools=[READ])))
    sent = stub.chat_requests[0]
    assert sent == {
        "model": "stub-model",
        "stream": True,
        "stream_options": {"include_usage": True},
        "max_tokens": 256,
        "messages": [
            {"role": "system", "content": "be brief"},
            {"role": "user", "content": "read a.py"},
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": "c1",
                        "type": "function",
                        "function": {"name": "read_file", "arguments": '{"path":"a.py"}'},
                    }
                ],
            },
            {"role": "tool", "content": "print(1)", "tool_call_id": "c1"},
        ],
        "tools": [{"type": "function", "function": READ.model_dump()}],
    }
    assert stub.requests[0].headers["x-team"] == "core"
    assert "authorization" not in stub.requests[0].headers


def test_text_reasoning_usage_and_finish_reason_stream_in_order() -> None:
    with OpenAIStub([Reply(text="hello there, world", reasoning="thinking hard", usage=(30, 9))]) as stub:
        chunks = list(provider(stub).chat(request(ChatMessage(role="user", content="hi"))))
    assert "".join(c.reasoning for c in chunks) == "thinking hard"
    assert "".join(c.text for c in chunks) == "hello there, world"
    assert sum(1 for c in chunks if c.text) > 3  # really streamed, not one blob
    last = chunks[-1]
    assert last.finish_reason == "stop"
    assert last.usage is not None and (last.usage.input_tokens, last.usage.output_tokens) == (30, 9)


# Without an index, interleaved fragments could not be told apart; no server sends that, so not tested.
@pytest.mark.parametrize(("interleave", "omit_index"), [(False, False), (True, False), (False, True)])
def test_tool_call_deltas_assemble_into_whole_calls(interleave: bool, omit_index: bool) -> None:
    calls = [
        ToolCallReply("read_file", {"path": "src/a.py"}, id="call_a"),
        ToolCallReply("grep", {"pattern": "def main", "path": "."}, id="call_b"),
        ToolCallReply("list_dir", {}, id="call_c"),
    ]
    reply = Reply(
        text="Let me look.", tool_calls=calls, piece=3, interleave=interleave, omit_index=omit_index
    )
    with OpenAIStub([reply]) as stub:
        chunks = list(provider(stub).chat(request(ChatMessage(role="user", content="go"), tools=[READ])))
    got = [c.tool_call for c in chunks if c.tool_call]
    assert [(t.id, t.name, json.loads(t.arguments)) for t in got] == [
        ("call_a", "read_file", {"path": "src/a.py"}),
        ("call_b", "grep", {"pattern": "def main", "path": "."}),
        ("call_c", "list_dir", {}),
    ]
    assert chunks[-1].finish_reason == "tool_calls"


def test_non_streaming_answer_gives_the_same_chunks() -> None:
    reply = Reply(text="whole", reasoning="why", tool_calls=[ToolCallReply("read_file", {"path": "a"})])
    with OpenAIStub([reply]) as stub:
        chunks = list(
            provider(stub, options={"stream": False}).chat(request(ChatMessage(role="user", content="x")))
        )
    assert stub.chat_requests[0]["stream"] is False
    assert [c.text for c in chunks if c.text] == ["whole"]
    assert [c.reasoning for c in chunks if c.reasoning] == ["why"]
    assert [c.tool_call.name for c in chunks if c.tool_call] == ["read_file"]
    assert chunks[-1].finish_reason == "tool_calls" and chunks[-1].usage is not None


def test_models_and_context_window_from_v1_models() -> None:
    with OpenAIStub(models=[{"id": "qwen", "max_model_len": 32768}, "tiny"]) as stub:
        models = provider(stub).models()
        health = provider(stub).health()
    assert [(m.id, m.context_length) for m in models] == [("qwen", 32768), ("tiny", None)]
    assert health.ok and "qwen" in health.detail


def test_api_key_is_sent_as_bearer_and_never_in_errors() -> None:
    from pydantic import SecretStr

    with OpenAIStub([Reply(text="ok")], api_key="sk-right") as stub:
        chunks = list(
            provider(stub, api_key=SecretStr("sk-right")).chat(request(ChatMessage(role="user", content="x")))
        )
        assert chunks[-1].finish_reason == "stop"
        assert stub.requests[0].headers["authorization"] == "Bearer sk-right"
        assert "sk-right" not in repr(provider(stub, api_key=SecretStr("sk-right")).settings)
