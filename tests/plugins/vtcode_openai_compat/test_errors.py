"""Failures name the server and what to do, in one line, with a kind the chain can act on."""

from __future__ import annotations

import pytest
from helpers.openai_stub import OpenAIStub, Reply, dead_url
from pydantic import SecretStr
from vtcode_hookspecs import ChatMessage, ChatRequest, ProviderError, ProviderSettings
from vtcode_openai_compat.provider import OpenAICompatProvider

ASK = ChatRequest(model="stub-model", messages=[ChatMessage(role="user", content="hi")])


def fail(base_url: str, **settings: object) -> ProviderError:
    provider = OpenAICompatProvider().configure(
        ProviderSettings(name="openai-compat", base_url=base_url, **settings)
    )  # type: ignore[arg-type]
    with pytest.raises(ProviderError) as info:
        list(provider.chat(ASK))
    assert "\n" not in str(info.value)
    return info.value


def test_connection_refused_says_no_server_at_url() -> None:
    url = dead_url()
    error = fail(url)
    assert error.kind == "connection" and str(error).startswith(f"no server at {url}")


@pytest.mark.parametrize(
    ("reply", "kind", "words"),
    [
        (Reply.failure(401, "Incorrect API key"), "auth", "refused the credentials (HTTP 401)"),
        (Reply.failure(404, "model 'nope' not found"), "not_found", "model 'stub-model' not found"),
        (Reply.failure(400, "bad tools"), "bad_request", "rejected the request (HTTP 400): bad tools"),
        (Reply.failure(503, "overloaded"), "server", "failed (HTTP 503): overloaded"),
        (Reply.rate_limited(retry_after=7), "rate_limit", "HTTP 429, retry after 7s"),
    ],
)
def test_http_errors_have_a_kind_and_a_readable_line(reply: Reply, kind: str, words: str) -> None:
    with OpenAIStub([reply]) as stub:
        error = fail(stub.base_url)
    assert error.kind == kind and words in str(error), str(error)
    if kind == "rate_limit":
        assert error.retry_after == 7


def test_malformed_sse_is_a_protocol_error() -> None:
    with OpenAIStub([Reply(text="hi", malformed=True)]) as stub:
        error = fail(stub.base_url)
    assert error.kind == "protocol" and "malformed SSE" in str(error)


def test_connection_cut_mid_stream_is_a_connection_error() -> None:
    with OpenAIStub([Reply(text="a long answer that will be cut", drop_after=3)]) as stub:
        error = fail(stub.base_url)
    assert error.kind == "connection" and "dropped" in str(error)


def test_slow_server_times_out() -> None:
    with OpenAIStub([Reply(text="late", delay_s=1.5)]) as stub:
        error = fail(stub.base_url, timeout_s=0.3)
    assert error.kind == "timeout" and "0.3s" in str(error)


def test_server_echoing_the_key_does_not_put_it_in_the_error() -> None:
    with OpenAIStub([Reply.failure(500, "upstream rejected key sk-secret-123")]) as stub:
        error = fail(stub.base_url, api_key=SecretStr("sk-secret-123"))
    assert "sk-secret-123" not in str(error) and "***" in str(error)


def test_missing_base_url_says_how_to_set_it() -> None:
    provider = OpenAICompatProvider()
    with pytest.raises(ProviderError, match=r"set \[providers.openai-compat\] base_url"):
        list(provider.chat(ASK))
    assert not provider.health().ok
