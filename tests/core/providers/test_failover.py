"""Failover down the chain: from a dead port, a 500 and a 429; retries with backoff first."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers.openai_stub import OpenAIStub, Reply, dead_url
from helpers.providers import ask, chain_for, text_of

from vtcode.events import EventBus
from vtcode.plugins import PluginHost
from vtcode.providers import ChainExhausted


def failovers(bus: EventBus) -> list[dict[str, object]]:
    return [e.payload for e in bus.history if e.type == "provider.failover"]


def test_failover_from_a_dead_port(workspace: Path, host: PluginHost, bus: EventBus) -> None:
    with OpenAIStub([Reply(text="from the backup")]) as backup:
        chain = chain_for(workspace, host, bus, [("primary", dead_url()), ("backup", backup.base_url)])
        assert text_of(list(chain.chat(ask()))) == "from the backup"
    [event] = failovers(bus)
    assert event["provider"] == "primary" and event["fallback"] == "backup" and event["kind"] == "connection"
    assert "no server at" in str(event["reason"])


def test_failover_from_a_500_after_retries(workspace: Path, host: PluginHost, bus: EventBus) -> None:
    with OpenAIStub(default=Reply.failure(500, "boom")) as broken, OpenAIStub([Reply(text="ok")]) as backup:
        chain = chain_for(
            workspace, host, bus, [("a", broken.base_url), ("b", backup.base_url)], "providers.retries=2"
        )
        assert text_of(list(chain.chat(ask()))) == "ok"
        assert len(broken.chat_requests) == 3  # first try + 2 retries
    assert [e["kind"] for e in failovers(bus)] == ["server"]
    attempts = [e.payload["attempt"] for e in bus.history if e.type == "llm.request"]
    assert attempts == [1, 2, 3, 1]


def test_a_retry_can_succeed_without_failover(workspace: Path, host: PluginHost, bus: EventBus) -> None:
    with OpenAIStub([Reply.failure(502), Reply(text="second time")]) as flaky:
        chain = chain_for(workspace, host, bus, [("a", flaky.base_url)])
        assert text_of(list(chain.chat(ask()))) == "second time"
    assert failovers(bus) == []


def test_failover_from_429_honours_retry_after_up_to_the_cap(
    workspace: Path, host: PluginHost, bus: EventBus
) -> None:
    slept: list[float] = []
    with (
        OpenAIStub(default=Reply.rate_limited(retry_after=30)) as limited,
        OpenAIStub([Reply(text="ok")]) as backup,
    ):
        chain = chain_for(
            workspace,
            host,
            bus,
            [("a", limited.base_url), ("b", backup.base_url)],
            "providers.retries=1",
            "providers.backoff_max_s=2",
        )
        chain._sleep = slept.append
        assert text_of(list(chain.chat(ask()))) == "ok"
    assert slept == [2.0]  # Retry-After 30 s, capped at backoff_max_s
    assert failovers(bus)[0]["kind"] == "rate_limit"


def test_timeout_fails_over(workspace: Path, host: PluginHost, bus: EventBus) -> None:
    with (
        OpenAIStub(default=Reply(text="late", delay_s=1)) as slow,
        OpenAIStub([Reply(text="quick")]) as backup,
    ):
        chain = chain_for(
            workspace,
            host,
            bus,
            [("slow", slow.base_url), ("quick", backup.base_url)],
            "providers.retries=0",
            "providers.slow.timeout_s=0.2",
        )
        assert text_of(list(chain.chat(ask()))) == "quick"
    assert failovers(bus)[0]["kind"] == "timeout"


def test_config_errors_do_not_fail_over(workspace: Path, host: PluginHost, bus: EventBus) -> None:
    with OpenAIStub([Reply.failure(401, "bad key")]) as auth, OpenAIStub([Reply(text="never")]) as backup:
        chain = chain_for(workspace, host, bus, [("a", auth.base_url), ("b", backup.base_url)])
        with pytest.raises(Exception, match=r"HTTP 401") as info:
            list(chain.chat(ask()))
        assert getattr(info.value, "kind", None) == "auth" and backup.chat_requests == []


def test_all_failing_names_each_provider(workspace: Path, host: PluginHost, bus: EventBus) -> None:
    chain = chain_for(workspace, host, bus, [("one", dead_url()), ("two", dead_url())], "providers.retries=0")
    with pytest.raises(
        ChainExhausted, match=r"no provider could answer: one: no server at .*; two: no server at"
    ):
        list(chain.chat(ask()))
    assert [e.type for e in bus.history if e.type in ("provider.failover", "error")] == [
        "provider.failover",
        "error",
    ]


def test_backoff_grows_and_is_jittered() -> None:
    from vtcode.providers import RetryPolicy

    policy = RetryPolicy(retries=5, backoff_s=1, backoff_max_s=6)
    for attempt, ceiling in [(1, 1), (2, 2), (3, 4), (4, 6), (5, 6)]:
        delays = {policy.delay(attempt) for _ in range(50)}
        assert all(ceiling / 2 <= d <= ceiling for d in delays) and len(delays) > 1
