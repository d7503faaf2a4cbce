"""The circuit breaker skips a dead provider and tries it again after the cool-down; a stream cut after
output was passed on fails the turn instead of repeating it."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers.openai_stub import OpenAIStub, Reply, dead_url
from helpers.providers import ask, chain_for, text_of
from vtcode_hookspecs import ChatChunk

from vtcode.events import EventBus
from vtcode.plugins import PluginHost
from vtcode.providers import StreamInterrupted


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_breaker_skips_a_dead_provider_then_retries_it_after_cooldown(
    workspace: Path, host: PluginHost, bus: EventBus
) -> None:
    url = dead_url()
    with OpenAIStub(default=Reply(text="backup")) as backup:
        chain = chain_for(
            workspace,
            host,
            bus,
            [("dead", url), ("backup", backup.base_url)],
            "providers.retries=0",
            "providers.failure_threshold=2",
            "providers.cooldown_s=30",
        )
        clock = Clock()
        chain.entries[0].breaker.clock = clock
        for _ in range(2):  # two failures open the circuit
            assert text_of(list(chain.chat(ask()))) == "backup"
        tried = [e.payload["provider"] for e in bus.history if e.type == "llm.request"]
        assert tried == ["dead", "backup", "dead", "backup"]

        assert text_of(list(chain.chat(ask()))) == "backup"  # open: skipped without a request
        tried = [e.payload["provider"] for e in bus.history if e.type == "llm.request"]
        assert tried[4:] == ["backup"]
        assert failovers_kinds(bus)[-1] == "circuit_open"

        clock.now += 31  # cool-down over: one trial request goes to the dead provider again
        assert text_of(list(chain.chat(ask()))) == "backup"
        tried = [e.payload["provider"] for e in bus.history if e.type == "llm.request"]
        assert tried[5:] == ["dead", "backup"]


def test_breaker_closes_when_the_provider_comes_back(
    workspace: Path, host: PluginHost, bus: EventBus
) -> None:
    with (
        OpenAIStub([Reply.failure(500), Reply.failure(500), Reply(text="back")]) as flaky,
        OpenAIStub(default=Reply(text="backup")) as backup,
    ):
        chain = chain_for(
            workspace,
            host,
            bus,
            [("flaky", flaky.base_url), ("backup", backup.base_url)],
            "providers.retries=0",
            "providers.failure_threshold=2",
            "providers.cooldown_s=30",
        )
        clock = Clock()
        breaker = chain.entries[0].breaker
        breaker.clock = clock
        list(chain.chat(ask()))
        list(chain.chat(ask()))
        assert not breaker.allows()
        clock.now += 30
        assert text_of(list(chain.chat(ask()))) == "back"
        assert breaker.allows() and breaker.failures == 0


def failovers_kinds(bus: EventBus) -> list[object]:
    return [e.payload["kind"] for e in bus.history if e.type == "provider.failover"]


def test_mid_stream_drop_fails_the_turn_without_repeating_output(
    workspace: Path, host: PluginHost, bus: EventBus
) -> None:
    with (
        OpenAIStub([Reply(text="The answer is forty-two, because", drop_after=4)]) as cut,
        OpenAIStub(default=Reply(text="SECOND ANSWER")) as backup,
    ):
        chain = chain_for(workspace, host, bus, [("cut", cut.base_url), ("backup", backup.base_url)])
        received: list[ChatChunk] = []
        with pytest.raises(StreamInterrupted, match=r"cut failed after 3 chunks .* not retried") as info:
            received.extend(chain.chat(ask()))
        assert info.value.kind == "connection"
        assert text_of(received) == "The answer i"  # 3 deltas arrived, once; nothing from the backup
        assert backup.chat_requests == [] and len(cut.chat_requests) == 1
    errors = [e.payload for e in bus.history if e.type == "error"]
    assert errors and "not retried" in str(errors[-1]["message"])


def test_drop_before_the_first_chunk_is_retried(workspace: Path, host: PluginHost, bus: EventBus) -> None:
    with OpenAIStub([Reply(text="never seen", drop_after=0), Reply(text="whole answer")]) as flaky:
        chain = chain_for(workspace, host, bus, [("flaky", flaky.base_url)])
        assert text_of(list(chain.chat(ask()))) == "whole answer"
