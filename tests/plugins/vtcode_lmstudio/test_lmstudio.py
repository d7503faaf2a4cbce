"""LM Studio: discovery and context windows from /api/v0/models, chat over its OpenAI API, and a message
that says how to start it when it is not running."""

from __future__ import annotations

import pytest
from helpers.openai_stub import OpenAIStub, Reply, ToolCallReply, dead_url
from vtcode_hookspecs import ChatMessage, ChatRequest, ProviderError, ProviderSettings
from vtcode_lmstudio.provider import DEFAULT_BASE_URL, LMStudioProvider

LMS_MODELS = [
    {"id": "text-embedding-nomic", "type": "embeddings", "state": "not-loaded", "max_context_length": 2048},
    {"id": "big-coder", "type": "llm", "state": "not-loaded", "max_context_length": 131072},
    {
        "id": "qwen2.5-coder-7b",
        "type": "llm",
        "state": "loaded",
        "max_context_length": 32768,
        "loaded_context_length": 8192,
    },
]


def lmstudio(url: str, **settings: object) -> LMStudioProvider:
    return LMStudioProvider().configure(ProviderSettings(name="lmstudio", base_url=url, **settings))  # type: ignore[arg-type]


def test_default_address_is_lm_studios(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LMSTUDIO_BASE_URL", raising=False)
    assert LMStudioProvider().wire.base_url == DEFAULT_BASE_URL == "http://127.0.0.1:1234/v1"
    monkeypatch.setenv("LMSTUDIO_BASE_URL", "http://127.0.0.1:4321/v1")
    assert LMStudioProvider().wire.base_url == "http://127.0.0.1:4321/v1"


def test_models_loaded_first_with_their_loaded_window_and_no_embeddings() -> None:
    with OpenAIStub(lmstudio_models=LMS_MODELS) as stub:
        models = lmstudio(stub.base_url).models()
    assert [(m.id, m.context_length) for m in models] == [("qwen2.5-coder-7b", 8192), ("big-coder", 131072)]


def test_configured_context_length_overrides_the_server() -> None:
    with OpenAIStub(lmstudio_models=LMS_MODELS) as stub:
        models = lmstudio(stub.base_url, model="big-coder", context_length=16000).models()
    assert ("big-coder", 16000) in [(m.id, m.context_length) for m in models]


def test_older_lm_studio_without_rest_api_falls_back_to_v1_models() -> None:
    with OpenAIStub(models=["only-model"]) as stub:
        assert [m.id for m in lmstudio(stub.base_url).models()] == ["only-model"]


def test_chat_streams_tool_calls_through_the_openai_api() -> None:
    reply = Reply(text="checking", tool_calls=[ToolCallReply("read_file", {"path": "a.py"})])
    with OpenAIStub([reply], lmstudio_models=LMS_MODELS) as stub:
        request = ChatRequest(model="qwen2.5-coder-7b", messages=[ChatMessage(role="user", content="hi")])
        chunks = list(lmstudio(stub.base_url).chat(request))
    assert stub.requests[-1].path == "/v1/chat/completions"
    assert [c.tool_call.name for c in chunks if c.tool_call] == ["read_file"]


def test_not_running_says_how_to_start_it() -> None:
    url = dead_url()
    provider = lmstudio(url)
    request = ChatRequest(model="m", messages=[ChatMessage(role="user", content="hi")])
    with pytest.raises(ProviderError) as info:
        list(provider.chat(request))
    message = str(info.value)
    assert info.value.kind == "connection"
    assert message.startswith(f"no server at {url}") and "lms server start" in message
    health = provider.health()
    assert not health.ok and "is LM Studio running?" in health.detail


def test_health_lists_models() -> None:
    with OpenAIStub(lmstudio_models=LMS_MODELS) as stub:
        health = lmstudio(stub.base_url).health()
    assert health.ok and "qwen2.5-coder-7b" in health.detail
