"""Context windows are remembered per (provider, base URL, model), so a start skips GET /models; a
configured window never touches the cache, and a refused request forgets it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers.openai_stub import OpenAIStub, Reply
from helpers.providers import ask, chain_for
from vtcode_hookspecs import ProviderError

from vtcode.events import EventBus
from vtcode.paths import user_cache_dir
from vtcode.plugins import PluginHost
from vtcode.providers.windows import WindowCache

MODELS: list[str | dict[str, object]] = [{"id": "stub-model", "max_model_len": 32_768}]


def listings(stub: OpenAIStub) -> int:
    return sum(r.method == "GET" for r in stub.requests)


def test_a_second_start_reuses_the_learned_window(workspace: Path, host: PluginHost, bus: EventBus) -> None:
    with OpenAIStub(models=MODELS) as stub:
        first = chain_for(workspace, host, bus, [("gw", stub.base_url)])
        assert first.context_length("stub-model") == 32_768 and listings(stub) == 1
        second = chain_for(workspace, host, bus, [("gw", stub.base_url)])
        assert second.context_length("stub-model") == 32_768 and listings(stub) == 1
        assert second.context_length("other-model") is None and listings(stub) == 2  # unknown: asked once
        third = chain_for(workspace, host, bus, [("gw", stub.base_url)])
        assert third.context_length("other-model") is None and listings(stub) == 2
    cached = json.loads((user_cache_dir() / "context-windows.json").read_text())
    assert cached[WindowCache.key("openai-compat", stub.base_url, "stub-model")][0] == 32_768


def test_configured_window_wins_and_a_refusal_forgets(
    workspace: Path, host: PluginHost, bus: EventBus
) -> None:
    with OpenAIStub([Reply.failure(400, "context too long")], models=MODELS) as stub:
        configured = chain_for(
            workspace, host, bus, [("gw", stub.base_url)], "providers.gw.context_length=8192"
        )
        assert configured.context_length("stub-model") == 8192 and listings(stub) == 0
        chain = chain_for(workspace, host, bus, [("gw", stub.base_url)])
        assert chain.context_length("stub-model") == 32_768
        with pytest.raises(ProviderError, match="context too long"):  # a 400: raised, and forgotten
            list(chain.chat(ask()))
        again = chain_for(workspace, host, bus, [("gw", stub.base_url)])
        assert again.context_length("stub-model") == 32_768 and listings(stub) == 2


def test_entries_expire_and_bad_files_are_empty(tmp_path: Path) -> None:
    now = [1_000.0]
    cache = WindowCache(tmp_path / "w.json", ttl_s=60, clock=lambda: now[0])
    cache.put("k", 4096)
    assert WindowCache(tmp_path / "w.json", ttl_s=60, clock=lambda: now[0]).get("k") == 4096
    now[0] += 61
    assert WindowCache(tmp_path / "w.json", ttl_s=60, clock=lambda: now[0]).get("k") is None
    (tmp_path / "w.json").write_text('{"k": ["big", 1000], "j": [-5, 1000], "i": true}')
    assert WindowCache(tmp_path / "w.json", clock=lambda: 1_000.0).get("k") is None
    (tmp_path / "w.json").write_text("not json")
    assert WindowCache(tmp_path / "w.json").get("k") is None
