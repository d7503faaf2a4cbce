"""LM Studio: its v1 REST API first, then v0, then /v1/models, detected once per server and remembered;
loaded state, windows and tool use from whichever answered; loading through /api/v1/models/load; API
tokens; chat over its OpenAI API; and a message that says how to start it when it is not running."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest
from helpers.lmstudio_stub import LMModel, LMStudioStub
from helpers.openai_stub import OpenAIStub, Reply, ToolCallReply, dead_url
from pydantic import SecretStr
from vtcode_hookspecs import ChatMessage, ChatRequest, ModelLoader, ProviderError, ProviderSettings
from vtcode_lmstudio.memo import FILE, ApiMemo
from vtcode_lmstudio.provider import DEFAULT_BASE_URL, LMStudioProvider

from vtcode.paths import user_cache_dir

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


def library() -> list[LMModel]:
    return [
        LMModel("text-embedding-nomic-embed-text-v1.5", type="embedding", max_context_length=2048),
        LMModel("google/gemma-3-4b", tool_use=False, max_context_length=131072, size_bytes=3_034_755_901),
        LMModel("qwen/qwen3-8b", loaded=16384, max_context_length=40960),
    ]


def lmstudio(url: str, **settings: object) -> LMStudioProvider:
    return LMStudioProvider().configure(ProviderSettings(name="lmstudio", base_url=url, **settings))  # type: ignore[arg-type]


def memo_file() -> dict[str, list[object]]:
    return json.loads((user_cache_dir() / FILE).read_text())  # type: ignore[no-any-return]


def test_default_address_is_lm_studios(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LMSTUDIO_BASE_URL", raising=False)
    assert LMStudioProvider().wire.base_url == DEFAULT_BASE_URL == "http://127.0.0.1:1234/v1"
    monkeypatch.setenv("LMSTUDIO_BASE_URL", "http://127.0.0.1:4321/v1")
    assert LMStudioProvider().wire.base_url == "http://127.0.0.1:4321/v1"


# -- each API version, from LM Studio's documented shapes ---------------------------------------------


def test_v1_models_loaded_first_with_loaded_window_tool_use_and_size() -> None:
    with LMStudioStub(library(), api="v1") as lms:
        provider = lmstudio(lms.base_url)
        models = provider.models()
    assert provider.api_version == "v1"
    assert lms.paths() == ["/api/v1/models"]  # v1 answered: no older API asked
    assert [(m.id, m.loaded, m.context_length, m.tool_use) for m in models] == [
        ("qwen/qwen3-8b", True, 16384, True),  # the loaded window, not the maximum
        ("google/gemma-3-4b", False, 131072, False),
    ]  # no embedding model: it cannot chat
    assert models[1].size_bytes == 3_034_755_901 and models[0].max_context_length == 40960


def test_v0_when_there_is_no_v1() -> None:
    with LMStudioStub(library(), api="v0") as lms:
        provider = lmstudio(lms.base_url)
        models = provider.models()
    assert provider.api_version == "v0"
    assert lms.paths() == ["/api/v1/models", "/api/v0/models"]
    assert [(m.id, m.loaded, m.context_length, m.tool_use) for m in models] == [
        ("qwen/qwen3-8b", True, 16384, True),
        ("google/gemma-3-4b", False, 131072, False),
    ]


def test_v0_models_from_the_documented_example_shape() -> None:
    with OpenAIStub(lmstudio_models=LMS_MODELS) as stub:
        models = lmstudio(stub.base_url).models()
    assert [(m.id, m.context_length, m.loaded, m.tool_use) for m in models] == [
        ("qwen2.5-coder-7b", 8192, True, None),  # no `capabilities`: tool use unknown, not "no"
        ("big-coder", 131072, False, None),
    ]


def test_older_lm_studio_falls_back_to_v1_models_without_loaded_state() -> None:
    with LMStudioStub(library(), api="openai") as lms:
        provider = lmstudio(lms.base_url)
        models = provider.models()
    assert provider.api_version == "openai"
    assert lms.paths() == ["/api/v1/models", "/api/v0/models", "/v1/models"]
    assert [m.id for m in models] == ["google/gemma-3-4b", "qwen/qwen3-8b"]  # embeddings left out
    assert all(m.loaded is None and m.tool_use is None for m in models)  # it does not say


@pytest.mark.parametrize("api", ["v0", "openai"])
def test_unexpected_endpoint_answered_with_200_is_still_a_missing_api(api: str) -> None:
    with LMStudioStub(library(), api=api, unexpected_status=200) as lms:  # type: ignore[arg-type]
        provider = lmstudio(lms.base_url)
        assert provider.models()
    assert provider.api_version == api


def test_configured_context_length_overrides_the_server() -> None:
    with OpenAIStub(lmstudio_models=LMS_MODELS) as stub:
        models = lmstudio(stub.base_url, model="big-coder", context_length=16000).models()
    assert ("big-coder", 16000) in [(m.id, m.context_length) for m in models]


def test_a_server_that_is_not_lm_studio_says_so() -> None:
    with OpenAIStub(models=[]) as stub:
        stub.models = []
        stub.routes[("GET", "/v1/models")] = lambda _: (200, {"unexpected": True})
        with pytest.raises(
            ProviderError, match=r"answered none of /api/v1/models, /api/v0/models, /v1/models"
        ):
            lmstudio(stub.base_url).models()


# -- detection once per server ------------------------------------------------------------------------


def test_detection_is_remembered_per_server_beside_the_window_cache() -> None:
    with LMStudioStub(library(), api="openai") as lms:
        lmstudio(lms.base_url).models()
        assert memo_file()[lms.url][0] == "openai"
        before = len(lms.requests)
        lmstudio(lms.base_url).models()  # a new session: one request, to the remembered path
        assert [r.path for r in lms.requests[before:]] == ["/v1/models"]
    assert (user_cache_dir() / FILE).parent == user_cache_dir()  # beside context-windows.json
    with LMStudioStub(library(), api="v1") as other:  # another server is detected on its own
        lmstudio(other.base_url).models()
        assert memo_file()[other.url][0] == "v1" and memo_file()[lms.url][0] == "openai"


def test_a_remembered_api_that_went_away_is_detected_again() -> None:
    with LMStudioStub(library(), api="v1") as lms:
        lmstudio(lms.base_url).models()
        lms.api = "v0"  # downgraded under the same address
        before = len(lms.requests)
        provider = lmstudio(lms.base_url)
        provider.models()
        assert provider.api_version == "v0" and memo_file()[lms.url][0] == "v0"
        assert [r.path for r in lms.requests[before:]] == ["/api/v1/models", "/api/v0/models"]


def test_memo_expires_and_ignores_garbage(tmp_path: Path) -> None:
    now = [1000.0]
    memo = ApiMemo(tmp_path / "m.json", ttl_s=10, clock=lambda: now[0])
    memo.put("http://h:1", "v0")
    assert memo.get("http://h:1/") == "v0"
    now[0] += 11
    assert memo.get("http://h:1") is None
    (tmp_path / "m.json").write_text('{"http://h:1": ["v9", 1000], "x": "y", "z": [true, 1]}')
    assert memo.get("http://h:1") is None and memo.get("x") is None
    (tmp_path / "m.json").write_text("not json")
    assert memo.get("http://h:1") is None


# -- loading -------------------------------------------------------------------------------------------


def test_load_posts_the_documented_body_and_returns_the_loaded_model() -> None:
    with LMStudioStub(library(), api="v1", load_s=0.3) as lms:
        provider = lmstudio(lms.base_url)
        assert isinstance(provider, ModelLoader)
        provider.models()
        started = time.monotonic()
        info = provider.load_model("google/gemma-3-4b", context_length=32768)
        took = time.monotonic() - started
    assert lms.loads == [{"model": "google/gemma-3-4b", "context_length": 32768}]
    assert (info.id, info.loaded, info.context_length) == ("google/gemma-3-4b", True, 32768)
    assert took >= 0.3  # it waited for the load to finish


def test_load_waits_longer_than_the_chat_timeout_when_told() -> None:
    with LMStudioStub(library(), api="v1", load_s=1.2) as lms:
        provider = lmstudio(lms.base_url, timeout_s=0.5, options={"load_timeout_s": 5})
        info = provider.load_model("google/gemma-3-4b")
    assert info.loaded


@pytest.mark.parametrize(("api", "can"), [("v1", True), ("v0", False), ("openai", False)])
def test_only_the_v1_api_can_load(api: str, can: bool) -> None:
    with LMStudioStub(library(), api=api) as lms:  # type: ignore[arg-type]
        provider = lmstudio(lms.base_url)
        provider.models()
        assert provider.can_load() is can
        assert lmstudio(lms.base_url).can_load() is can  # a new session: from the remembered detection


def test_load_on_a_version_without_the_load_api_says_how_to_load() -> None:
    with LMStudioStub(library(), api="v0") as lms:
        provider = lmstudio(lms.base_url)
        provider.models()
        with pytest.raises(ProviderError, match=r"no load API .*`lms load google/gemma-3-4b`"):
            provider.load_model("google/gemma-3-4b")
        assert not lms.loads


def test_bad_options_are_named() -> None:
    with pytest.raises(ValueError, match=r"^\[providers.lmstudio\] options.load_timeout_s: "):
        lmstudio(dead_url(), options={"load_timeout_s": -1})
    with pytest.raises(ValueError, match=r"options.load_timeout: Extra inputs"):
        lmstudio(dead_url(), options={"load_timeout": 5})


# -- API tokens ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("api", ["v1", "v0", "openai"])
def test_token_sent_on_every_request_when_auth_is_on(api: str) -> None:
    with LMStudioStub(library(), api=api, token="sk-lm-secret") as lms:  # type: ignore[arg-type]
        provider = lmstudio(lms.base_url, api_key=SecretStr("sk-lm-secret"))
        provider.models()
        list(
            provider.chat(
                ChatRequest(model="qwen/qwen3-8b", messages=[ChatMessage(role="user", content="hi")])
            )
        )
    assert lms.requests and all(r.headers["authorization"] == "Bearer sk-lm-secret" for r in lms.requests)


def test_no_token_when_auth_is_on_says_how_to_make_one_and_where_vtcode_reads_it() -> None:
    with LMStudioStub(library(), api="v1", token="sk-lm-secret") as lms:
        with pytest.raises(ProviderError) as info:
            lmstudio(lms.base_url).models()
        assert lms.paths() == ["/api/v1/models"]  # a 401 is final: no older API is asked
    message = str(info.value)
    assert info.value.kind == "auth" and "\n" not in message
    assert "HTTP 401" in message and "vtcode sent none" in message
    assert "Developer > Server Settings > Manage Tokens" in message
    assert (
        "LMSTUDIO_API_KEY" in message and str(user_cache_dir().parent / "config" / "secrets.toml") in message
    )


def test_wrong_token_is_refused_without_echoing_it() -> None:
    with LMStudioStub(library(), api="v1", token="sk-right") as lms:
        provider = lmstudio(lms.base_url, api_key=SecretStr("sk-wrong-token"))
        with pytest.raises(ProviderError) as info:
            provider.models()
        with pytest.raises(ProviderError) as chat_info:
            list(provider.chat(ChatRequest(model="m", messages=[ChatMessage(role="user", content="hi")])))
    for error in (info.value, chat_info.value):
        assert error.kind == "auth" and "refused the API token vtcode sent" in str(error)
        assert "sk-wrong-token" not in str(error) and "Manage Tokens" in str(error)


def test_auth_off_sends_no_authorization_header() -> None:
    with LMStudioStub(library(), api="v1") as lms:
        lmstudio(lms.base_url).models()
    assert "authorization" not in lms.requests[0].headers


# -- chat and reachability -----------------------------------------------------------------------------


def test_chat_streams_tool_calls_through_the_openai_api() -> None:
    reply = Reply(text="checking", tool_calls=[ToolCallReply("read_file", {"path": "a.py"})])
    with LMStudioStub(library(), script=[reply]) as lms:
        request = ChatRequest(model="qwen/qwen3-8b", messages=[ChatMessage(role="user", content="hi")])
        chunks = list(lmstudio(lms.base_url).chat(request))
    assert lms.requests[-1].path == "/v1/chat/completions"
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


def test_health_names_the_loaded_model_and_none_loaded_is_not_healthy() -> None:
    with LMStudioStub(library()) as lms:
        health = lmstudio(lms.base_url).health()
        assert health.ok and "qwen/qwen3-8b" in health.detail and "API v1" in health.detail
        lms.models[2].loaded = None
        health = lmstudio(lms.base_url).health()
    assert not health.ok and "no model loaded" in health.detail


def test_the_provider_never_loads_on_its_own() -> None:
    """Listing, health and chat never POST a load: only load_model does, when the core asks."""
    with LMStudioStub([LMModel("a/b")], api="v1") as lms:
        provider = lmstudio(lms.base_url)
        provider.models()
        provider.health()
        list(provider.chat(ChatRequest(model="a/b", messages=[ChatMessage(role="user", content="hi")])))
    assert not lms.loads and "/api/v1/models/load" not in lms.paths("POST")


def test_concurrent_listings_share_one_memo_file() -> None:
    with LMStudioStub(library(), api="v0") as lms:
        threads = [threading.Thread(target=lambda: lmstudio(lms.base_url).models()) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert memo_file()[lms.url][0] == "v0"
